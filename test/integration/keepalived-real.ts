import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NOTIFY_SH } from './slack-alert-helpers.js';

/**
 * Debian's real keepalived running notify.sh, for the tests that need the real thing. It runs
 * in a private, unnamed network namespace (unshare --net) with a veth pair that lives and dies
 * inside it, so no other lab on this machine sees its VRRP traffic or its VIP. The bot's
 * ingest is reached through a unix socket (the file system is shared), which socat turns into
 * 127.0.0.1:8080 inside the namespace. A lone BACKUP with no peer becomes MASTER after three
 * advert intervals: instance VI_WEB (priority 150) in sync group VG_WEB, notify.sh `-C lab`.
 */

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
// Needs root (namespaces, VRRP raw sockets) and the packages; the house machine has both.
export const canRunKeepalived =
  process.getuid?.() === 0 && ['keepalived', 'unshare', 'socat', 'ip', 'hostname'].every(have);

/** The URL notify.sh is configured with, inside keepalived's namespace. */
export const INGEST_URL_IN_NAMESPACE = 'http://127.0.0.1:8080';

export interface RealKeepalived {
  /** keepalived's process id (the namespace's shell execs it). */
  pid: number;
  /** What keepalived and socat wrote, for failure messages. */
  output(): string;
  /** Kills every process of the namespace (one process group: ours only). */
  kill(): void;
}

export async function startRealKeepalived(opts: {
  /** A private directory for keepalived's config and pid files. */
  dir: string;
  /** The unix socket where the ingest (or its stand-in) listens. */
  ingestSocket: string;
  /** notify.sh's config file (LVS_CHATOPS_CONF), naming INGEST_URL_IN_NAMESPACE. */
  notifyConf: string;
  /** The hostname notify.sh reports (`uname -n`), in a UTS namespace of its own; else the machine's. */
  hostname?: string;
}): Promise<RealKeepalived> {
  const { dir } = opts;
  const kconf = join(dir, 'keepalived.conf');
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
    ...(opts.hostname ? [`hostname ${opts.hostname}`] : []),
    'ip link set lo up',
    'ip link add vrrp0 type veth peer name vrrp1',
    'ip link set vrrp1 up',
    'ip link set vrrp0 up',
    'ip addr add 192.0.2.1/24 dev vrrp0',
    `socat TCP-LISTEN:8080,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${opts.ingestSocket} &`,
    'sleep 0.3',
    `exec keepalived -n -l -D --vrrp -f ${kconf} -p ${dir}/k.pid -r ${dir}/v.pid -c ${dir}/c.pid`,
  ].join('\n');
  const namespaces = opts.hostname ? ['--net', '--uts'] : ['--net'];
  // keepalived hands its own environment to its scripts: the config file is named there.
  const child: ChildProcess = spawn('unshare', [...namespaces, '--', 'sh', '-c', setup], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LVS_CHATOPS_CONF: opts.notifyConf },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  if (child.pid === undefined) throw new Error('unshare did not start');
  const pid = child.pid;
  return {
    pid,
    output: () => output,
    kill() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
