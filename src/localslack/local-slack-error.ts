/** What went wrong when a test or the demo drove the local Slack in a way Slack would not allow. */
export type LocalSlackErrorCode =
  | 'invalid_seed'
  | 'invalid_options'
  | 'unknown_user'
  | 'unknown_channel'
  | 'user_not_in_channel'
  | 'message_not_found'
  | 'action_not_found'
  | 'view_not_found'
  | 'input_required'
  | 'timeout'
  | 'closed';

/**
 * Raised by the local Slack's client API (command, click, submitView, waitFor…), never by its
 * servers: those answer the app with Slack's own errors instead.
 */
export class LocalSlackError extends Error {
  readonly code: LocalSlackErrorCode;

  constructor(code: LocalSlackErrorCode, message: string) {
    super(message);
    this.name = 'LocalSlackError';
    this.code = code;
  }
}
