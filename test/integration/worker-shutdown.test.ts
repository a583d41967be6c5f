import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  commandPlan,
  NEVER,
  OPERATOR,
  processesRunning,
  run,
  startRig,
  until,
  type WorkerRig,
} from './worker-support.js';

let rig: WorkerRig;
beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig?.dispose();
});

const audit = async (jobId: string) => (await rig.producer.get(jobId))!.audit;

describe('graceful shutdown of a worker', () => {
  it('hands a waiting job back at once, and another worker resumes the same step', async () => {
    const a = await rig.startWorker({ name: 'worker-a' });
    rig.setPlan(() =>
      commandPlan([
        { id: 'first', actions: [run('lb1', 'mkdir', `${rig.lb1.dir}/first-once`)] },
        { id: 'wait', wait: { check: NEVER, timeoutMs: 120_000, intervalMs: 200, onTimeout: 'never' } },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await until('the wait', async () => (await rig.producer.get(jobId))?.progress?.phase === 'waiting');
    const t0 = Date.now();
    await a.close(60_000);
    // Far sooner than the 60 s grace (the wait would hold it that long): room for a busy machine.
    expect(Date.now() - t0).toBeLessThan(30_000);
    const handed = await audit(jobId);
    expect(handed.status).toBe('queued');
    expect(handed.log.at(-1)?.text).toBe('handed back by worker-a: it is shutting down');
    await rig.startWorker({ name: 'worker-b' });
    await until('worker-b', async () => (await audit(jobId)).attempts.at(-1)?.worker === 'worker-b');
    await until('the wait again', async () => (await rig.producer.get(jobId))?.progress?.phase === 'waiting');
    const resumed = await audit(jobId);
    // The step done before the hand-back is not done again (mkdir would fail a second time).
    expect(resumed.steps[0]).toMatchObject({ state: 'done', acted: true });
    expect(resumed.steps[0]!.commands).toHaveLength(1);
    expect(resumed.log.map((l) => l.text)).toContain('resumed by worker-b (attempt 2)');
    await rig.producer.cancel(jobId, 'U0OPERATOR');
    expect((await rig.producer.waitFor(jobId)).status).toBe('cancelled');
  });

  it('lets the command in hand finish within the grace, then hands the rest to another worker', async () => {
    const a = await rig.startWorker({ name: 'worker-a' });
    rig.setPlan(() =>
      commandPlan([
        { id: 'slow', actions: [run('lb1', 'sleep', '1.5')] },
        { id: 'next', actions: [run('lb1', 'mkdir', `${rig.lb1.dir}/next-once`)] },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await until('the sleep', async () => (await processesRunning('sleep', '1.5')).length > 0);
    await a.close(10_000);
    const handed = await audit(jobId);
    expect(handed.status).toBe('queued');
    expect(handed.steps.map((s) => s.state)).toEqual(['done', 'pending']);
    expect(existsSync(`${rig.lb1.dir}/next-once`)).toBe(false);
    await rig.startWorker({ name: 'worker-b' });
    const done = await rig.producer.waitFor(jobId, 20_000);
    expect(done.status).toBe('done');
    expect(done.attempts.map((x) => x.worker)).toEqual(['worker-a', 'worker-b']);
    expect(done.steps[0]!.commands).toHaveLength(1);
    expect(existsSync(`${rig.lb1.dir}/next-once`)).toBe(true);
  });

  it('aborts a command that outlasts the grace (closing its channel) and hands the job back', async () => {
    const a = await rig.startWorker({ name: 'worker-a' });
    rig.setPlan(() => commandPlan([{ id: 'stuck', actions: [run('lb1', 'sleep', '314')] }]));
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await until('the sleep', async () => (await processesRunning('sleep', '314')).length > 0);
    const t0 = Date.now();
    await a.close(500);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(450);
    // Not the 314 s of the command: the grace, plus room for a busy machine.
    expect(took).toBeLessThan(30_000);
    await until(
      'the remote sleep to end',
      async () => (await processesRunning('sleep', '314')).length === 0,
      5_000,
    );
    const handed = await audit(jobId);
    expect(handed.status).toBe('queued');
    expect(handed.attempts[0]!.error).toBe('handed back: the worker is shutting down');
    // The effect of an aborted command is unknown: the step stays in hand for the next worker to check.
    expect(handed.steps[0]!.state).toBe('running');
    await rig.startWorker({ name: 'worker-b' });
    await until('worker-b runs it', async () => (await processesRunning('sleep', '314')).length > 0);
    await rig.producer.cancel(jobId, 'U0OPERATOR');
    expect((await rig.producer.waitFor(jobId)).status).toBe('cancelled');
  });
});
