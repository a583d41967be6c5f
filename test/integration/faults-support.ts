import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { ApiCall } from '../../src/localslack/types.js';
import { ensureDist } from '../support/dist.js';
import { freePort } from './ingest-own-redis.js';

/**
 * What the fault tests (faults-*.test.ts) share: a durable Redis of their own that they may
 * stop and start, the installed CLI as real processes, and the questions every fault test
 * asks of the local Slack: what was lost, what was done twice.
 */

/**
 * A redis-server of the test's own with AOF on (appendfsync always, as a deployment that
 * must not lose an acknowledged write runs it), in a temp dir, on a free port. `stop('SIGTERM')`
 * (Redis flushes its AOF and exits) then `startAgain` brings it back on the same dir and port:
 * the data survives.
 */
export class DurableRedis {
  private child: ChildProcess | undefined;
  port = 0;
  dir = '';

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<DurableRedis> {
    const r = new DurableRedis();
    r.dir = await mkdtemp(join(tmpdir(), 'lvs-faults-redis-'));
    r.port = await freePort();
    await r.launch();
    return r;
  }

  private async launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await probe.connect();
        // Loading the AOF answers -LOADING: ready only once PING answers PONG.
        if ((await probe.ping()) === 'PONG') break;
      } catch {
        // not up yet
      }
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not start (dir ${this.dir})`);
      await sleep(50);
    }
    probe.disconnect();
  }

  /** The same server again on the same dir and port, after `stop`. */
  async startAgain(): Promise<void> {
    await this.launch();
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text`; rejects with what the process said. */
  said(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL unless it already exited. */
  kill(): Promise<void>;
  /** `signal`, then waits for the exit (SIGKILL after `graceMs`); resolves to the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

/** `lvs-chatops <args>` from dist/ as a real process (build it first: buildDist in ingest-child.ts). */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  let out = '';
  const child = spawn(process.execPath, ['bin/lvs-chatops.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    async said(text, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`${args[0]} did not say '${text}' (exit ${child.exitCode}); it said:\n${out}`);
        await sleep(100);
      }
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = exited();
      child.kill('SIGKILL');
      await done;
    },
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const done = exited();
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await done;
      clearTimeout(timer);
      return code;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves to what `probe` gave once it is truthy; rejects naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The `{subject, part}` a notification carries in its message metadata. */
export function markerOf(call: ApiCall): { subject: string; part: string } | undefined {
  let metadata = call.args.metadata;
  if (typeof metadata === 'string') metadata = JSON.parse(metadata);
  return (metadata as { event_payload?: { subject: string; part: string } } | undefined)?.event_payload;
}

/** Every chat.postMessage Slack carried out in `channel` (answered ok, or carried out and not answered). */
export function posts(slack: LocalSlack, channel: string): ApiCall[] {
  return slack.calls('chat.postMessage').filter((c) => c.args.channel === channel && c.response.ok === true);
}

/** Keys (subject/part) that were posted more than once in `channel`: what was done twice. */
export function duplicatePosts(slack: LocalSlack, channel: string): string[] {
  const seen = new Map<string, number>();
  for (const c of posts(slack, channel)) {
    const m = markerOf(c);
    const key = m ? `${m.subject}/${m.part}` : `text:${String(c.args.text)}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

/** web-N's address, as the alert bodies name it (monBody's realServerAddress, for N < 190). */
export function webAddress(n: number): string {
  return `10.200.1.${10 + n}`;
}

/**
 * An inventory file for the CLI processes: cluster `lab`, service web (10.200.0.100:80) on
 * web-1..web-N. The directors' SSH goes to `sshd` when given, else to 127.0.0.1:9 (refused):
 * never to the inventory's addresses. `auto` adds policy.auto (remove on down).
 */
export function faultsInventoryYaml(opts: {
  servers: number;
  sshd?: { port: number; clientKeyPath: string; knownHostsLine(): string };
  auto?: boolean;
}): string {
  const ssh = opts.sshd
    ? `{ host: 127.0.0.1, port: ${opts.sshd.port}, key: ${opts.sshd.clientKeyPath}, connectTimeout: 3s, hostKey: "${opts.sshd.knownHostsLine()}" }`
    : '{ host: 127.0.0.1, port: 9, connectTimeout: 1s, hostKey: "SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc" }';
  const servers = Array.from(
    { length: opts.servers },
    (_, k) =>
      `      - { name: web-${k + 1}, address: ${webAddress(k + 1)}, ssh: ${ssh}, services: [{ service: web, weight: 1 }] }`,
  );
  return [
    'version: 1',
    'slack:',
    '  team: T0LAB',
    '  channels: [{ id: C0LVSOPS, name: lvs-ops }, { id: C0ALERTS, name: alerts }]',
    '  users: [{ id: U0OPERATOR, name: operator }, { id: U0APPROVER, name: approver }]',
    'clusters:',
    '  - name: lab',
    '    directors:',
    `      - { name: lb1, address: 10.200.0.1, preferred: true, node: lb1, ssh: ${ssh} }`,
    `      - { name: lb2, address: 10.200.0.2, node: lb2, ssh: ${ssh} }`,
    '    virtualServices:',
    '      - { name: web, vip: 10.200.0.100, port: 80 }',
    '    realServers:',
    ...servers,
    '    slack:',
    '      channel: C0LVSOPS',
    '      operators: { users: [U0OPERATOR, U0APPROVER] }',
    '      approvers: { users: [U0APPROVER] }',
    ...(opts.auto
      ? [
          '    policy:',
          '      auto: [{ service: web, onDown: remove-real-server, onUp: restore-real-server, maxPerServerPerHour: 5 }]',
        ]
      : []),
    '',
  ].join('\n');
}

/** Newest modification time of any file under `dir` (0 when there is none). */
async function _newest(dir: string, ext: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
}

/** dist/ as a build of the tree as it is (test/support/dist.ts). */
export const buildDistIfStale = ensureDist;
