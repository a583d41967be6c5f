import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { commandPlan, run, startRig, until, type WorkerRig } from './worker-support.js';

// An automatic run (policy.auto, the HOWTO's lvs.alert) has nobody watching its message: its
// end must reach the incident it acted for, or a failed removal goes unheard.

let rig: WorkerRig;
beforeAll(async () => {
  rig = await startRig();
  await rig.startWorker();
  await rig.events.ensureGroup('auto-end-test');
});
afterAll(async () => {
  await rig?.dispose();
});

async function notesFor(eventId: string): Promise<LvsEvent[]> {
  const stored = await rig.events.read('auto-end-test', 'reader', 100, 10);
  seen.push(...stored.map((s) => s.event).filter((e): e is LvsEvent => e !== undefined));
  await rig.events.ack(
    'auto-end-test',
    stored.map((s) => s.streamId),
  );
  return seen.filter((e) => e.id.startsWith(`${eventId}:auto-end:`));
}
const seen: LvsEvent[] = [];

describe("an automatic run's end, on its incident", () => {
  it('notes a failed automatic removal on the incident of its mon group and service, with a warning', async () => {
    rig.setPlan(() =>
      commandPlan([{ id: 'boom', actions: [run('lb1', 'sh', '-c', 'echo no ipvsadm >&2; exit 2')] }]),
    );
    const outcome = await rig.producer.requestAuto({
      cluster: 'lab',
      realServer: 'web-2',
      service: 'web',
      status: 'down',
      eventId: 'mon:lab:web-2:http:1',
      group: 'web-2',
      monService: 'http',
    });
    expect(outcome.queued).toBe(true);
    const jobId = (outcome as { jobId: string }).jobId;
    expect((await rig.producer.waitFor(jobId, 20_000)).status).toBe('failed');
    const [note] = await until('the note of the failed run', async () => {
      const n = await notesFor('mon:lab:web-2:http:1');
      return n.length > 0 ? n : undefined;
    });
    expect(note).toMatchObject({
      kind: 'alert',
      status: 'info',
      cluster: 'lab',
      group: 'web-2',
      service: 'http',
      host: 'web-2',
    });
    expect(note!.summary).toContain(`automatic remove-real-server (job ${jobId}) failed`);
    expect(note!.summary).toContain(':warning:');
    expect(note!.summary).toContain(`/lvs job ${jobId}`);
  });

  it('notes a done automatic run too, without a warning; a run someone asked for gets no note', async () => {
    rig.setPlan(() => commandPlan([{ id: 'ok', actions: [run('lb1', 'true')] }]));
    const outcome = await rig.producer.requestAuto({
      cluster: 'lab',
      realServer: 'web-3',
      service: 'web',
      status: 'down',
      eventId: 'mon:lab:web-3:http:1',
      group: 'web-3',
      monService: 'http',
    });
    const jobId = (outcome as { jobId: string }).jobId;
    expect((await rig.producer.waitFor(jobId, 20_000)).status).toBe('done');
    const [note] = await until('the note of the done run', async () => {
      const n = await notesFor('mon:lab:web-3:http:1');
      return n.length > 0 ? n : undefined;
    });
    expect(note!.summary).toMatch(/^automatic remove-real-server \(job j?\S+\) done/);

    const asked = await rig.producer.requestRun(
      { playbook: 'remove-real-server', realServer: 'web-1', service: 'web' },
      { user: 'U0OPERATOR', via: 'slack' },
    );
    expect((await rig.producer.waitFor(asked.jobId, 20_000)).status).toBe('done');
    await notesFor('none');
    expect(seen.filter((e) => e.id.includes(`:auto-end:${asked.jobId}:`))).toEqual([]);
  });
});
