import { displayArgv } from '../quote.js';
import { SshError } from './ssh-error.js';

/**
 * The connection dropped (or stopped answering keepalives) while the command was running.
 * Retryable, like a command timeout: the host may be back a moment later, but the command's
 * outcome is unknown, so only idempotent commands should be retried blindly.
 */
export class ConnectionLostError extends SshError {
  readonly code = 'SSH_CONNECTION_LOST';
  readonly retryable = true;

  constructor(
    target: string,
    readonly argv: readonly string[],
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `the connection to ${target} was lost while running ${displayArgv(argv)}: ${detail}.`,
      options,
    );
  }
}
