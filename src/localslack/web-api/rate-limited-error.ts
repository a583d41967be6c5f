/** A call refused for its rate: HTTP 429, `Retry-After: seconds`, `{ ok: false, error: 'ratelimited' }`. */
export class RateLimitedError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super(`ratelimited; retry after ${retryAfterSeconds}s`);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
