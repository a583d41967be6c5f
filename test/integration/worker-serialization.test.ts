import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPlan, OPERATOR, run, startRig, type WorkerRig } from './worker-support.js';

let rig: WorkerRig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.dispose();
});

describe('table changes of one cluster run one at a time across workers', () => {
  it('never overlaps two changes of the same cluster, even with two workers free', async () => {
    const workers = await Promise.all([
      rig.startWorker({ name: 'worker-a' }),
      rig.startWorker({ name: 'worker-b' }),
    ]);
    // mkdir fails if another job holds the directory: an overlap would fail a job.
    const busy = `${rig.lb1.dir}/change-in-progress`;
    rig.setPlan(() =>
      commandPlan([
        {
          id: 'exclusive',
          actions: [run('lb1', 'mkdir', busy), run('lb1', 'sleep', '0.6'), run('lb1', 'rmdir', busy)],
        },
      ]),
    );
    const jobs = await Promise.all(
      Array.from({ length: 4 }, () => rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR)),
    );
    expect(new Set(jobs.map((j) => j.queue))).toEqual(new Set(['changes.lab']));
    const audits = await Promise.all(jobs.map((j) => rig.producer.waitFor(j.jobId, 60_000)));
    expect(audits.map((a) => a.status)).toEqual(['done', 'done', 'done', 'done']);
    // The intervals (first command start → last command end) never overlap.
    const spans = audits
      .map((a) => {
        const cmds = a.steps[0]!.commands;
        return [cmds[0]!.startedAt, cmds.at(-1)!.startedAt + cmds.at(-1)!.durationMs] as const;
      })
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    // And in the order they were queued.
    expect(audits.map((a) => a.startedAt)).toEqual(
      [...audits.map((a) => a.startedAt)].sort((x, y) => x! - y!),
    );
    // worker-b was free all along and takes the cluster's changes as soon as worker-a is gone.
    await workers[0]!.close();
    const next = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const last = await rig.producer.waitFor(next.jobId, 20_000);
    expect(last.attempts.map((a) => a.worker)).toEqual(['worker-b']);
  });

  it('still runs dry runs while a change of the cluster is in hand', async () => {
    rig.setPlan(() => commandPlan([{ id: 'slow', actions: [run('lb1', 'sleep', '2')] }]));
    const change = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await new Promise((r) => setTimeout(r, 300));
    const dry = await rig.producer.requestPlan({ playbook: 'save-rules' }, OPERATOR);
    const planned = await rig.producer.waitFor(dry.jobId, 10_000);
    expect(planned.status).toBe('planned');
    const changed = await rig.producer.waitFor(change.jobId, 10_000);
    expect(planned.finishedAt!).toBeLessThan(changed.finishedAt!);
  });
});
