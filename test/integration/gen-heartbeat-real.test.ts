import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type GeneratedFile, generate } from '../../src/build/generate/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { brokenCopy, C0, loadOk } from '../unit/inventory-edit.js';

const run = promisify(execFile);
const HEARTBEAT = '/usr/libexec/heartbeat/heartbeat';

/**
 * Debian's real heartbeat 3.0.6 reads the generated ha.cf, haresources and authkeys, as the
 * preferred director, alone: the standby is declared dead and the generated resource group is
 * taken over. It runs in namespaces of its own (mount, UTS, network, PID): a veth named as the
 * heartbeat interface, the node's name as host name, private /etc/ha.d, /var/lib/heartbeat and
 * /run; ending the PID namespace ends heartbeat and every resource script it started.
 * This machine's kernel has no IPVS, so the ipvsadm-rules resource is seen started, not
 * succeeding; the lab's directors (UML, with IPVS) run the whole group.
 */

const INNER = `set -e
dir=$1 node=$2 address=$3 iface=$4
mount --make-rprivate /
hostname "$node"
ip link set lo up
ip link add "$iface" type veth peer name hbpeer
ip link set hbpeer up
ip addr add "$address/24" dev "$iface"
ip link set "$iface" up
mount --bind "$dir/ha.d" /etc/ha.d
mount --bind "$dir/lib" /var/lib/heartbeat
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/resource-agents /run/heartbeat
chown hacluster:haclient /run/heartbeat
chmod 750 /run/heartbeat
/usr/libexec/heartbeat/heartbeat || { echo "heartbeat exited $?" >"$dir/status"; exit 0; }
i=0
until cl_status hbstatus >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
{ cl_status hbstatus; cl_status listnodes; } >"$dir/status.tmp" 2>&1 || true
mv "$dir/status.tmp" "$dir/status"
exec sleep 600
`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((ok) => c.once('exit', ok));
      c.kill('SIGKILL');
      await gone;
    }
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function cluster(): Cluster {
  // Short timers so the lone director declares its peer dead within seconds.
  return loadOk(
    brokenCopy([[...C0, 'heartbeat', 'keepalive'], '500ms'], [[...C0, 'heartbeat', 'deadtime'], '2s']),
  ).clusters[0]!;
}

function one(kind: string, c: Cluster, options = {}): GeneratedFile {
  const r = generate(kind, c, options);
  if (!r.ok) throw r.error;
  return r.value[0]!;
}

async function startHeartbeat(
  c: Cluster,
  opts: { authkeysMode?: number } = {},
): Promise<{ dir: string; log: () => Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gen-hb-'));
  dirs.push(dir);
  await run('cp', ['-a', '/etc/ha.d', join(dir, 'ha.d')]);
  await run('cp', ['-a', '/var/lib/heartbeat', join(dir, 'lib')]);
  const files = [
    one('ha.cf', c, { haLogDir: dir }),
    one('haresources', c),
    one('authkeys', c, { authSecret: 'test-secret-0123456789' }),
    one('ipvsadm-resource', c),
  ];
  for (const f of files) {
    const target = join(dir, 'ha.d', f.path.replace('/etc/ha.d/', ''));
    const mode = f.kind === 'authkeys' ? (opts.authkeysMode ?? f.mode) : f.mode;
    await writeFile(target, f.text, { mode });
    await chmod(target, mode);
  }
  await writeFile(join(dir, 'inner.sh'), INNER);
  const preferred = c.directors.find((d) => d.preferred)!;
  const child = spawn(
    'unshare',
    [
      ...['--mount', '--uts', '--net', '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL'],
      ...['sh', join(dir, 'inner.sh'), dir, preferred.node, preferred.address, c.heartbeat!.interface],
    ],
    { stdio: 'ignore' },
  );
  children.push(child);
  const log = async () => readFile(join(dir, 'ha-log'), 'utf8').catch(() => '');
  return { dir, log };
}

async function waitFor(
  what: string,
  read: () => Promise<string>,
  pattern: RegExp,
  ms = 30_000,
): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await read();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last seen:\n${text.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!existsSync(HEARTBEAT) || process.getuid?.() !== 0)(
  'gen ha.cf, haresources and authkeys, run by the real heartbeat',
  () => {
    it('validates the configuration, knows both nodes, and takes the generated group over on the preferred director', async () => {
      const c = cluster();
      const hb = await startHeartbeat(c);
      const log = await waitFor(
        'the takeover',
        hb.log,
        /Running \S+ipvsadm-rules \/etc\/ipvsadm\.rules start/,
      );
      expect(log).toContain('Configuration validated. Starting heartbeat');
      expect(log).toMatch(/ucast: started on port 694 interface eth0 to 192\.168\.10\.12/);
      // heartbeat knows nodes by their lower-cased names.
      expect(log).toMatch(/WARN: node lvs-slave: is dead/);
      expect(log).toContain(
        'Acquiring resource group: lvs-master IPaddr::192.168.10.100/32/eth0 ipvsadm-rules::/etc/ipvsadm.rules mon',
      );
      // IPaddr does what the HOWTO did by hand: ifconfig eth0:0 VIP netmask 255.255.255.255.
      expect(log).toContain(
        'ifconfig eth0:0 192.168.10.100 netmask 255.255.255.255 broadcast 192.168.10.100',
      );
      const status = await waitFor(
        'cl_status',
        () => readFile(join(hb.dir, 'status'), 'utf8').catch(() => ''),
        /\n/,
      );
      expect(status).toMatch(/Heartbeat is running on this machine/);
      expect(status.split('\n')).toEqual(expect.arrayContaining(['lvs-master', 'lvs-slave']));
    });

    it('refuses an authkeys file others can read, as the CLI never writes it', async () => {
      const hb = await startHeartbeat(cluster(), { authkeysMode: 0o644 });
      const text = await waitFor(
        "heartbeat's refusal",
        async () => `${await hb.log()}${await readFile(join(hb.dir, 'status'), 'utf8').catch(() => '')}`,
        /Bad permissions on keyfile|heartbeat exited/,
      );
      expect(text).toMatch(/Bad permissions on keyfile \[\/etc\/ha\.d\/\/?authkeys\], 600 recommended/);
    });
  },
);
