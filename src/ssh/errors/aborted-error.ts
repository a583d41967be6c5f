import { displayArgv } from '../quote.js';
import { SshError } from './ssh-error.js';

/** The caller's AbortSignal fired; the channel was closed. Final: the caller asked for it. */
export class AbortedError extends SshError {
  readonly code = 'SSH_ABORTED';
  readonly retryable = false;

  constructor(
    target: string,
    readonly argv: readonly string[],
    /** Whether the command had started on the host before the abort. */
    readonly started: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `${displayArgv(argv)} on ${target} was aborted${started ? ' while running' : ' before it started'}.`,
      options,
    );
  }
}
