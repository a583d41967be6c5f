import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lvsEventSchema } from '../../src/core/events/event.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { Keys } from '../../src/store/keys.js';
import { commandPlan, OPERATOR, run, startRig, until, type WorkerRig } from './worker-support.js';

let rig: WorkerRig;
let patient: JobProducer;
beforeAll(async () => {
  rig = await startRig();
  await rig.startWorker();
  // Room for a restart of sshd between tries: 0.5 s, 1 s, 2 s, 4 s, 8 s.
  patient = new JobProducer({
    redis: rig.redis,
    inventory: rig.inventory,
    prefix: rig.prefix,
    attempts: 6,
    backoffMs: 500,
  });
});
afterAll(async () => {
  await patient?.close();
  await rig?.dispose();
});

describe('retries only for transient SSH failures', () => {
  it('tries again with backoff while a director is unreachable, and finishes once it is back', async () => {
    rig.setPlan(() => commandPlan([{ id: 'on-lb2', actions: [run('lb2', 'hostname')] }]));
    await rig.lb2.stop();
    const { jobId } = await patient.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const retrying = await until('a retry', async () => {
      const a = (await patient.get(jobId))?.audit;
      return a?.status === 'retrying' ? a : undefined;
    });
    expect(retrying.summary).toContain('will try again');
    expect(retrying.steps[0]!.commands[0]).toMatchObject({ host: 'lb2', outcome: 'error' });
    await rig.lb2.restart();
    const done = await patient.waitFor(jobId, 30_000);
    expect(done.status).toBe('done');
    expect(done.attempts.length).toBeGreaterThanOrEqual(2);
    expect(done.attempts.slice(0, -1).every((a) => a.error !== null)).toBe(true);
    // The retried step ran its command once it could reach lb2: the last record is the success.
    expect(done.steps[0]!.commands.at(-1)).toMatchObject({ outcome: 'ok', exitCode: 0 });
  });

  it('does not retry a refused login (the key is not authorized)', async () => {
    const director = rig.inventory.clusters[0]!.directors[0]!;
    const key = director.ssh.key;
    director.ssh.key = await rig.lb1.unauthorizedKey();
    try {
      rig.setPlan(() => commandPlan([{ id: 'on-lb1', actions: [run('lb1', 'true')] }]));
      const { jobId } = await patient.requestRun({ playbook: 'save-rules' }, OPERATOR);
      const failed = await patient.waitFor(jobId, 30_000);
      expect(failed.status).toBe('failed');
      expect(failed.attempts).toHaveLength(1);
      expect(failed.summary).toMatch(/lb1.*(key|authenticat)/i);
    } finally {
      director.ssh.key = key;
    }
  });

  it('stops at a host-key mismatch without retrying, and raises a security event', async () => {
    await rig.lb2.restart({ newHostKey: true });
    rig.setPlan(() =>
      commandPlan([{ id: 'on-lb2', actions: [run('lb2', 'touch', `${rig.lb2.dir}/should-not-exist`)] }]),
    );
    const { jobId } = await patient.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const failed = await patient.waitFor(jobId, 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toHaveLength(1);
    expect(failed.summary).toContain('presented host key');
    const entries = await rig.redis.xrange(new Keys(rig.prefix).eventStream(), '-', '+');
    const events = entries.map(([, fields]) => lvsEventSchema.parse(JSON.parse(fields[1]!)));
    const security = events.filter((e) => e.kind === 'security');
    expect(security).toHaveLength(1);
    expect(security[0]).toMatchObject({ source: 'security', status: 'down', cluster: 'lab', host: 'lb2' });
    expect(security[0]!.summary).toContain(`Job ${jobId} (save-rules) stopped; nothing was run on lb2`);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${rig.lb2.dir}/should-not-exist`)).toBe(false);
  });
});
