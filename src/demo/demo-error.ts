/** Why the demo could not start, with what to do about it. */
export type DemoErrorCode =
  | 'DEMO_PORT_TAKEN'
  | 'DEMO_REDIS'
  | 'DEMO_LAB_TAKEN'
  | 'DEMO_INVENTORY'
  | 'DEMO_FILES_MISSING'
  | 'DEMO_ABORTED';

export class DemoError extends Error {
  override readonly name = 'DemoError';
  constructor(
    readonly code: DemoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
