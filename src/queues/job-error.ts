/**
 * A job that may not be queued: bad data, a name the inventory does not hold, a missing
 * approval. Final (asking again the same way gives the same answer); the message says what to
 * do, and `problems` lists every reason, one line each.
 */
export type JobErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_IN_INVENTORY'
  | 'NO_MOUNT_COMMANDS'
  | 'APPROVAL_REQUIRED'
  | 'TWO_PERSON_RULE'
  | 'NOT_AUTOMATIC'
  | 'NOTHING_TO_UNDRAIN'
  | 'NO_SUCH_JOB';

export class JobError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: JobErrorCode,
    readonly problems: readonly string[],
  ) {
    super(problems.length === 1 ? problems[0]! : problems.map((p) => `- ${p}`).join('\n'));
    this.name = 'JobError';
  }
}
