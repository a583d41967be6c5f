import { readFileSync } from 'node:fs';
import type { ClStatusOutput } from '../../src/core/heartbeat/index.js';

const DIR = new URL('../fixtures/heartbeat/', import.meta.url);

/** A heartbeat fixture: a real ha-log, a seed excerpt (see SOURCES.txt there). */
export function heartbeatFixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

/** A captured `cl_status` run: stdout, stderr and exit code (scripts/capture-fixtures.sh cl-status). */
export function clStatusRun(state: string, name: string): ClStatusOutput {
  const read = (ext: string) => readFileSync(new URL(`cl_status/${state}/${name}.${ext}`, DIR), 'utf8');
  return { stdout: read('out'), stderr: read('err'), exitCode: Number(read('exit').trim()) };
}

export const HA_LOGS = [
  'ha-log-two-directors-lb2.txt',
  'ha-log-lab-hb1.txt',
  'ha-log-lab-hb2.txt',
  'seed-section10-1.txt',
  'seed-section10-2.txt',
  'seed-section10-3.txt',
  'seed-section10-4.txt',
];
