import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDist } from '../support/dist.js';

/**
 * Parts of the alert path run as real child processes from the build (dist/), so a test can
 * kill one with SIGKILL at any moment, as a crash or an OOM kill would.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** dist/ as a build of the tree as it is (test/support/dist.ts). */
export const buildDist = ensureDist;

export function distUrl(path: string): string {
  return pathToFileURL(join(ROOT, 'dist', path)).href;
}

export interface Child {
  process: ChildProcess;
  /** Lines the child printed on stdout. */
  lines: string[];
  stderr: () => string;
  kill(): Promise<void>;
}

/** Runs an ES module given as text; resolves once it prints `ready` (the rest of that line is returned too). */
export async function runModule(
  source: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<Child & { ready: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  let buffer = '';
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child not ready after ${timeoutMs} ms: ${err}`)),
      timeoutMs,
    );
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('ready')) {
          clearTimeout(timer);
          resolve(line.slice('ready'.length).trim());
        }
        nl = buffer.indexOf('\n');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before it was ready: ${err}`));
    });
  });
  return {
    process: child,
    lines,
    ready,
    stderr: () => err,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
