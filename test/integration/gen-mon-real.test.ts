import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, monWatchPlan } from '../../src/build/generate/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { parseListDescriptionsReply } from '../../src/core/mon/index.js';
import { MON_BIN, TestMon } from '../support/mon.js';

const run = promisify(execFile);
const SLACK_ALERT_DIR = resolve(import.meta.dirname, '..', '..', 'contrib', 'mon');

/**
 * Debian's real mon reads the mon.cf `lvs-chatops gen mon.cf` writes, and its client port
 * lists every watch and service (the same `list watch` the build's Check asks).
 */
describe.skipIf(!existsSync(MON_BIN))('gen mon.cf, loaded by the real mon', () => {
  let mon: TestMon;
  let dir: string;
  let cluster: Cluster;

  beforeAll(async () => {
    const loaded = await loadInventory('examples/inventory.yml');
    if (!loaded.ok) throw new Error('the example inventory does not load');
    cluster = loaded.value.clusters[0]!;
    dir = await mkdtemp(join(tmpdir(), 'gen-mon-'));
    for (const d of ['log', 'state']) await mkdir(join(dir, d));
    const files = generate('mon.cf', cluster, {
      // The bot's URL is a closed port: an alert mon sends is spooled in the temp dir, not posted.
      alertUrl: 'http://127.0.0.1:9',
      monEnv: { LVS_CHATOPS_SPOOL: join(dir, 'alerts.jsonl'), LVS_CHATOPS_CONF: '/dev/null' },
      monDirs: { alertdir: SLACK_ALERT_DIR, logdir: join(dir, 'log'), statedir: join(dir, 'state') },
    });
    if (!files.ok) throw files.error;
    mon = await TestMon.start(files.value[0]!.text, { alertDir: SLACK_ALERT_DIR });
  });

  afterAll(async () => {
    await mon?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers list watch with every real server and each of its services (moncmd)', async () => {
    const { stdout } = await run('moncmd', ['-s', '127.0.0.1', '-p', String(mon.port), 'list watch']);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('220 list watch completed');
    const listed = lines.slice(0, -1).sort();
    const expected = monWatchPlan(cluster)
      .flatMap((w) => w.services.map((s) => `${w.group} ${s}`))
      .sort();
    expect(listed).toEqual(expected);
    expect(listed).toHaveLength(6);
  });

  it('describes every service as generated (list descriptions)', async () => {
    const { stdout } = await run('moncmd', ['-s', '127.0.0.1', '-p', String(mon.port), 'list descriptions']);
    const read = parseListDescriptionsReply(stdout);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value).toContainEqual({
      group: 'web-2',
      service: 'http',
      description: 'web-2 serves web on port 80',
    });
    expect(read.value).toContainEqual({ group: 'web-3', service: 'ping', description: 'web-3 answers ping' });
  });
});
