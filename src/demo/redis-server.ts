import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { redact } from '../config/redis-url.js';
import { createRedis } from '../redis/create-redis.js';
import { DemoError } from './demo-error.js';
import { freePort } from './free-port.js';

/** The Redis the demo uses: the one at REDIS_URL, or a redis-server it started (and stops). */
export interface DemoRedis {
  url: string;
  /** True when the demo started this redis-server itself. */
  started: boolean;
  pid?: number;
  stop(): Promise<void>;
}

/** Whether a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const redis = createRedis({ REDIS_URL: url }, 'probe', { connectTimeoutMs: timeoutMs });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Uses the Redis at `url` when it answers; otherwise starts `redis-server` from PATH on a free
 * port of 127.0.0.1 that keeps nothing on disk (no RDB snapshots, no AOF).
 */
export async function ensureRedis(url: string, log: (line: string) => void): Promise<DemoRedis> {
  if (await redisAnswers(url)) {
    log(`Redis answers at ${redact(url)}: using it (the demo's keys are removed when it stops)`);
    return { url, started: false, stop: async () => undefined };
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
      '--logfile',
      '',
      '--loglevel',
      'warning',
    ],
    // Its own process group: Ctrl-C in the terminal reaches the demo, which stops the parts
    // that use Redis first and Redis last, never Redis under their feet.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (error) => resolve(error));
  });
  if (spawned) {
    throw new DemoError(
      'DEMO_REDIS',
      (spawned as NodeJS.ErrnoException).code === 'ENOENT'
        ? `no Redis answers at ${redact(url)} and redis-server is not installed: install it (apt-get install redis-server, or scripts/install-deps.sh) or set REDIS_URL`
        : `no Redis answers at ${redact(url)} and redis-server could not start: ${spawned.message}`,
    );
  }
  // A last resort should this process die without stopping it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 2000);
    }
  };
  const started = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(started, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new DemoError(
        'DEMO_REDIS',
        `no Redis answers at ${url}, and the redis-server started on port ${port} did not answer: ${stderr.trim() || 'no output'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`no Redis at ${url}: started redis-server on ${started} (pid ${child.pid}, nothing kept on disk)`);
  return { url: started, started: true, ...(child.pid ? { pid: child.pid } : {}), stop };
}
