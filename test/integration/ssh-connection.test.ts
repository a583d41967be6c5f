import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  ConnectionLostError,
  ConnectTimeoutError,
  ExecutorClosedError,
  HostKeyMismatchError,
  HostKeyPinError,
  PrivateKeyError,
  SshExecutor,
  UnreachableError,
} from '../../src/ssh/index.js';
import { processEnded, TestSshd } from '../support/sshd.js';

const run = promisify(execFile);

let sshd: TestSshd;
const executors: SshExecutor[] = [];

/** An executor closed after each test. */
function executor(options: ConstructorParameters<typeof SshExecutor>[0] = {}): SshExecutor {
  const ssh = new SshExecutor(options);
  executors.push(ssh);
  return ssh;
}

beforeAll(async () => {
  sshd = await TestSshd.start();
});

afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.close()));
});

afterAll(async () => {
  await sshd?.dispose();
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('host key pinning', () => {
  it('accepts the known_hosts line ssh-keyscan prints, also naming several hosts', async () => {
    const { stdout } = await run('ssh-keyscan', ['-p', String(sshd.port), '-t', 'ed25519', '127.0.0.1']);
    const line = stdout.trim();
    expect(line).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 AAAA/);
    const ssh = executor();
    expect((await ssh.run(sshd.target({ hostKey: line }), ['echo', 'ok'])).stdout).toBe('ok\n');
    const several = `lb1,lb1.example.com,${line}`;
    expect((await ssh.run(sshd.target({ hostKey: several }), ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('accepts the SHA256 fingerprint ssh-keygen -lf prints', async () => {
    const fingerprint = await sshd.fingerprint();
    const result = await executor().run(sshd.target({ hostKey: fingerprint }), ['echo', 'ok']);
    expect(result.stdout).toBe('ok\n');
  });

  it('pins an RSA host key by its ssh-rsa line', async () => {
    const rsa = await TestSshd.start({ hostKeyType: 'rsa' });
    try {
      expect(rsa.knownHostsLine()).toMatch(/ ssh-rsa AAAA/);
      expect((await executor().run(rsa.target(), ['echo', 'ok'])).stdout).toBe('ok\n');
    } finally {
      await rsa.dispose();
    }
  });

  it('refuses a changed host key with HostKeyMismatchError: final, nothing runs, no second try', async () => {
    const changing = await TestSshd.start();
    try {
      const pinned = changing.target();
      const ssh = executor();
      expect((await ssh.run(pinned, ['true'])).code).toBe(0);
      await ssh.close();
      await changing.restart({ newHostKey: true });
      const connectionsBefore = changing.connectionsSeen();
      const loginsBefore = changing.acceptedLogins();
      const marker = join(changing.dir, 'ran');
      const fresh = executor();
      const [first, second] = await Promise.all([
        fresh.run(pinned, ['touch', marker]).catch((e) => e),
        fresh.run(pinned, ['touch', marker]).catch((e) => e),
      ]);
      expect(first).toBeInstanceOf(HostKeyMismatchError);
      expect(second).toBe(first);
      expect(first).toMatchObject({ retryable: false, presented: await changing.fingerprint() });
      expect(first.message).toMatch(/Nothing was run/);
      expect(existsSync(marker)).toBe(false);
      expect(changing.connectionsSeen() - connectionsBefore).toBe(1);
      expect(changing.acceptedLogins() - loginsBefore).toBe(0);
    } finally {
      await changing.dispose();
    }
  });

  it('refuses a host that offers no key of the pinned type', async () => {
    const rsa = await TestSshd.start({ hostKeyType: 'rsa' });
    try {
      const error = await executor()
        .run(rsa.target({ hostKey: sshd.knownHostsLine() }), ['true'])
        .catch((e) => e);
      expect(error).toBeInstanceOf(HostKeyMismatchError);
      expect(error.presented).toMatch(/no ssh-ed25519 host key/);
      expect(rsa.acceptedLogins()).toBe(0);
    } finally {
      await rsa.dispose();
    }
  });

  it('refuses a target without a pin before connecting: never trust on first use', async () => {
    const before = sshd.connectionsSeen();
    for (const hostKey of ['', '   ']) {
      const error = await executor()
        .run(sshd.target({ hostKey }), ['true'])
        .catch((e) => e);
      expect(error).toBeInstanceOf(HostKeyPinError);
      expect(error.retryable).toBe(false);
    }
    expect(sshd.connectionsSeen()).toBe(before);
  });
});

describe('authentication and reachability', () => {
  it('fails a key that is not in authorized_keys with AuthError (final)', async () => {
    const stranger = await sshd.unauthorizedKey();
    const error = await executor()
      .run(sshd.target({ privateKey: stranger }), ['true'])
      .catch((e) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ retryable: false, user: 'root' });
  });

  it('accepts the private key as a Buffer', async () => {
    const key = readFileSync(sshd.clientKeyPath);
    expect((await executor().run(sshd.target({ privateKey: key }), ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  it('fails a missing or public-only key file with PrivateKeyError before connecting', async () => {
    const before = sshd.connectionsSeen();
    const ssh = executor();
    const missing = await ssh
      .run(sshd.target({ privateKey: join(sshd.dir, 'nope') }), ['true'])
      .catch((e) => e);
    expect(missing).toBeInstanceOf(PrivateKeyError);
    expect(missing.message).toMatch(/cannot be read \(ENOENT\)/);
    const pub = await ssh
      .run(sshd.target({ privateKey: `${sshd.clientKeyPath}.pub` }), ['true'])
      .catch((e) => e);
    expect(pub).toBeInstanceOf(PrivateKeyError);
    expect(sshd.connectionsSeen()).toBe(before);
  });

  it('fails a port where nothing listens with UnreachableError (retryable)', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const error = await executor()
      .run(sshd.target({ port }), ['true'])
      .catch((e) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error).toMatchObject({ retryable: true, reason: 'ECONNREFUSED' });
  });

  it('fails with ConnectTimeoutError (retryable) when the server accepts TCP but never speaks', async () => {
    await sshd.pause();
    try {
      const error = await executor({ connectTimeoutMs: 500 })
        .run(sshd.target(), ['true'])
        .catch((e) => e);
      expect(error).toBeInstanceOf(ConnectTimeoutError);
      expect(error).toMatchObject({ retryable: true, timeoutMs: 500 });
    } finally {
      await sshd.resume();
    }
  });
});

describe('connection lifecycle', () => {
  it('reconnects after sshd restarts; the command running at the time fails with ConnectionLostError', async () => {
    const restarting = await TestSshd.start();
    try {
      const ssh = executor();
      expect((await ssh.run(restarting.target(), ['true'])).code).toBe(0);
      const running = ssh.run(restarting.target(), ['sleep', '30']).catch((e) => e);
      await waitFor(() => restarting.sessionsStarted() === 2, 'the sleep to start');
      await restarting.restart();
      const lost = await running;
      expect(lost).toBeInstanceOf(ConnectionLostError);
      expect(lost.retryable).toBe(true);
      expect((await ssh.run(restarting.target(), ['echo', 'back'])).stdout).toBe('back\n');
      expect(restarting.acceptedLogins()).toBe(2);
    } finally {
      await restarting.dispose();
    }
  });

  it('notices a server that stops answering through keepalive, instead of waiting forever', async () => {
    const frozen = await TestSshd.start();
    try {
      const ssh = executor({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
      const running = ssh.run(frozen.target(), ['sleep', '30']).catch((e) => e);
      await waitFor(() => frozen.sessionsStarted() === 1, 'the sleep to start');
      await frozen.pause();
      const error = await running;
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(error.message).toMatch(/Keepalive timeout/);
    } finally {
      await frozen.dispose();
    }
  });

  it('closes a connection left idle, and opens a new one when needed', async () => {
    const idle = await TestSshd.start();
    try {
      const ssh = executor({ idleTimeoutMs: 200 });
      await ssh.run(idle.target(), ['true']);
      await ssh.run(idle.target(), ['true']);
      expect(idle.acceptedLogins()).toBe(1);
      await waitFor(() => /Disconnected from user root/.test(idle.log()), 'sshd to see the disconnect');
      expect((await ssh.run(idle.target(), ['echo', 'again'])).stdout).toBe('again\n');
      expect(idle.acceptedLogins()).toBe(2);
    } finally {
      await idle.dispose();
    }
  });

  it('close() fails running and queued commands with ExecutorClosedError, kills the running ones on the host, and refuses new ones', async () => {
    const ssh = new SshExecutor({ maxChannelsPerConnection: 1 });
    const pidFile = join(sshd.dir, 'close.pid');
    const sleeper = ['sh', '-c', 'echo $$ > "$1"; exec sleep 30', 'sh', pidFile];
    const running = ssh.run(sshd.target(), sleeper).catch((e) => e);
    const queued = ssh.run(sshd.target(), ['true']).catch((e) => e);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'the sleep to start');
    await ssh.close();
    expect(await running).toBeInstanceOf(ExecutorClosedError);
    expect(await queued).toBeInstanceOf(ExecutorClosedError);
    expect(await processEnded(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    await expect(ssh.run(sshd.target(), ['true'])).rejects.toBeInstanceOf(ExecutorClosedError);
  });

  it('logs connects and commands, and never the private key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const key = readFileSync(sshd.clientKeyPath);
    const ssh = executor({ logger });
    await ssh.run(sshd.target({ privateKey: key }), ['echo', 'hi']);
    await ssh.run(sshd.target({ privateKey: key, port: 1 }), ['true']).catch(() => undefined);
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'ssh connected', target: 'test-sshd', component: 'ssh' }),
        expect.objectContaining({ msg: 'ssh command finished', argv: ['echo', 'hi'], code: 0 }),
        expect.objectContaining({ msg: 'ssh connect failed', code: 'SSH_UNREACHABLE' }),
      ]),
    );
    const text = lines.join('');
    const keyBody = key.toString('utf8').split('\n')[1]!;
    expect(keyBody.length).toBeGreaterThan(20);
    expect(text).not.toContain(keyBody);
    expect(text).not.toMatch(/PRIVATE KEY/);
  });
});
