import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { LabError } from './lab-error.js';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command as argv (never through a shell) and collects its output. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error && !options.allowFailure) {
          const detail = (stderr || stdout || error.message).trim().split('\n').slice(-5).join('\n');
          reject(new LabError('LAB_COMMAND_FAILED', `${[file, ...args].join(' ')} failed: ${detail}`));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Starts a long-lived process in its own session (process group = its pid), detached from
 * this one so `lab up` can exit and leave it running. Output goes to `logFile`.
 */
export function spawnDetached(file: string, args: readonly string[], logFile: string): number {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new LabError('LAB_COMMAND_FAILED', `could not start ${file}`);
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
