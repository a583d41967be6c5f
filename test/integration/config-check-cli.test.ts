import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadInventory } from '../../src/config/load-inventory.js';
import { ensureDist } from '../support/dist.js';

// The installed command, as an operator runs it: the real build, then `node bin/lvs-chatops.js`.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'lvs-config-check-'));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function lvsChatops(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/lvs-chatops.js', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const EXAMPLE = readFileSync(join(root, 'examples/inventory.yml'), 'utf8');

function writeBrokenCopy(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(EXAMPLE);
  edit(doc);
  const file = join(scratch, name);
  writeFileSync(file, String(doc));
  return file;
}

beforeAll(async () => {
  await ensureDist();
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('lvs-chatops config check', () => {
  it('exits 0 on examples/inventory.yml with a one-line summary', async () => {
    const outcome = await lvsChatops('config', 'check', 'examples/inventory.yml');
    expect(outcome).toEqual({
      code: 0,
      stdout:
        'examples/inventory.yml: ok: 1 cluster (seed), 2 directors, 1 virtual service, 3 real servers, 1 fileset\n',
      stderr: '',
    });
  });

  it('exits 1 on a broken copy, listing every error as path.to.key: message (line N)', async () => {
    const file = writeBrokenCopy('broken.yml', (doc) => {
      doc.setIn(['clusters', 0, 'realServers', 1, 'address'], '192.168.10.300');
      doc.setIn(['clusters', 0, 'virtualServices', 0, 'port'], 0);
      doc.setIn(['clusters', 0, 'realServers', 2, 'name'], 'web-1');
      doc.setIn(['clusters', 0, 'directors', 0, 'prefered'], true);
      doc.setIn(['clusters', 0, 'mon', 'host'], 'lvs-mastr');
    });
    const outcome = await lvsChatops('config', 'check', file);
    expect(outcome.code).toBe(1);
    const lines = outcome.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^clusters\.0\.directors\.0\.prefered: unknown key 'prefered'; did you mean preferred\? \(line \d+\)$/,
      ),
      expect.stringMatching(/^clusters\.0\.virtualServices\.0\.port: a port is 1 to 65535 \(line \d+\)$/),
      expect.stringMatching(
        /^clusters\.0\.realServers\.1\.address: '192\.168\.10\.300' is not an IPv4 or IPv6 address \(line \d+\)$/,
      ),
      expect.stringMatching(
        /^clusters\.0\.realServers\.2\.name: 'web-1' is already the name of clusters\.0\.realServers\.0; .* \(line \d+\)$/,
      ),
      expect.stringMatching(
        /^clusters\.0\.mon\.host: 'lvs-mastr' is neither a director of cluster seed nor an address; did you mean lvs-master\? \(line \d+\)$/,
      ),
      // Renaming web-3 leaves the fileset naming a host that is gone.
      expect.stringMatching(
        /^clusters\.0\.filesets\.0\.hosts\.2: 'web-3' is not a director or real server of cluster seed/,
      ),
    ]);
    expect(outcome.stderr).toBe(`${file}: 6 errors\n`);
  });

  it('exits 1 on the fixture broken in ten places, listing all ten', async () => {
    const outcome = await lvsChatops('config', 'check', 'test/fixtures/inventory/broken-everywhere.yml');
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.trimEnd().split('\n')).toHaveLength(10);
    expect(outcome.stderr).toMatch(/: 10 errors$/m);
  });

  it('exits 1 with a clear message for a missing file and for a file that is not YAML', async () => {
    const missing = await lvsChatops('config', 'check', join(scratch, 'nope.yml'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/nope\.yml: no such file; give the path of an inventory/);
    const notYaml = join(scratch, 'not-yaml.yml');
    writeFileSync(notYaml, 'version: 1\nslack: {team: T0X\n');
    const broken = await lvsChatops('config', 'check', notYaml);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/is not valid YAML: .* \(line \d+\)/);
  });

  it('prints the normalized inventory with --json, every default filled', async () => {
    const outcome = await lvsChatops('config', 'check', '--json', 'examples/inventory.yml');
    expect(outcome.code).toBe(0);
    const loaded = await loadInventory(join(root, 'examples/inventory.yml'));
    expect(loaded.ok && JSON.parse(outcome.stdout)).toEqual(loaded.ok && loaded.value);
  });

  it('exits 2 on a usage error and 0 on --help', async () => {
    for (const args of [
      ['config'],
      ['config', 'check'],
      ['config', 'lint', 'x.yml'],
      ['config', 'check', '--yaml', 'x.yml'],
    ]) {
      const outcome = await lvsChatops(...args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toMatch(/usage: lvs-chatops config check/);
    }
    const help = await lvsChatops('config', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: lvs-chatops config check \[--json\] FILE/);
  });
});
