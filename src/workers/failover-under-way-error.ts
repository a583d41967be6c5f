/**
 * heartbeat is moving the VIP while a job is about to act or report: nothing is done until
 * it settles; BullMQ tries the job again, and the resumed job checks the director again.
 */
export class FailoverUnderWayError extends Error {
  readonly code = 'FAILOVER_UNDER_WAY';
  readonly retryable = true;
  constructor(message: string) {
    super(`a failover is under way, nothing was done while it lasts: ${message}`);
    this.name = 'FailoverUnderWayError';
  }
}
