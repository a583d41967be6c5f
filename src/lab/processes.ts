import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabProcess } from './lab-state.js';

/**
 * Processes the lab started. A pid is only trusted with the start time recorded with it, so
 * a pid the kernel gave to someone else since is never signalled. Zombies count as gone:
 * orphans are reaped late by this machine's init.
 */
export function processStartTime(pid: number): string | undefined {
  const fields = statFields(pid);
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

/** What /proc says of a live process: its command, run state and where it waits. */
export function describeProcess(proc: LabProcess): string {
  if (!isAlive(proc)) return `pid ${proc.pid} (gone)`;
  const read = (file: string) => {
    try {
      return readFileSync(`/proc/${proc.pid}/${file}`, 'utf8').trim();
    } catch {
      return '?';
    }
  };
  const state = statFields(proc.pid)?.[0] ?? '?';
  return `pid ${proc.pid} (${read('comm')}, state ${state}, waiting in ${read('wchan') || '-'})`;
}

/** The fields of /proc/PID/stat after the command name, from the state on; undefined when gone. */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function pidAlive(pid: number): boolean {
  return processStartTime(pid) !== undefined;
}

export function isAlive(proc: LabProcess): boolean {
  return processStartTime(proc.pid) === proc.startTime;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {}
}

/** TERM (or the given signal), then KILL after `graceMs`; the whole group when it leads one. */
export async function stopProcess(
  proc: LabProcess,
  graceMs = 1000,
  first: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!isAlive(proc)) {
    if (proc.group) signal(-proc.pid, 'SIGKILL');
    return;
  }
  signal(proc.group ? -proc.pid : proc.pid, first);
  const deadline = Date.now() + graceMs;
  while (isAlive(proc) && Date.now() < deadline) await sleep(25);
  if (proc.group) signal(-proc.pid, 'SIGKILL');
  else if (isAlive(proc)) signal(proc.pid, 'SIGKILL');
  for (let i = 0; i < 40 && isAlive(proc); i++) await sleep(25);
}

export async function waitForExit(proc: LabProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(proc)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}
