import { displayArgv } from '../quote.js';
import { SshError } from './ssh-error.js';

/** The executor was closed (shutdown) before or while the command ran. Retryable: the command did not fail, this process stopped; another worker may run it. */
export class ExecutorClosedError extends SshError {
  readonly code = 'SSH_EXECUTOR_CLOSED';
  readonly retryable = true;

  constructor(
    target: string,
    readonly argv: readonly string[],
  ) {
    super(target, `${displayArgv(argv)} on ${target} was not completed: the SSH executor is shutting down.`);
  }
}
