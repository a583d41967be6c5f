import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeepalivedNotify, keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import {
  canRunKeepalived,
  INGEST_URL_IN_NAMESPACE,
  type RealKeepalived,
  startRealKeepalived,
} from './keepalived-real.js';
import { IngestPeer, saveFixture, TOKEN, tempDir, waitFor } from './slack-alert-helpers.js';

/** Debian's real keepalived runs notify.sh, its peer a stand-in for the bot's ingest. */

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };
let keepalived: RealKeepalived | undefined;

const events = (): KeepalivedNotify[] => peer.accepted.map((b) => keepalivedNotifySchema.parse(b));
const seen = (argv: string[]) => events().some((e) => e.argv.join(' ') === argv.join(' '));
const output = () => keepalived?.output() ?? '';

describe.skipIf(!canRunKeepalived)('notify.sh run by the real keepalived (Debian package keepalived)', () => {
  beforeAll(async () => {
    dir = await tempDir('keepalived-real');
    await peer.start();
    const sock = join(dir.path, 'ingest.sock');
    await peer.listenUnix(sock);
    const conf = join(dir.path, 'alert.conf');
    await writeFile(
      conf,
      [
        `LVS_CHATOPS_URL=${INGEST_URL_IN_NAMESPACE}`,
        `LVS_CHATOPS_TOKEN=${TOKEN}`,
        `LVS_CHATOPS_KEEPALIVED_SPOOL=${join(dir.path, 'spool')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    keepalived = await startRealKeepalived({ dir: dir.path, ingestSocket: sock, notifyConf: conf });
  });

  afterAll(async () => {
    keepalived?.kill();
    await peer.stop();
    await dir?.remove();
  });

  it('reports the instance and its sync group going BACKUP, then MASTER', async () => {
    const want = [
      ['-C', 'lab', 'INSTANCE', 'VI_WEB', 'BACKUP', '150'],
      ['-C', 'lab', 'GROUP', 'VG_WEB', 'BACKUP', '0'],
      ['-C', 'lab', 'INSTANCE', 'VI_WEB', 'MASTER', '150'],
      ['-C', 'lab', 'GROUP', 'VG_WEB', 'MASTER', '0'],
    ];
    await waitFor(
      () => want.every(seen),
      20_000,
      `keepalived's four notifications (keepalived said: ${output()})`,
    );
    const all = events();
    const at = (argv: string[]) => all.findIndex((e) => e.argv.join(' ') === argv.join(' '));
    expect(at(want[0]!)).toBeLessThan(at(want[2]!));
    expect(at(want[1]!)).toBeLessThan(at(want[3]!));
    const master = all[at(want[2]!)]!;
    expect(master.event).toEqual({
      type: 'vrrp',
      scope: 'instance',
      name: 'VI_WEB',
      state: 'master',
      priority: 150,
    });
    expect(master.cluster).toBe('lab');
    expect(all[at(want[3]!)]!.event).toEqual({
      type: 'vrrp',
      scope: 'group',
      name: 'VG_WEB',
      state: 'master',
      priority: 0,
    });
    expect(peer.received.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    await saveFixture('keepalived-real-instance-master.json', peer.accepted[at(want[2]!)]);
    await saveFixture('keepalived-real-group-master.json', peer.accepted[at(want[3]!)]);
  });

  it('reports STOP when keepalived is stopped', async () => {
    const pid = keepalived?.pid;
    expect(pid).toBeDefined();
    // Only keepalived: socat must stay up to carry the STOP notifications out.
    process.kill(pid!, 'SIGTERM');
    // An instance's STOP carries its priority; a group's is always 0.
    await waitFor(
      () =>
        seen(['-C', 'lab', 'INSTANCE', 'VI_WEB', 'STOP', '150']) &&
        seen(['-C', 'lab', 'GROUP', 'VG_WEB', 'STOP', '0']),
      20_000,
      `the STOP notifications (keepalived said: ${output()})`,
    );
    // Every notification went out once.
    const ids = peer.received.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
