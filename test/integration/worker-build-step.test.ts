import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BuildStepRequest, buildStepSnapshotLines } from '../../src/build/apply-job.js';
import { filesPresentCheck } from '../../src/build/steps/checks.js';
import { makeSnapshot } from '../../src/core/policy/approval-snapshot.js';
import { JobError } from '../../src/queues/job-error.js';
import { OPERATOR, processesRunning, startRig, until, type WorkerRig } from './worker-support.js';

/**
 * The guided build's Apply as a job: the real producer (policy, two-person rule), real workers
 * on the cluster's changes queue, two real sshds as the directors. Inside each sshd's mount
 * namespace its own temp dir is /run/lvs-sshd, so one path is a different file on each host,
 * as on two machines.
 */
const INSIDE = '/run/lvs-sshd';
const PLACEHOLDER = 'made-when-apply-runs';

let rig: WorkerRig;
beforeEach(async () => {
  rig = await startRig({ approvalRequired: ['build-step'] });
});
afterEach(async () => {
  await rig?.dispose();
});

/** A step like the heartbeat one: a file, a secret shared by both directors, a command guarded by the Check. */
function request(command: string[] = ['sh', '-c', `echo ran >> ${INSIDE}/ran`]): BuildStepRequest {
  return {
    playbook: 'build-step',
    cluster: 'lab',
    step: 'heartbeat',
    title: '8-9 heartbeat between the directors',
    actions: [
      {
        kind: 'file',
        host: 'lb1',
        what: `write ${INSIDE}/ha.d/ha.cf (mode 644)`,
        path: `${INSIDE}/ha.d/ha.cf`,
        mode: 0o644,
        text: 'keepalive 1\ndeadtime 10\n',
      },
      {
        kind: 'secret-file',
        hosts: ['lb1', 'lb2'],
        what: 'authkeys with a fresh secret',
        path: `${INSIDE}/ha.d/authkeys`,
        mode: 0o600,
        template: `auth 1\n1 sha1 ${PLACEHOLDER}\n`,
        placeholder: PLACEHOLDER,
      },
      { kind: 'command', host: 'lb1', what: 'start it', argv: command, okCodes: [0] },
    ],
    // The step's Check: what the command makes is there.
    checks: [filesPresentCheck('started', 'it was started', { lb1: [`${INSIDE}/ran`] })],
  };
}

const approval = (r: BuildStepRequest) => ({
  by: 'U0APPROVER',
  at: Date.now(),
  snapshot: makeSnapshot(buildStepSnapshotLines(r)),
});
const read = (path: string) => readFileSync(path, 'utf8');

describe('a guided-build step applied as a job', () => {
  it('needs an approval when the policy says so, then writes the files, makes the secret on the hosts and runs the command', async () => {
    await rig.startWorker();
    const r = request();
    await expect(rig.producer.requestRun(r, OPERATOR)).rejects.toThrow(JobError);
    await expect(rig.producer.requestRun(r, OPERATOR, { ...approval(r), by: OPERATOR.user })).rejects.toThrow(
      /may not approve it too/,
    );

    const { jobId, queue } = await rig.producer.requestRun(r, OPERATOR, approval(r));
    expect(queue).toBe('changes.lab');
    const done = await rig.producer.waitFor(jobId, 60_000);
    expect(done.status, JSON.stringify(done.steps, null, 1)).toBe('done');
    expect(done.approval?.by).toBe('U0APPROVER');
    expect(done.steps.map((s) => [s.title, s.state])).toEqual([
      [`lb1: write ${INSIDE}/ha.d/ha.cf (mode 644)`, 'done'],
      [`lb1: make ${INSIDE}/ha.d/authkeys with a fresh secret (kept if it is there)`, 'done'],
      [`lb2: copy ${INSIDE}/ha.d/authkeys from lb1`, 'done'],
      ['lb1: start it', 'done'],
    ]);

    expect(read(`${rig.lb1.dir}/ha.d/ha.cf`)).toBe('keepalive 1\ndeadtime 10\n');
    expect(statSync(`${rig.lb1.dir}/ha.d/ha.cf`).mode & 0o777).toBe(0o644);
    const authkeys = read(`${rig.lb1.dir}/ha.d/authkeys`);
    const secret = /^auth 1\n1 sha1 ([0-9a-f]{40})\n$/.exec(authkeys)?.[1];
    expect(secret, authkeys).toBeDefined();
    expect(read(`${rig.lb2.dir}/ha.d/authkeys`)).toBe(authkeys);
    for (const dir of [rig.lb1.dir, rig.lb2.dir])
      expect(statSync(`${dir}/ha.d/authkeys`).mode & 0o777).toBe(0o600);
    expect(read(`${rig.lb1.dir}/ran`)).toBe('ran\n');
    // The secret stayed on the hosts: not in the audit record, nor in anything in Redis.
    expect(JSON.stringify(done)).not.toContain(secret);
    const keys = await rig.redis.keys(`${rig.prefix}:*`);
    for (const key of keys) {
      const type = await rig.redis.type(key);
      const dump =
        type === 'string'
          ? await rig.redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await rig.redis.hgetall(key))
            : type === 'list'
              ? JSON.stringify(await rig.redis.lrange(key, 0, -1))
              : '';
      expect(dump ?? '', key).not.toContain(secret);
    }
  });

  it('acts only where something is missing when it runs again: same files, same secret, the command not rerun', async () => {
    await rig.startWorker();
    const r = request();
    const first = await rig.producer.waitFor(
      (await rig.producer.requestRun(r, OPERATOR, approval(r))).jobId,
      60_000,
    );
    expect(first.status).toBe('done');
    const authkeys = read(`${rig.lb1.dir}/ha.d/authkeys`);
    const again = await rig.producer.waitFor(
      (await rig.producer.requestRun(r, OPERATOR, approval(r))).jobId,
      60_000,
    );
    expect(again.status).toBe('already-done');
    expect(again.steps.map((s) => [s.state, s.note])).toEqual(
      again.steps.map(() => ['skipped', 'already done']),
    );
    expect(again.steps.flatMap((s) => s.commands)).toEqual([]);
    expect(read(`${rig.lb1.dir}/ha.d/authkeys`)).toBe(authkeys);
    expect(read(`${rig.lb2.dir}/ha.d/authkeys`)).toBe(authkeys);
    expect(read(`${rig.lb1.dir}/ran`)).toBe('ran\n');

    // An edited file is written back; what is still right is left alone.
    writeFileSync(`${rig.lb1.dir}/ha.d/ha.cf`, 'keepalive 9\n');
    const third = await rig.producer.waitFor(
      (await rig.producer.requestRun(r, OPERATOR, approval(r))).jobId,
      60_000,
    );
    expect(third.status).toBe('done');
    expect(third.steps.map((s) => s.state)).toEqual(['done', 'skipped', 'skipped', 'skipped']);
    expect(read(`${rig.lb1.dir}/ha.d/ha.cf`)).toBe('keepalive 1\ndeadtime 10\n');
    expect(read(`${rig.lb1.dir}/ran`)).toBe('ran\n');
  });

  it('resumed after its worker went away mid-command, does not run that command again once its Check holds', async () => {
    const a = await rig.startWorker({ name: 'worker-a' });
    // The command does its work at once, then takes long: the worker goes away while it runs.
    const r = request(['sh', '-c', `echo ran >> ${INSIDE}/ran; sleep 271`]);
    const { jobId } = await rig.producer.requestRun(r, OPERATOR, approval(r));
    await until(
      'the command in hand',
      async () => (await processesRunning('sleep', '271')).length > 0,
      60_000,
    );
    await a.close(0);
    const handed = (await rig.producer.get(jobId))!.audit;
    expect(handed.status).toBe('queued');
    expect(handed.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'running']);
    await rig.startWorker({ name: 'worker-b' });
    const done = await rig.producer.waitFor(jobId, 60_000);
    expect(done.status).toBe('done');
    expect(done.steps[3]).toMatchObject({
      state: 'skipped',
      note: 'already done (found so when resuming the job)',
    });
    expect(read(`${rig.lb1.dir}/ran`)).toBe('ran\n');
  });

  it('stops before acting when the step is not what the approver saw', async () => {
    await rig.startWorker();
    const r = request();
    const seen = approval({ ...r, actions: r.actions.slice(0, 1) });
    const { jobId } = await rig.producer.requestRun(r, OPERATOR, seen);
    const stopped = await rig.producer.waitFor(jobId, 60_000);
    expect(stopped.status).toBe('table-changed');
    expect(stopped.steps).toEqual([]);
    expect(() => statSync(`${rig.lb1.dir}/ha.d/ha.cf`)).toThrow();
  });
});
