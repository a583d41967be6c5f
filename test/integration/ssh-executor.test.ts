import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ChannelOpenError,
  CommandTimeoutError,
  InvalidArgvError,
  MAX_COMMAND_BYTES,
  NonZeroExitError,
  quoteArgv,
  SshExecutor,
} from '../../src/ssh/index.js';
import { processEnded, TestSshd } from '../support/sshd.js';
import { NASTY } from './ssh-nasty-args.js';

let sshd: TestSshd;
let ssh: SshExecutor;

beforeAll(async () => {
  sshd = await TestSshd.start();
  ssh = new SshExecutor();
});

afterAll(async () => {
  await ssh?.close();
  await sshd?.dispose();
});

/** The most commands running at once, from the `+`/`-` lines they appended on the server. */
function maxConcurrent(file: string): number {
  let now = 0;
  let max = 0;
  for (const mark of readFileSync(file, 'utf8').split('\n')) {
    if (mark === '+') max = Math.max(max, ++now);
    if (mark === '-') now--;
  }
  return max;
}

/** A command that records on the server when it starts and ends. */
function tracked(file: string, seconds: number): string[] {
  return ['sh', '-c', `echo + >> "$1"; sleep ${seconds}; echo - >> "$1"`, 'sh', file];
}

/** A command that writes its PID to a file, prints `started` and sleeps; the PID is its process group. */
function sleeper(pidFile: string): string[] {
  return ['sh', '-c', 'echo $$ > "$1"; echo started; exec sleep 30', 'sh', pidFile];
}

describe('running commands on a real sshd', () => {
  it('returns stdout, stderr, the exit code and the duration', async () => {
    const result = await ssh.run(sshd.target(), ['sh', '-c', 'echo out; echo err >&2']);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 0, signal: null });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('fails a non-zero exit with NonZeroExitError carrying the whole result', async () => {
    const error = await ssh
      .run(sshd.target(), ['sh', '-c', 'echo out; echo broken >&2; exit 3'])
      .catch((e) => e);
    expect(error).toBeInstanceOf(NonZeroExitError);
    expect(error).toMatchObject({
      retryable: false,
      result: { stdout: 'out\n', stderr: 'broken\n', code: 3 },
    });
    expect(error.message).toBe(
      'sh -c "echo out; echo broken >&2; exit 3" on test-sshd exited with 3: broken',
    );
  });

  it('accepts the exit codes listed in okCodes', async () => {
    const result = await ssh.run(sshd.target(), ['sh', '-c', 'exit 3'], { okCodes: [0, 3] });
    expect(result.code).toBe(3);
  });

  it('reports a command killed by a signal as failed, with the signal', async () => {
    const error = await ssh.run(sshd.target(), ['sh', '-c', 'kill -TERM $$']).catch((e) => e);
    expect(error).toBeInstanceOf(NonZeroExitError);
    expect(error.result).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('feeds stdin to the command, and without stdin the command sees EOF at once', async () => {
    expect((await ssh.run(sshd.target(), ['cat'], { stdin: 'hello\nworld\n' })).stdout).toBe(
      'hello\nworld\n',
    );
    const big = Buffer.alloc(3 * 1024 * 1024, 0xa5);
    expect((await ssh.run(sshd.target(), ['wc', '-c'], { stdin: big })).stdout.trim()).toBe(
      String(big.length),
    );
    expect((await ssh.run(sshd.target(), ['cat'])).stdout).toBe('');
  });

  it('returns large output whole', async () => {
    const result = await ssh.run(sshd.target(), ['sh', '-c', "head -c 5000000 /dev/zero | tr '\\0' a"]);
    expect(result.stdout.length).toBe(5_000_000);
  });

  it('runs a program that does not exist as a failure, not as something else', async () => {
    const error = await ssh.run(sshd.target(), ['no-such-program-lvs', '--help']).catch((e) => e);
    expect(error).toBeInstanceOf(NonZeroExitError);
    expect(error.result.code).toBe(127);
  });
});

describe('arguments with shell metacharacters', () => {
  it('reach the remote program as exactly the arguments given, and run nothing else', async () => {
    const marker = join(sshd.dir, 'pwned');
    const attacks = [
      `; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `' ; touch ${marker} ; '`,
    ];
    const args = [...NASTY, ...attacks];
    const result = await ssh.run(sshd.target(), ['printf', '%s\\0', ...args]);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(args);
    expect(existsSync(marker)).toBe(false);
  });

  it('reach the remote printf unchanged for random Unicode text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        async (args) => {
          const clean = args.map((a) => a.replaceAll('\0', ''));
          for (const arg of clean) {
            expect((await ssh.run(sshd.target(), ['printf', '%s\\n', arg])).stdout).toBe(`${arg}\n`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('run the longest command line allowed, and refuse a longer one before sending anything', async () => {
    const fits = 'x'.repeat(MAX_COMMAND_BYTES - quoteArgv(['printf', '%s', '']).length);
    expect((await ssh.run(sshd.target(), ['printf', '%s', fits])).stdout).toBe(fits);
    const before = sshd.sessionsStarted();
    const error = await ssh.run(sshd.target(), ['printf', '%s', `${fits}x`]).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidArgvError);
    expect(error.target).toBe('test-sshd');
    expect(sshd.sessionsStarted()).toBe(before);
  });

  it('refuse a NUL byte before sending anything', async () => {
    const before = sshd.sessionsStarted();
    await expect(ssh.run(sshd.target(), ['printf', 'a\0b'])).rejects.toBeInstanceOf(InvalidArgvError);
    expect(sshd.sessionsStarted()).toBe(before);
  });
});

describe('timeouts and aborts', () => {
  it('kills a command that outlives its timeout, on the host, and keeps its partial output', async () => {
    const pidFile = join(sshd.dir, 'timeout.pid');
    const error = await ssh.run(sshd.target(), sleeper(pidFile), { timeoutMs: 500 }).catch((e) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error).toMatchObject({ retryable: true, timeoutMs: 500, stdout: 'started\n' });
    expect(await processEnded(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    expect((await ssh.run(sshd.target(), ['echo', 'still usable'])).stdout).toBe('still usable\n');
  });

  it('aborting a running command rejects with AbortedError and kills it on the host', async () => {
    const pidFile = join(sshd.dir, 'abort.pid');
    const controller = new AbortController();
    const running = ssh.run(sshd.target(), sleeper(pidFile), { signal: controller.signal });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '')
      await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('operator cancelled'));
    const error = await running.catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error).toMatchObject({ started: true, retryable: false });
    expect(await processEnded(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('an already aborted signal fails at once, without opening a channel', async () => {
    const before = sshd.sessionsStarted();
    const error = await ssh.run(sshd.target(), ['true'], { signal: AbortSignal.abort() }).catch((e) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.started).toBe(false);
    expect(sshd.sessionsStarted()).toBe(before);
  });

  it('aborting a queued command takes it out of the queue; it never runs', async () => {
    const one = new SshExecutor({ maxChannelsPerConnection: 1 });
    try {
      const marker = join(sshd.dir, 'queued-ran');
      const first = one.run(sshd.target(), ['sleep', '0.5']);
      const controller = new AbortController();
      const second = one.run(sshd.target(), ['touch', marker], { signal: controller.signal }).catch((e) => e);
      controller.abort();
      const error = await second;
      expect(error).toBeInstanceOf(AbortedError);
      expect(error.started).toBe(false);
      await first;
      expect(existsSync(marker)).toBe(false);
    } finally {
      await one.close();
    }
  });
});

describe('one pooled connection', () => {
  it('runs 20 parallel commands over one connection, at most 8 at once (counted on the server)', async () => {
    const pool = new SshExecutor();
    try {
      const log = join(sshd.dir, 'parallel.log');
      const loginsBefore = sshd.acceptedLogins();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => pool.run(sshd.target(), tracked(log, 0.3))),
      );
      expect(results.every((r) => r.code === 0)).toBe(true);
      expect(maxConcurrent(log)).toBe(8);
      expect(sshd.acceptedLogins() - loginsBefore).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('when sshd allows fewer sessions (MaxSessions 3), refused channels wait and every command completes', async () => {
    const strict = await TestSshd.start({ maxSessions: 3 });
    const logged: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
    const pool = new SshExecutor({ logger });
    try {
      const log = join(strict.dir, 'parallel.log');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => pool.run(strict.target(), tracked(log, 0.2))),
      );
      expect(results.every((r) => r.code === 0)).toBe(true);
      expect(maxConcurrent(log)).toBe(3);
      expect(strict.acceptedLogins()).toBe(1);
      const refusals = logged
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'sshd refused a channel; fewer at once');
      expect(refusals).toMatchObject([{ limit: 3, was: 8, err: '(SSH) Channel open failure: open failed' }]);
    } finally {
      await pool.close();
      await strict.dispose();
    }
  });

  it('fails with ChannelOpenError (retryable) when sshd refuses every session (MaxSessions 0)', async () => {
    const closed = await TestSshd.start({ maxSessions: 0 });
    const pool = new SshExecutor();
    try {
      const error = await pool.run(closed.target(), ['true']).catch((e) => e);
      expect(error).toBeInstanceOf(ChannelOpenError);
      expect(error).toMatchObject({ retryable: true, attempts: 5 });
      expect(closed.sessionsStarted()).toBe(0);
    } finally {
      await pool.close();
      await closed.dispose();
    }
  });
});
