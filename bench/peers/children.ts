import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills `child` when the bench exits, however it exits (a failed or timed-out scenario, a
 * crash), so that no Alertmanager or pipeline process outlives the run.
 */
export function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of alive) c.kill('SIGKILL');
  });
}
