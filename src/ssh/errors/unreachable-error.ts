import { SshError } from './ssh-error.js';

/** The TCP connection could not be made or broke before the SSH session was up (refused, no route, reset). */
export class UnreachableError extends SshError {
  readonly code = 'SSH_UNREACHABLE';
  readonly retryable = true;

  constructor(
    target: string,
    readonly address: string,
    /** The socket error code, e.g. ECONNREFUSED, when there was one. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `${target} (${address}) is unreachable: ${reason}. Check that the host is up and sshd listens on that port.`,
      options,
    );
  }
}
