import { SshError } from './ssh-error.js';

/**
 * sshd kept refusing a new session channel (MaxSessions reached, or exec refused). Nothing ran.
 * Retryable: sessions free up as other commands finish.
 */
export class ChannelOpenError extends SshError {
  readonly code = 'SSH_CHANNEL_OPEN_FAILED';
  readonly retryable = true;

  constructor(
    target: string,
    readonly attempts: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      target,
      `${target} refused a session channel ${attempts} time(s): ${detail}. Nothing was run.`,
      options,
    );
  }
}
