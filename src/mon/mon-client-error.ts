export type MonClientErrorCode =
  | 'MON_CONNECTION'
  | 'MON_TIMEOUT'
  | 'MON_AUTH'
  | 'MON_REPLY'
  | 'MON_BAD_ARGUMENT';

/** A failure to talk to mon; `retryable` when mon may answer if asked again later. */
export class MonClientError extends Error {
  constructor(
    readonly code: MonClientErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'MonClientError';
  }
}
