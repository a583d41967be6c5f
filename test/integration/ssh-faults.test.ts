import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelOpenError,
  CommandTimeoutError,
  NonZeroExitError,
  SshExecutor,
  type SshTarget,
} from '../../src/ssh/index.js';

/**
 * ssh2's in-process Server, only for what a real sshd cannot be made to do: ignore the kill and
 * never answer, close a channel without an exit status, refuse an exec request on an open
 * channel, or run commands through a shell that is not POSIX. Everything sshd can show is tested
 * against the real one (ssh-executor, ssh-connection).
 */
type Behaviour = (channel: ServerChannel, command: string, events: string[]) => void;

const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
let behaviour: Behaviour = () => {};
const events: string[] = [];
let server: ssh2.Server;
let target: SshTarget;

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (conn: Connection) => {
    conn.on('authentication', (ctx) =>
      ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey']),
    );
    conn.on('ready', () => {
      conn.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, reject, info) => {
          if (info.command.includes('refuse-exec')) {
            events.push('exec refused');
            reject();
            return;
          }
          const channel = accept();
          channel.on('close', () => events.push('channel closed'));
          channel.resume(); // read stdin as a real server does, so the stream can end and close
          behaviour(channel, info.command, events);
        });
      });
    });
    conn.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  target = {
    name: 'fake-host',
    host: '127.0.0.1',
    port,
    user: 'root',
    privateKey: Buffer.from(clientKey.private),
    hostKey: hostKey.public,
  };
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

/** Answers like a POSIX shell would: the PID line, then the command's output and exit status. */
const posix =
  (stdout: string, code: number): Behaviour =>
  (channel) => {
    channel.write(`4242\n${stdout}`);
    channel.exit(code);
    channel.end();
  };

describe('faults a real sshd cannot show', () => {
  it('a command that never answers (no PID, no output, no exit): the timeout fires, the channel is closed, the connection stays usable', async () => {
    const ssh = new SshExecutor();
    try {
      events.length = 0;
      behaviour = () => {};
      const error = await ssh.run(target, ['hang'], { timeoutMs: 300 }).catch((e) => e);
      expect(error).toBeInstanceOf(CommandTimeoutError);
      await expect.poll(() => events).toContain('channel closed');
      behaviour = posix('after\n', 0);
      expect((await ssh.run(target, ['echo', 'after'])).stdout).toBe('after\n');
    } finally {
      await ssh.close();
    }
  });

  it('a channel that closes without an exit status is a failure, not a success', async () => {
    const ssh = new SshExecutor();
    try {
      behaviour = (channel) => {
        channel.write('4242\npartial');
        channel.end();
      };
      const error = await ssh.run(target, ['true']).catch((e) => e);
      expect(error).toBeInstanceOf(NonZeroExitError);
      expect(error.result).toMatchObject({ stdout: 'partial', code: null, signal: null });
      expect(error.message).toMatch(/ended without reporting an exit status/);
    } finally {
      await ssh.close();
    }
  });

  it('an exec request the server keeps refusing fails with ChannelOpenError after a few tries', async () => {
    const ssh = new SshExecutor();
    try {
      events.length = 0;
      const error = await ssh.run(target, ['refuse-exec']).catch((e) => e);
      expect(error).toBeInstanceOf(ChannelOpenError);
      expect(error).toMatchObject({ retryable: true, attempts: 5 });
      expect(events.filter((e) => e === 'exec refused')).toHaveLength(5);
    } finally {
      await ssh.close();
    }
  });

  it('sends the command line as quoted argv, and passes output through whole when the shell prints no PID', async () => {
    const ssh = new SshExecutor();
    try {
      let received = '';
      behaviour = (channel, command) => {
        received = command;
        channel.write('not a pid\nsecond line\n');
        channel.exit(0);
        channel.end();
      };
      const result = await ssh.run(target, ['printf', '%s', "it's $(here)"]);
      expect(received).toBe("echo $$; exec 'printf' '%s' 'it'\\''s $(here)'");
      expect(result.stdout).toBe('not a pid\nsecond line\n');
    } finally {
      await ssh.close();
    }
  });
});
