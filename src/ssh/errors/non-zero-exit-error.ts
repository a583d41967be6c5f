import type { CommandResult } from '../command-result.js';
import { displayArgv } from '../quote.js';
import { SshError } from './ssh-error.js';

/**
 * The command ran and exited with a code outside `okCodes`, was killed by a signal, or its
 * channel closed without an exit status (which proves nothing succeeded). Final by default: the
 * same command will most likely fail the same way; the result is kept whole so a caller can map
 * known failures (ipvsadm's messages) to outcomes.
 */
export class NonZeroExitError extends SshError {
  readonly code = 'SSH_NON_ZERO_EXIT';
  readonly retryable = false;

  constructor(
    target: string,
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    const how =
      result.code !== null
        ? `exited with ${result.code}`
        : result.signal !== null
          ? `was killed by ${result.signal}`
          : 'ended without reporting an exit status';
    const firstLine = result.stderr.trim().split('\n')[0] ?? '';
    super(target, `${displayArgv(argv)} on ${target} ${how}${firstLine ? `: ${firstLine}` : ''}`);
  }
}
