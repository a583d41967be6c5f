import { SshError } from './ssh-error.js';

/** No SSH session within the connect timeout (TCP connect, handshake and authentication together). */
export class ConnectTimeoutError extends SshError {
  readonly code = 'SSH_CONNECT_TIMEOUT';
  readonly retryable = true;

  constructor(
    target: string,
    readonly address: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `${target} (${address}) did not complete the SSH handshake within ${timeoutMs} ms. The host or its sshd may be overloaded or filtered.`,
      options,
    );
  }
}
