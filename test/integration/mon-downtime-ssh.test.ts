import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monDowntimeReader } from '../../src/bot/commands/mon-downtime.js';
import type { Inventory, SshAccess } from '../../src/config/inventory.js';
import { SshExecutor } from '../../src/ssh/index.js';
import { TestSshd } from '../support/sshd.js';
import { freePort } from './ingest-own-redis.js';
import { labInventory } from './ingest-support.js';

// mon's downtime log read over a real sshd, as /lvs incident ID does: the inventory's SSH
// access to mon's director, a read-only tail, and an unreachable director said, not thrown.

let sshd: TestSshd;
let ssh: SshExecutor;
let dir: string;

beforeAll(async () => {
  sshd = await TestSshd.start();
  ssh = new SshExecutor();
  dir = await mkdtemp(join(tmpdir(), 'lvs-dtlog-'));
  await writeFile(
    join(dir, 'downtime.log'),
    [
      '#',
      '# downtime log start 1795608000',
      '# time back up, group, service, first failure, downtime, interval, summary',
      '#',
      '1795608083 web-2 http 1795608075 8 10 10.200.0.12',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await ssh?.close();
  await sshd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function access(port: number): Promise<SshAccess> {
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    key: sshd.clientKeyPath,
    hostKey: await sshd.fingerprint(),
    connectTimeout: 3_000,
    commandTimeout: 10_000,
  };
}

function withMon(monHost: string, dtlogFile: string): Inventory {
  const inv = labInventory();
  inv.clusters[0]!.mon = { host: monHost, address: monHost, port: 2583, dtlogFile };
  return inv;
}

describe("mon's downtime log over SSH", () => {
  it("reads the log on mon's director", async () => {
    const inv = withMon('lb1', join(dir, 'downtime.log'));
    inv.clusters[0]!.directors[0]!.ssh = await access(sshd.port);
    const read = await monDowntimeReader(inv, ssh)(inv.clusters[0]!);
    expect(read).toEqual({
      read: true,
      host: 'lb1',
      skipped: 0,
      entries: [
        {
          upAt: 1795608083,
          group: 'web-2',
          service: 'http',
          failedAt: 1795608075,
          downSeconds: 8,
          interval: 10,
          summary: '10.200.0.12',
        },
      ],
    });
  });

  it('says which file is missing instead of failing', async () => {
    const inv = withMon('lb1', join(dir, 'nope.log'));
    inv.clusters[0]!.directors[0]!.ssh = await access(sshd.port);
    const read = await monDowntimeReader(inv, ssh)(inv.clusters[0]!);
    expect(read.read).toBe(false);
    expect(!read.read && read.why).toContain(`${join(dir, 'nope.log')} could not be read (lb1:`);
  });

  it('when mon follows the VIP, tries the preferred director, then the other', async () => {
    const inv = withMon('10.200.0.100', join(dir, 'downtime.log'));
    inv.clusters[0]!.directors[0]!.ssh = await access(await freePort());
    inv.clusters[0]!.directors[1]!.ssh = await access(sshd.port);
    const read = await monDowntimeReader(inv, ssh)(inv.clusters[0]!);
    expect(read.read && read.host).toBe('lb2');
    expect(read.read && read.entries).toHaveLength(1);
  });
});
