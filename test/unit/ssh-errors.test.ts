import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  AuthError,
  ChannelOpenError,
  CommandTimeoutError,
  ConnectionLostError,
  ConnectTimeoutError,
  ExecutorClosedError,
  HandshakeError,
  HostKeyMismatchError,
  HostKeyPinError,
  InvalidArgvError,
  isRetryable,
  NonZeroExitError,
  PrivateKeyError,
  type SshError,
  UnreachableError,
} from '../../src/ssh/index.js';

const result = { stdout: '', stderr: 'Memory allocation problem\n', code: 2, signal: null, durationMs: 3 };

describe('SSH errors', () => {
  it('tell a worker which failures a retry may fix and which are final', () => {
    const table: [SshError, string, boolean][] = [
      [new UnreachableError('lb1', '10.0.0.1:22', 'ECONNREFUSED'), 'SSH_UNREACHABLE', true],
      [new ConnectTimeoutError('lb1', '10.0.0.1:22', 10_000), 'SSH_CONNECT_TIMEOUT', true],
      [new CommandTimeoutError('lb1', ['ipvsadm', '-L', '-n'], 5_000, '', ''), 'SSH_COMMAND_TIMEOUT', true],
      [new ConnectionLostError('lb1', ['true'], 'Keepalive timeout'), 'SSH_CONNECTION_LOST', true],
      [new ChannelOpenError('lb1', 5, 'open failed'), 'SSH_CHANNEL_OPEN_FAILED', true],
      [new ExecutorClosedError('lb1', ['true']), 'SSH_EXECUTOR_CLOSED', true],
      [new AuthError('lb1', 'root'), 'SSH_AUTH_FAILED', false],
      [
        new HostKeyMismatchError('lb1', '10.0.0.1:22', 'SHA256:new', ['SHA256:old']),
        'SSH_HOST_KEY_MISMATCH',
        false,
      ],
      [new HostKeyPinError('lb1', 'no host key is pinned'), 'SSH_HOST_KEY_PIN_INVALID', false],
      [new HandshakeError('lb1', '10.0.0.1:22', 'no matching cipher'), 'SSH_HANDSHAKE_FAILED', false],
      [new PrivateKeyError('lb1', 'file /nope cannot be read (ENOENT)'), 'SSH_PRIVATE_KEY_INVALID', false],
      [new NonZeroExitError('lb1', ['ipvsadm', '-a'], result), 'SSH_NON_ZERO_EXIT', false],
      [new AbortedError('lb1', ['true'], true), 'SSH_ABORTED', false],
      [new InvalidArgvError('argv is empty', 'lb1'), 'SSH_INVALID_ARGV', false],
    ];
    for (const [error, code, retryable] of table) {
      expect({
        name: error.name,
        code: error.code,
        retryable: error.retryable,
        isRetryable: isRetryable(error),
      }).toEqual({
        name: error.constructor.name,
        code,
        retryable,
        isRetryable: retryable,
      });
      expect(error.target).toBe('lb1');
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('treat anything that is not an SSH error as final', () => {
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable('ECONNREFUSED')).toBe(false);
  });

  it('say what happened and what to do', () => {
    expect(new NonZeroExitError('lb1', ['ipvsadm', '-a', '-t', '10.0.0.1:80'], result).message).toBe(
      'ipvsadm -a -t 10.0.0.1:80 on lb1 exited with 2: Memory allocation problem',
    );
    expect(
      new NonZeroExitError('lb1', ['true'], { ...result, code: null, signal: 'SIGKILL' }).message,
    ).toMatch(/was killed by SIGKILL/);
    expect(
      new NonZeroExitError('lb1', ['true'], { ...result, code: null, signal: null, stderr: '' }).message,
    ).toBe('true on lb1 ended without reporting an exit status');
    expect(new HostKeyMismatchError('lb1', '10.0.0.1:22', 'SHA256:new', ['SHA256:old']).message).toMatch(
      /presented host key SHA256:new, but the inventory pins SHA256:old\. Nothing was run\. .*update hostKey/,
    );
    expect(new AuthError('lb1', 'root').message).toMatch(/authorized_keys/);
  });
});
