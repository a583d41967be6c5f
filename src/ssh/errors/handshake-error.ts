import { SshError } from './ssh-error.js';

/** Key exchange failed for a reason other than the host key (no common algorithm, protocol error). Final. */
export class HandshakeError extends SshError {
  readonly code = 'SSH_HANDSHAKE_FAILED';
  readonly retryable = false;

  constructor(
    target: string,
    readonly address: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(target, `SSH handshake with ${target} (${address}) failed: ${detail}.`, options);
  }
}
