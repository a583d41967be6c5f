/**
 * The channel may not be written to for `waitMs` yet (our own pace, or Slack's Retry-After).
 * Not a failure: the job waits (delayed, without using an attempt) and other channels go on.
 */
export class ChannelBusyError extends Error {
  readonly code = 'CHANNEL_BUSY';
  readonly retryable = true;

  constructor(
    readonly channel: string,
    readonly waitMs: number,
    readonly rateLimited: boolean,
  ) {
    super(
      rateLimited
        ? `Slack rate-limited ${channel}: retry after ${waitMs} ms`
        : `${channel} is paced: next write in ${waitMs} ms`,
    );
    this.name = 'ChannelBusyError';
  }
}
