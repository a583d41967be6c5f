import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import type { LabStatus } from '../../src/lab/index.js';

/** What a test suite outside the project would do with `lab status --json`: ssh and curl. */

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A known_hosts file made from the inventory's pinned host keys, not the lab's own. */
export function knownHostsFromInventory(lab: LabStatus): string {
  const inventory = parse(readFileSync(lab.inventory, 'utf8'));
  const cluster = inventory.clusters[0];
  const lines = [...cluster.directors, ...cluster.realServers].map(
    (h: { ssh: { hostKey: string } }) => h.ssh.hostKey,
  );
  // Inside the lab's state directory, so it goes with the lab.
  const file = join(lab.stateDir, 'known-hosts-from-inventory');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `ssh root@HOST COMMAND` with the lab's key, refusing any host key but the pinned one. */
export function ssh(lab: LabStatus, host: string, command: string, timeoutMs = 60_000): Promise<Run> {
  const h = lab.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no host ${host} in the lab`);
  return run(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      h.ssh.key,
      '-p',
      String(h.ssh.port),
      '-o',
      `UserKnownHostsFile=${knownHostsFromInventory(lab)}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      `${h.ssh.user}@${h.address}`,
      command,
    ],
    timeoutMs,
  );
}

/** `curl http://VIP/` from the lab's client namespace: the page, or undefined. */
let nextLocalPort = 20_000 + Math.floor(Math.random() * 20_000);

/**
 * One page through the VIP from the client namespace. Each request comes from a port of its
 * own: the kernel may hand out the same source port again at once (the server closed first),
 * and IPVS then keeps that client on the real server it had, as it should for a connection.
 */
export async function curlVip(lab: LabStatus): Promise<string | undefined> {
  nextLocalPort = nextLocalPort >= 60_000 ? 20_000 : nextLocalPort + 7;
  const r = await run('ip', [
    'netns',
    'exec',
    lab.client.netns,
    'curl',
    '-s',
    '-m',
    '3',
    '--local-port',
    `${nextLocalPort}-${nextLocalPort + 6}`,
    `http://${lab.vip}/`,
  ]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The real servers of `ipvsadm -L -n` under the VIP's service, e.g. ['10.210.2.11:80 Route 1']. */
export function realServersOf(ipvsadmList: string, vip: string, port: number): string[] {
  const lines = ipvsadmList.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`TCP  ${vip}:${port} `));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(l);
    if (!m) break;
    out.push(`${m[1]} ${m[2]} ${m[3]}`);
  }
  return out;
}

export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** Opens `count` TCP connections to the VIP from the client namespace and keeps them open. */
export async function holdConnections(lab: LabStatus, count: number): Promise<ChildProcess> {
  const source = `const net = require('node:net');
const socks = [];
let up = 0;
for (let i = 0; i < ${count}; i++) {
  const s = net.connect(80, ${JSON.stringify(lab.vip)}, () => { if (++up === ${count}) console.log('held'); });
  s.on('error', () => {});
  socks.push(s);
}
setInterval(() => {}, 1000);`;
  const child = spawn('ip', ['netns', 'exec', lab.client.netns, process.execPath, '-e', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`the connection holder exited (${code})`)));
  });
  return child;
}

/** Closes the connections holdConnections opened. */
export async function release(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
