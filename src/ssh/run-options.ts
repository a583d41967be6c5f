/** Per-command options of `SshExecutor.run`. */
export interface RunOptions {
  /**
   * Longest the command may run once its channel is open (queueing and connecting are not
   * counted; they have their own limits). Then it is killed and the run fails with
   * CommandTimeoutError. Defaults to the executor's `commandTimeoutMs`.
   */
  timeoutMs?: number;
  /** Aborting closes the channel (after SIGKILL to the command) and rejects with AbortedError. */
  signal?: AbortSignal;
  /** Written to the command's stdin, then EOF. Without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** Exit codes that count as success; any other fails with NonZeroExitError. Default `[0]`. */
  okCodes?: readonly number[];
}
