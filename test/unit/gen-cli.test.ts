import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { brokenCopy, C0, DELETE, EXAMPLE_PATH } from './inventory-edit.js';

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gen-cli-'));
  dirs.push(d);
  return d;
}

describe('lvs-chatops gen', () => {
  it('prints mon.cf for the inventory of LVS_INVENTORY, with the install notes on stderr', async () => {
    const t = io({ LVS_INVENTORY: EXAMPLE_PATH });
    expect(await main(['gen', 'mon.cf'], t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(/^watch web-1$/m);
    expect(t.err.join('\n')).toContain('# goes to /etc/mon/mon.cf');
  });

  it('writes authkeys with --out as mode 600, from the secret file', async () => {
    const d = await temp();
    await writeFile(join(d, 'secret'), 'shared-secret-of-both\n');
    const t = io();
    const code = await main(
      [
        'gen',
        'authkeys',
        '--inventory',
        EXAMPLE_PATH,
        '--secret-file',
        join(d, 'secret'),
        '--out',
        join(d, 'authkeys'),
      ],
      t.io,
    );
    expect(code).toBe(0);
    expect((await stat(join(d, 'authkeys'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(d, 'authkeys'), 'utf8')).toMatch(/^1 sha1 shared-secret-of-both$/m);
    expect(t.out).toEqual([]);
  });

  it('prints authkeys with a new random secret and a note to chmod 600 when there is no --out', async () => {
    const t = io();
    expect(await main(['gen', 'authkeys', '--inventory', EXAMPLE_PATH], t.io)).toBe(0);
    expect(t.out.join('\n')).toMatch(/^1 sha1 [0-9a-f]{40}$/m);
    expect(t.err.join('\n')).toMatch(/holds a secret: write it with --out FILE \(mode 600\)/);
    expect(t.err.join('\n')).toMatch(/new random secret/);
  });

  it('exits 1 naming what to add when the inventory lacks a standby director', async () => {
    const d = await temp();
    await writeFile(join(d, 'inv.yml'), brokenCopy([[...C0, 'directors', 1], DELETE]));
    const t = io();
    expect(await main(['gen', 'ha.cf', '--inventory', join(d, 'inv.yml')], t.io)).toBe(1);
    expect(t.err.join('\n')).toMatch(/add the standby director/);
    expect(t.out).toEqual([]);
  });

  it('refuses --out when the kind gives several files, and says to pick a host', async () => {
    const d = await temp();
    const inv = brokenCopy(
      [[...C0, 'virtualServices', 1], { name: 'api', vip: '192.168.10.101', port: 8443 }],
      [[...C0, 'realServers', 2, 'services'], [{ service: 'api' }]],
    );
    await writeFile(join(d, 'inv.yml'), inv);
    const t = io();
    expect(
      await main(['gen', 'ifcfg-lo', '--inventory', join(d, 'inv.yml'), '--out', join(d, 'x')], t.io),
    ).toBe(1);
    expect(t.err.join('\n')).toMatch(/gives 2 files .*pick one with --host/);
    const one = io();
    expect(
      await main(
        ['gen', 'ifcfg-lo', '--inventory', join(d, 'inv.yml'), '--host', 'web-3', '--out', join(d, 'x')],
        one.io,
      ),
    ).toBe(0);
    expect(await readFile(join(d, 'x'), 'utf8')).toContain('DEVICE=lo:1\nIPADDR=192.168.10.101');
  });

  it('is a usage error (exit 2) without a kind, with an unknown kind or option', async () => {
    for (const args of [['gen'], ['gen', 'nginx.conf'], ['gen', 'mon.cf', '--colour']]) {
      const t = io({ LVS_INVENTORY: EXAMPLE_PATH });
      expect(await main(args, t.io)).toBe(2);
      expect(t.err.join('\n')).toMatch(/missing KIND|unknown kind|unknown option/);
    }
  });

  it('lists every kind in --help', async () => {
    const t = io();
    expect(await main(['gen', '--help'], t.io)).toBe(0);
    for (const k of ['mon.cf', 'ha.cf', 'haresources', 'authkeys', 'ipvsadm-rules', 'ifcfg-lo', 'fstab'])
      expect(t.out.join('\n')).toContain(`  ${k} `);
  });
});
