import { SshError } from './ssh-error.js';

/** The argv cannot be sent safely (empty, a NUL byte, broken Unicode, too long). Final: a caller bug. */
export class InvalidArgvError extends SshError {
  readonly code = 'SSH_INVALID_ARGV';
  readonly retryable = false;

  constructor(
    readonly problem: string,
    target = '',
  ) {
    super(target, `cannot run this command${target ? ` on ${target}` : ''}: ${problem}`);
  }
}
