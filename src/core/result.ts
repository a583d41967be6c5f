/**
 * The outcome of a parser or a check: a value, or a typed error. Parsers return this and
 * never throw, so a caller handles input it did not expect as data, not as a crash.
 */
export type Result<T, E = ParseError> = { ok: true; value: T } | { ok: false; error: E };

export interface ParseError {
  /** A stable string code, e.g. 'IPVSADM_UNKNOWN_LINE'. */
  code: string;
  message: string;
  /** 1-based line of the input where the problem is, when known. */
  line?: number;
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
