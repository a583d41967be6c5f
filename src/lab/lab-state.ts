import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LabError } from './lab-error.js';
import { labOptionsSchema } from './lab-options.js';

/**
 * The lab's record of what it made, written before each thing is made, so `lab down` can
 * remove everything even after `lab up` or a test crashed half way.
 */
const processSchema = z.object({
  /** What it is: 'lb1', 'web-2 http', 'web-2 sshd'. */
  role: z.string(),
  pid: z.number().int().positive(),
  /** Field 22 of /proc/PID/stat when started: a pid reused by another process is never killed. */
  startTime: z.string(),
  /** The process leads its own group (UML: its helper processes die with the group). */
  group: z.boolean(),
});

export const faultSchema = z.enum(['http-stopped', 'heartbeat-stopped', 'killed']);
export type LabFault = z.infer<typeof faultSchema>;

export const labStateSchema = z.object({
  version: z.literal(1),
  options: labOptionsSchema,
  phase: z.enum(['starting', 'up', 'stopping']),
  startedAt: z.string(),
  links: z.array(z.string()),
  namespaces: z.array(z.string()),
  processes: z.array(processSchema),
  faults: z.record(z.string(), faultSchema),
  /** Seconds `lab up` took, for `lab status` and the bench. */
  upSeconds: z.number().optional(),
});

export type LabState = z.infer<typeof labStateSchema>;
export type LabProcess = z.infer<typeof processSchema>;

export function readLabState(file: string): LabState | undefined {
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LabError(
      'LAB_STATE_INVALID',
      `${file} is not JSON (${(e as Error).message}); run 'lvs-chatops lab down' to clean up by name`,
    );
  }
  const parsed = labStateSchema.safeParse(data);
  if (!parsed.success) {
    throw new LabError(
      'LAB_STATE_INVALID',
      `${file} is not a lab state file (${parsed.error.issues[0]?.message}); run 'lvs-chatops lab down' to clean up by name`,
    );
  }
  return parsed.data;
}

/** Atomic: a crash mid-write leaves the previous record, never half of one. */
export function writeLabState(file: string, state: LabState): void {
  // Per process: two writers must not share a temporary file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Changes the state file under a lock: the record is read again inside the lock, changed and
 * written before the lock is let go. The demo's Lab panel and a test (or two CLI calls) may
 * break and heal hosts at once; without this, the slower writer put back a stale list of
 * processes (a restarted web server's pid lost, so the next `break` stopped nothing).
 */
export async function updateLabState(
  file: string,
  change: (state: LabState) => void,
  timeoutMs = 15_000,
): Promise<LabState> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!lockHolderAlive(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new LabError('LAB_BUSY', `${lock} is held by another lab command; try again`, true);
      }
      await sleep(20);
    }
  }
  try {
    const state = readLabState(file);
    if (!state) throw new LabError('LAB_NOT_UP', `${file} is gone: the lab was taken down meanwhile`);
    change(state);
    writeLabState(file, state);
    return state;
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return true; // being written: its holder is alive
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
