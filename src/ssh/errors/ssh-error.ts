/**
 * Every failure of the SSH executor. `code` is stable (logs, job results, tests match on it);
 * `retryable` tells a worker whether running the same command again may succeed, so final
 * errors (a wrong host key, a refused user key) become BullMQ `UnrecoverableError`s.
 */
export abstract class SshError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  /** The inventory name of the target the error concerns. */
  readonly target: string;

  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.target = target;
  }
}

/** True only for SSH errors that say a later attempt may succeed; anything unknown is final. */
export function isRetryable(err: unknown): boolean {
  return err instanceof SshError && err.retryable;
}
