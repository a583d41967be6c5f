import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { killOnExit } from './children.js';

/** The repository root, found from this file whether it runs from bench/ or dist/bench/. */
export function repoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bin', 'lvs-chatops.js'))) return dir;
    dir = join(dir, '..');
  }
  throw new Error(`bin/lvs-chatops.js not found above ${fileURLToPath(import.meta.url)}`);
}

/**
 * Whether `lvs-chatops NAME` does its job in this build, or only says "not built yet"
 * (the CLI's placeholder for commands other issues still owe). Answers the reason when not.
 */
export function cliCommandMissing(name: string): string | undefined {
  const root = repoRoot();
  const bin = join(root, 'bin', 'lvs-chatops.js');
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) return 'the CLI is not built (npm run build)';
  // The placeholder exits at once. A real command gets an environment it cannot harm anything
  // with (no inventory, a Redis port nobody listens on) and is stopped after a few seconds.
  const res = spawnSync(process.execPath, [bin, name], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LVS_INVENTORY: '/nonexistent/lvs-bench-probe.yml',
      REDIS_URL: 'redis://127.0.0.1:1',
      LOG_LEVEL: 'silent',
    },
    encoding: 'utf8',
    timeout: 5000,
  });
  const said = `${res.stdout}${res.stderr}`;
  if (/not built yet/.test(said)) return `\`lvs-chatops ${name}\` is not built yet`;
  if (/unknown command/.test(said)) return `\`lvs-chatops ${name}\` does not exist`;
  return undefined;
}

export interface CliProcess {
  pid: number;
  /** The last few KB the process printed. */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts `node bin/lvs-chatops.js ...args` with exactly `env` (plus PATH); `onLine`, when
 * given, sees every whole line it prints (stdout and stderr).
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  onLine?: (line: string) => void,
): CliProcess {
  const root = repoRoot();
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'lvs-chatops.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const partial = { stdout: '', stderr: '' };
  const keep = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
    if (!onLine) return;
    const lines = (partial[stream] + d.toString()).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  child.stdout?.on('data', keep('stdout'));
  child.stderr?.on('data', keep('stderr'));
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!,
    output: () => out,
    alive,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Waits until `lvs-chatops bot` answers 200 on `${base}/healthz`; fails if it exits or `timeoutMs` passes. */
export async function waitForHealthz(bot: CliProcess, base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!bot.alive()) throw new Error(`lvs-chatops bot exited:\n${bot.output()}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    if (Date.now() > deadline)
      throw new Error(`lvs-chatops bot: no 200 from /healthz in ${timeoutMs / 1000} s:\n${bot.output()}`);
    await sleep(250);
  }
}
