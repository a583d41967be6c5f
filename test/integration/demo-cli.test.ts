import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/config/load-inventory.js';
import { TEST_REDIS_URL } from '../support/redis.js';

// `lvs-chatops demo --no-lab` as a user runs it: the built CLI (`npm run build`), its output,
// the console it serves, and what is left after Ctrl-C (SIGINT): nothing.

const root = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
  }
});

interface Running {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
  waitForLine: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
}

function demo(args: string[], env: Record<string, string>): Running {
  // Its own process group, like a command typed in a terminal: Ctrl-C signals the whole group.
  const child = spawn(process.execPath, ['bin/lvs-chatops.js', 'demo', ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLine = (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (const line of lines) {
          const m = line.match(pattern);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no line matched ${pattern}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, lines, stderr: () => stderr, exited, waitForLine };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/$/;

describe('lvs-chatops demo', () => {
  it('prints the console URL on a line of its own and serves the page and the Web API there', async () => {
    const run = demo(['--no-lab', '--port', '0'], { REDIS_URL: TEST_REDIS_URL });
    const [url, port] = await run.waitForLine(URL_LINE);
    expect(run.lines).toContain(url);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/console/assets/app.js');
    const api = (await (await fetch(`${url}api/auth.test`, { method: 'POST' })).json()) as { error: string };
    expect(api.error).toBe('not_authed');
    // Its workspace is the inventory's (the example's, with --no-lab): approval clicks count there.
    const example = await loadInventory(join(root, 'examples', 'inventory.yml'));
    if (!example.ok) throw new Error('examples/inventory.yml does not load');
    const state = (await (await fetch(`${url}console/api/state?user=U0APPROVER`)).json()) as {
      team: { id: string };
    };
    expect(state.team.id).toBe(example.value.slack.team);
    expect(run.lines.join('\n')).toContain('Try this:');
    expect(run.lines.join('\n')).toContain('/lvs help');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(await listening(Number(port))).toBe(false);
  });

  it('starts its own redis-server when none answers, and Ctrl-C leaves nothing behind', async () => {
    const deadPort = await freePort();
    const run = demo(['--no-lab', '--port', '0'], { REDIS_URL: `redis://127.0.0.1:${deadPort}` });
    const [, , redisPid] = await run.waitForLine(
      /Redis redis:\/\/127\.0\.0\.1:(\d+) \(started for the demo, pid (\d+)\)/,
    );
    const [, redisPort] = (await run.waitForLine(/Redis (redis:\/\/127\.0\.0\.1:(\d+)) \(started/)).slice(1);
    const [, consolePort] = await run.waitForLine(URL_LINE);
    const botLine = await run.waitForLine(/the bot \(HTTP mode\): http:\/\/127\.0\.0\.1:(\d+)\//);
    const ingestLine = await run.waitForLine(/alert ingest on http:\/\/127\.0\.0\.1:(\d+)\//);
    const ports = [Number(consolePort), Number(redisPort), Number(botLine[1]), Number(ingestLine[1])];
    for (const p of ports) expect(await listening(p)).toBe(true);
    expect(alive(Number(redisPid))).toBe(true);
    // Nothing on disk: the started Redis has no snapshots and no AOF.
    const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
    expect(await redis.config('GET', 'save')).toEqual(['save', '']);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    redis.disconnect();

    // Ctrl-C in a terminal: SIGINT to the demo's whole process group.
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.lines.join('\n')).toContain('stopped: nothing the demo started is left running');
    expect(alive(Number(redisPid))).toBe(false);
    for (const p of ports) expect(await listening(p)).toBe(false);
  });

  it('removes its keys from a Redis it did not start', async () => {
    const run = demo(['--no-lab', '--port', '0'], { REDIS_URL: TEST_REDIS_URL });
    const [, prefix] = await run.waitForLine(/keys under (lvs-demo-[0-9a-f]+):/);
    await run.waitForLine(URL_LINE);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const count = async () => (await redis.keys(`${prefix}:*`)).length;
      // The subscription of #lvs-ops, at least.
      expect(await count()).toBeGreaterThan(0);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(await count()).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('cleans up on Ctrl-C when its output was piped to a reader that Ctrl-C stopped first', async () => {
    // `lvs-chatops demo 2>&1 | tee demo.log`, then Ctrl-C: tee dies with the demo's group, and
    // every line the demo writes after that fails (EPIPE).
    const run = demo(['--no-lab', '--port', '0'], { REDIS_URL: TEST_REDIS_URL });
    const [, prefix] = await run.waitForLine(/keys under (lvs-demo-[0-9a-f]+):/);
    const [, consolePort] = await run.waitForLine(URL_LINE);
    const [, botPort] = await run.waitForLine(/the bot \(HTTP mode\): http:\/\/127\.0\.0\.1:(\d+)\//);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const count = async () => (await redis.keys(`${prefix}:*`)).length;
      expect(await count()).toBeGreaterThan(0);
      run.child.stdout!.destroy();
      run.child.stderr!.destroy();
      process.kill(-run.child.pid!, 'SIGINT');
      expect(await run.exited).toBe(0);
      expect(await count()).toBe(0);
      for (const p of [consolePort, botPort]) expect(await listening(Number(p))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });

  it('listens on 127.0.0.1 only: its bot and console do not answer on the other addresses of this machine', async () => {
    const run = demo(['--no-lab', '--port', '0'], { REDIS_URL: TEST_REDIS_URL });
    const [, consolePort] = await run.waitForLine(URL_LINE);
    const [, botPort] = await run.waitForLine(/the bot \(HTTP mode\): http:\/\/127\.0\.0\.1:(\d+)\//);
    // 127.0.0.2 is this machine too (all of 127/8 is loopback), and so is each interface's address.
    const others = [
      '127.0.0.2',
      ...Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address),
    ];
    for (const p of [consolePort, botPort]) {
      expect(await listening(Number(p))).toBe(true);
      for (const host of others)
        expect({ host, port: p, answers: await listening(Number(p), host) }).toEqual({
          host,
          port: p,
          answers: false,
        });
    }
    process.kill(-run.child.pid!, 'SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('says which port is taken and how to pick another', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const run = demo(['--no-lab', '--port', String(port)], { REDIS_URL: TEST_REDIS_URL });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(`port ${port} is in use`);
      expect(run.stderr()).toContain('--port');
    } finally {
      server.close();
    }
  });

  it('refuses an unknown option with the usage (exit 2)', async () => {
    const run = demo(['--bogus'], {});
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain("unknown option '--bogus'");
    expect(run.stderr()).toContain('usage: lvs-chatops demo');
  });
});
