/**
 * The target refused the notification for a reason retrying will not fix (Slack's
 * `channel_not_found`, `not_in_channel`, `invalid_blocks`; a webhook's 4xx). Final.
 */
export class NotifyRefusedError extends Error {
  readonly code = 'NOTIFY_REFUSED';
  readonly retryable = false;

  constructor(
    readonly target: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'NotifyRefusedError';
  }
}
