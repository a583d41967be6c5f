/**
 * A Web API method's refusal, answered as Slack does: HTTP 200 with `{ ok: false, error }`,
 * plus any extra fields Slack adds (`response_metadata.messages`, `errors`, `needed`, …).
 */
export class SlackApiError extends Error {
  readonly error: string;
  readonly extra: Record<string, unknown>;

  constructor(error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.name = 'SlackApiError';
    this.error = error;
    this.extra = extra;
  }

  /** `invalid_arguments` with Slack's `[ERROR] …` messages. */
  static invalidArguments(...reasons: string[]): SlackApiError {
    return new SlackApiError('invalid_arguments', {
      response_metadata: { messages: reasons.map((r) => `[ERROR] ${r}`) },
    });
  }
}
