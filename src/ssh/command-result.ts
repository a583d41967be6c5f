/** What a finished remote command gave back. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit code, or null when the command was killed by a signal or sent no exit status. */
  code: number | null;
  /** The signal that killed the command, as Node names it (`SIGTERM`, `SIGKILL`); null when none did. */
  signal: string | null;
  /** From asking for the channel to its close (queueing and connecting not included). */
  durationMs: number;
}
