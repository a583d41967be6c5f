import { readFileSync } from 'node:fs';

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(kb) / 1024;
}

/** Resident set size of a process now, in MB (VmRSS), read the same way for every peer. */
export function rssMb(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** The largest resident set size the process has had, in MB (VmHWM). */
export function peakRssMb(pid: number): number {
  return statusField(pid, 'VmHWM');
}
