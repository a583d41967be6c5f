/**
 * A configuration file that cannot be generated from this inventory: a part is missing (no
 * standby director for ha.cf) or an option is unusable. Final: the message says what to add or
 * change, and generating again without that change gives the same answer.
 */
export class GenerateError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: 'INVENTORY_MISSING' | 'UNKNOWN_HOST' | 'UNKNOWN_KIND' | 'BAD_OPTION',
    message: string,
  ) {
    super(message);
    this.name = 'GenerateError';
  }
}
