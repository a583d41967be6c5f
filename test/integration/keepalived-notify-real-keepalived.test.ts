import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeepalivedNotify, keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { IngestPeer, NOTIFY_SH, saveFixture, TOKEN, tempDir, waitFor } from './slack-alert-helpers.js';

/**
 * Debian's real keepalived runs notify.sh. It runs in a private, unnamed network namespace
 * (unshare --net) with a veth pair that lives and dies inside it, so no other lab on this
 * machine sees its VRRP traffic or its VIP. The bot's ingest is reached through a unix socket
 * (the file system is shared), which socat turns into 127.0.0.1:8080 inside the namespace.
 * A lone BACKUP with no peer becomes MASTER after three advert intervals.
 */

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
// Needs root (namespaces, VRRP raw sockets) and the packages; the house machine has both.
const canRun = process.getuid?.() === 0 && ['keepalived', 'unshare', 'socat', 'ip'].every(have);

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };
let keepalived: ChildProcess | undefined;
let output = '';

const events = (): KeepalivedNotify[] => peer.accepted.map((b) => keepalivedNotifySchema.parse(b));
const seen = (argv: string[]) => events().some((e) => e.argv.join(' ') === argv.join(' '));

function stopGroup(child: ChildProcess | undefined): void {
  // The namespace's processes form one process group (detached): ours only.
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe.skipIf(!canRun)('notify.sh run by the real keepalived (Debian package keepalived)', () => {
  beforeAll(async () => {
    dir = await tempDir('keepalived-real');
    await peer.start();
    const sock = join(dir.path, 'ingest.sock');
    await peer.listenUnix(sock);
    const conf = join(dir.path, 'alert.conf');
    await writeFile(
      conf,
      [
        'LVS_CHATOPS_URL=http://127.0.0.1:8080',
        `LVS_CHATOPS_TOKEN=${TOKEN}`,
        `LVS_CHATOPS_KEEPALIVED_SPOOL=${join(dir.path, 'spool')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const kconf = join(dir.path, 'keepalived.conf');
    await writeFile(
      kconf,
      `global_defs {
    router_id lvs-chatops-test
    script_user root
}
vrrp_sync_group VG_WEB {
    group {
        VI_WEB
    }
    notify "${NOTIFY_SH} -C lab"
}
vrrp_instance VI_WEB {
    state BACKUP
    interface vrrp0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/32
    }
    notify "${NOTIFY_SH} -C lab"
}
`,
    );
    const setup = [
      'set -e',
      'ip link set lo up',
      'ip link add vrrp0 type veth peer name vrrp1',
      'ip link set vrrp1 up',
      'ip link set vrrp0 up',
      'ip addr add 192.0.2.1/24 dev vrrp0',
      `socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${sock} &`,
      'sleep 0.3',
      `exec keepalived -n -l -D --vrrp -f ${kconf} -p ${dir.path}/k.pid -r ${dir.path}/v.pid -c ${dir.path}/c.pid`,
    ].join('\n');
    // keepalived hands its own environment to its scripts: the config file is named there.
    keepalived = spawn('unshare', ['--net', '--', 'sh', '-c', setup], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LVS_CHATOPS_CONF: conf },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    keepalived.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    keepalived.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
  });

  afterAll(async () => {
    stopGroup(keepalived);
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
      `keepalived's four notifications (keepalived said: ${output})`,
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
      `the STOP notifications (keepalived said: ${output})`,
    );
    // Every notification went out once.
    const ids = peer.received.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
