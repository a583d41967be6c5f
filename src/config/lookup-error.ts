/**
 * A name or address the inventory does not hold, or holds more than once. Final: asking
 * again gives the same answer; the message says what the inventory does hold.
 */
export class LookupError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: 'NOT_IN_INVENTORY' | 'AMBIGUOUS',
    message: string,
    /** What was asked for, as given. */
    readonly query: string,
    /** The nearest inventory names (not found), or the candidates (ambiguous). */
    readonly suggestions: readonly string[],
  ) {
    super(message);
    this.name = 'LookupError';
  }
}
