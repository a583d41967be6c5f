/**
 * The active director changed in the middle of a job and the job could not go on on the new
 * one (see src/playbooks/failover-continuation.ts); the message names both directors and the
 * state each was left in. Final: asking again makes a plan for the new director.
 */
export class DirectorChangedError extends Error {
  readonly code = 'DIRECTOR_CHANGED';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'DirectorChangedError';
  }
}
