import { displayArgv } from '../quote.js';
import { SshError } from './ssh-error.js';

/**
 * The command ran longer than its timeout; the executor sent it SIGKILL and closed the channel.
 *
 * Retryable: a timeout says the host was slow or stuck this time, not that the command is wrong,
 * and every command a playbook sends is idempotent by design (ipvsadm's "already exists"/"no such
 * destination" map to "already done"). The outcome of this run is unknown: the partial output is
 * kept so a caller can log it, and a caller that is not idempotent must check state before retrying.
 */
export class CommandTimeoutError extends SshError {
  readonly code = 'SSH_COMMAND_TIMEOUT';
  readonly retryable = true;

  constructor(
    target: string,
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(target, `${displayArgv(argv)} on ${target} did not finish within ${timeoutMs} ms and was killed.`);
  }
}
