import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix } from '../../src/queues/queue-names.js';
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
beforeAll(async () => {
  rig = await startRig();
  await rig.startWorker();
});
afterAll(async () => {
  await rig?.dispose();
});

describe('/lvs cancel', () => {
  it('aborts a hung command: the SSH channel is closed and the remote process is gone', async () => {
    rig.setPlan(() =>
      commandPlan([
        { id: 'hangs', actions: [run('lb1', 'sleep', '313')] },
        { id: 'after', actions: [run('lb1', 'mkdir', `${rig.lb1.dir}/after-cancel`)] },
      ]),
    );
    const { jobId, queue } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await until('the remote sleep', async () => (await processesRunning('sleep', '313')).length > 0);
    const outcome = await rig.producer.cancel(jobId, 'U0APPROVER');
    expect(outcome.accepted).toBe(true);
    expect(outcome.message).toContain('its worker was asked to stop');
    const audit = await rig.producer.waitFor(jobId, 10_000);
    expect(audit.status).toBe('cancelled');
    expect(audit.cancel?.by).toBe('U0APPROVER');
    expect(audit.summary).toBe('cancelled by U0APPROVER before it changed anything');
    expect(audit.steps[0]!.commands[0]).toMatchObject({ outcome: 'error' });
    expect(audit.steps[0]!.commands[0]!.note).toContain('was aborted while running');
    expect(audit.steps[1]!.state).toBe('pending');
    await until(
      'the remote sleep to end',
      async () => (await processesRunning('sleep', '313')).length === 0,
      5_000,
    );
    const q = new Queue(queue, { connection: rig.redis, prefix: bullPrefix(rig.prefix) });
    expect(await q.getJobState(jobId)).toBe('failed');
    expect((await q.getJob(jobId))?.attemptsMade).toBe(1);
    await q.close();
  });

  it('stops a job that is waiting (a drain counting connections) at once', async () => {
    rig.setPlan(() =>
      commandPlan([
        { id: 'wait', wait: { check: NEVER, timeoutMs: 120_000, intervalMs: 300, onTimeout: 'never' } },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const view = await until('the wait', async () => {
      const v = await rig.producer.get(jobId);
      return v?.progress?.phase === 'waiting' ? v : undefined;
    });
    expect(view.progress?.wait?.detail).toContain('/ is mounted on lb1');
    const started = Date.now();
    await rig.producer.cancel(jobId, 'U0OPERATOR');
    const audit = await rig.producer.waitFor(jobId, 10_000);
    expect(audit.status).toBe('cancelled');
    // Not the wait's 120 s: at once, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('changes nothing for a job that already finished', async () => {
    rig.setPlan(() => commandPlan([{ id: 'quick', actions: [run('lb1', 'true')] }]));
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await rig.producer.waitFor(jobId, 10_000);
    expect(await rig.producer.cancel(jobId, 'U0OPERATOR')).toEqual({
      accepted: false,
      status: 'done',
      message: `${jobId} has already finished (done)`,
    });
  });
});
