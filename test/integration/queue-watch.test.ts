import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../src/queues/job-progress.js';
import { JobWatcher } from '../../src/queues/job-watcher.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { commandPlan, NEVER, OPERATOR, run, startRig, until, type WorkerRig } from './worker-support.js';

let rig: WorkerRig;
let watcher: JobWatcher;
const progress: [string, JobProgress][] = [];
const settled: string[] = [];

beforeAll(async () => {
  rig = await startRig();
  await rig.startWorker();
  watcher = await JobWatcher.start({
    connect: () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
    prefix: rig.prefix,
    clusters: ['lab'],
    onProgress: (jobId, p) => progress.push([jobId, p]),
    onSettled: (jobId) => settled.push(jobId),
  });
});
afterAll(async () => {
  await watcher?.close();
  await rig?.dispose();
});

describe('job updates pushed to the bot', () => {
  it('reports each step, each wait round and the end of a job as it happens', async () => {
    rig.setPlan(() =>
      commandPlan([
        { id: 'one', title: 'first step', actions: [run('lb1', 'true')] },
        {
          id: 'wait',
          title: 'waiting step',
          wait: { check: NEVER, timeoutMs: 900, intervalMs: 200, onTimeout: 'gave up.' },
        },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    await until('the end', async () => settled.includes(jobId));
    const mine = progress.filter(([id]) => id === jobId).map(([, p]) => p);
    expect(mine.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['running', 'verifying', 'waiting', 'finished']),
    );
    expect(mine.find((p) => p.phase === 'running')?.step).toMatchObject({
      index: 1,
      total: 2,
      title: 'first step',
    });
    const waits = mine.filter((p) => p.phase === 'waiting');
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(waits.at(-1)!.wait!.elapsedMs).toBeGreaterThan(waits[0]!.wait!.elapsedMs);
    expect(mine.at(-1)).toMatchObject({ phase: 'finished' });
    const audit = (await rig.producer.get(jobId))!.audit;
    expect(audit.status).toBe('timed-out');
    expect(audit.summary).toMatch(/^gave up\. Last seen: \/ is mounted on lb1/);
  });
});
