/** The target did not answer, or answered 5xx: retried with backoff. */
export class NotifyUnavailableError extends Error {
  readonly code = 'NOTIFY_UNAVAILABLE';
  readonly retryable = true;

  constructor(
    readonly target: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NotifyUnavailableError';
  }
}
