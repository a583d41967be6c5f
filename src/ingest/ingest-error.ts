/**
 * A request the ingest refuses, with the HTTP status it answers and the reasons shown to the
 * sender. Final for 400/401/403/413/422 (sending the same body again gives the same answer);
 * retryable for 429, 500 and 503 (429 and 503 carry how long to wait).
 */
export type IngestErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'invalid_json'
  | 'invalid_body'
  | 'unknown_name'
  | 'throttled'
  | 'store_unavailable'
  | 'internal';

const STATUS: Record<IngestErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_media_type: 415,
  body_too_large: 413,
  invalid_json: 400,
  invalid_body: 400,
  unknown_name: 422,
  throttled: 429,
  store_unavailable: 503,
  internal: 500,
};

export class IngestError extends Error {
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly reasons: readonly string[] = [],
    /** For 429 and 503: seconds before trying again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'IngestError';
    this.status = STATUS[code];
    this.retryable = this.status === 429 || this.status >= 500;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      message: this.message,
      ...(this.reasons.length > 0 && { reasons: this.reasons }),
      ...(this.retryAfterSeconds !== undefined && { retryAfter: this.retryAfterSeconds }),
    };
  }
}
