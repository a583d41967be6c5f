import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Newest mtime of the files under `dir` ending in `ext` (0 when there are none). */
async function newest(dir: string, ext: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    latest = Math.max(latest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return latest;
}

async function isCurrent(): Promise<boolean> {
  const built = await newest(join(ROOT, 'dist'), '.js');
  if (built === 0) return false;
  const source = Math.max(await newest(join(ROOT, 'src'), '.ts'), await newest(join(ROOT, 'bench'), '.ts'));
  return built > source;
}

/**
 * Makes sure dist/ is a build of the tree as it is, for the tests that run the CLI or a
 * module from dist/ as a real process. `npm test` builds first, so in a suite run this only
 * looks: a rebuild per file cost minutes of tsc on two cores, and while one test file rebuilt
 * dist/ (tsc rewrites every file) a process another file started at that moment could read a
 * half-written module. When a build is due (a developer ran one file after an edit) one
 * build runs under a lock, and whoever waited on it finds dist/ current.
 * tsc emits even while other parts of the tree have type errors; the check is that it emitted.
 */
export async function ensureDist(): Promise<void> {
  if (await isCurrent()) return;
  const lock = join(ROOT, '.dist-build.lock');
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than a build can take was left by a killed run.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await rmdir(lock).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`${lock} is held for too long; remove it if no build runs`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (await isCurrent()) return;
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: ROOT },
    ).catch(() => undefined);
    if (!existsSync(join(ROOT, 'dist/src/cli/main.js')))
      throw new Error('the build did not produce dist/src/cli');
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}
