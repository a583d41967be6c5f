import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/lab/lab-error.js';
import { labOptionsSchema } from '../../src/lab/lab-options.js';
import { readLabState, updateLabState, writeLabState } from '../../src/lab/lab-state.js';

/**
 * The demo's Lab panel and a test (or two `lab break`/`lab heal` calls) change the lab's record
 * at once. Each change must survive: a lost web-server pid made the next `break` stop nothing.
 */
const dir = mkdtempSync(join(tmpdir(), 'lab-state-'));
const file = join(dir, 'state.json');

beforeAll(() => {
  writeLabState(file, {
    version: 1,
    // The record's own options: any valid ones (this file is not a lab's).
    options: labOptionsSchema.parse({}),
    phase: 'up',
    startedAt: new Date().toISOString(),
    links: [],
    namespaces: [],
    processes: [],
    faults: {},
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A live process standing for another lab command that holds the lock. */
function otherCommand(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}

describe('the lab state record', () => {
  it("waits for another command's lock, then changes the record as that command left it", async () => {
    const other = otherCommand();
    writeFileSync(`${file}.lock`, String(other.pid));
    let done = false;
    const mine = updateLabState(file, (s) => {
      s.faults['web-2'] = 'http-stopped';
    }).then((s) => {
      done = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    // The other command records a restarted web server, then lets go.
    const state = readLabState(file)!;
    state.processes.push({ role: 'web-1 http', pid: 4242, startTime: '7', group: false });
    writeLabState(file, state);
    rmSync(`${file}.lock`);
    other.kill();
    const after = await mine;
    expect(after.faults['web-2']).toBe('http-stopped');
    expect(after.processes.map((p) => p.role)).toEqual(['web-1 http']);
    expect(readLabState(file)!.processes.map((p) => p.role)).toEqual(['web-1 http']);
  });

  it('takes over a lock whose holder died, and leaves no lock behind', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    writeFileSync(`${file}.lock`, String(pid));
    await updateLabState(file, (s) => {
      s.faults.lb1 = 'heartbeat-stopped';
    });
    expect(readLabState(file)!.faults.lb1).toBe('heartbeat-stopped');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('gives up with a retryable LAB_BUSY when the lock stays held, changing nothing', async () => {
    const other = otherCommand();
    writeFileSync(`${file}.lock`, String(other.pid));
    const before = readFileSync(file, 'utf8');
    const error = await updateLabState(
      file,
      (s) => {
        s.phase = 'stopping';
      },
      300,
    ).catch((e) => e);
    other.kill();
    rmSync(`${file}.lock`);
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'LAB_BUSY', retryable: true });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
