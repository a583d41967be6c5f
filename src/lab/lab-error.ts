/**
 * What went wrong with the lab, with what the operator can do about it. `code` is stable;
 * `retryable` says whether running the same command again may work (a busy machine) or the
 * operator must act first (a missing package, a lab already up).
 */
export type LabErrorCode =
  | 'LAB_NOT_ROOT'
  | 'LAB_MISSING_TOOL'
  | 'LAB_BAD_OPTION'
  | 'LAB_ALREADY_UP'
  | 'LAB_NAME_TAKEN'
  | 'LAB_NOT_UP'
  | 'LAB_UNKNOWN_HOST'
  | 'LAB_COMMAND_FAILED'
  | 'LAB_TIMEOUT'
  | 'LAB_STATE_INVALID'
  | 'LAB_BUSY';

export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly code: LabErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}
