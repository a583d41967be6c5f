import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPlan, OPERATOR, run, startRig, type WorkerRig } from './worker-support.js';

let rig: WorkerRig;
beforeAll(async () => {
  rig = await startRig();
  await rig.startWorker();
});
afterAll(async () => {
  await rig?.dispose();
});

describe('audit record of a job (real sshd, real Redis)', () => {
  it('keeps who asked, the plan, each command with its output, exit code and timing, and the result', async () => {
    rig.setPlan(() =>
      commandPlan([
        {
          id: 'hello',
          title: 'say hello on lb1',
          actions: [run('lb1', 'sh', '-c', 'echo hello; echo oops >&2')],
        },
        { id: 'where', title: 'name lb2', actions: [run('lb2', 'printf', '%s', 'lb2 here')] },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const audit = await rig.producer.waitFor(jobId, 20_000);
    expect(audit.status).toBe('done');
    expect(audit.summary).toBe('done: test plan (on lb1)');
    expect(audit.requestedBy).toEqual(OPERATOR);
    expect(audit.plan?.text).toContain('run: sh -c');
    expect(audit.attempts).toHaveLength(1);
    const [hello, where] = audit.steps;
    expect(hello).toMatchObject({ id: 'hello', state: 'done', acted: true });
    expect(hello!.commands[0]).toMatchObject({
      host: 'lb1',
      argv: ['sh', '-c', 'echo hello; echo oops >&2'],
      exitCode: 0,
      outcome: 'ok',
      stdout: 'hello\n',
      stderr: 'oops\n',
    });
    expect(hello!.commands[0]!.durationMs).toBeGreaterThan(0);
    expect(where!.commands[0]).toMatchObject({ host: 'lb2', stdout: 'lb2 here' });
    expect(audit.log.map((l) => l.text)).toEqual([
      'run queued by U0OPERATOR (slack)',
      expect.stringMatching(/^started by .* \(attempt 1\)$/),
      'done: done: test plan (on lb1)',
    ]);
    const recent = await rig.producer.recent(5);
    expect(recent[0]?.id).toBe(jobId);
  });

  it('records a failed command with its exit code and stderr, and fails the job without retrying', async () => {
    rig.setPlan(() =>
      commandPlan([
        { id: 'fails', actions: [run('lb1', 'sh', '-c', 'echo no such thing >&2; exit 3')] },
        { id: 'never', actions: [run('lb1', 'true')] },
      ]),
    );
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const audit = await rig.producer.waitFor(jobId, 20_000);
    expect(audit.status).toBe('failed');
    expect(audit.attempts).toHaveLength(1);
    expect(audit.steps[0]).toMatchObject({ state: 'failed' });
    expect(audit.steps[0]!.commands[0]).toMatchObject({
      exitCode: 3,
      outcome: 'failed',
      stderr: 'no such thing\n',
    });
    expect(audit.steps[1]).toMatchObject({ state: 'pending', commands: [] });
    expect(audit.summary).toContain('exited with 3: no such thing');
  });

  it('keeps long output as an excerpt', async () => {
    rig.setPlan(() => commandPlan([{ id: 'long', actions: [run('lb1', 'seq', '1', '20000')] }]));
    const { jobId } = await rig.producer.requestRun({ playbook: 'save-rules' }, OPERATOR);
    const audit = await rig.producer.waitFor(jobId, 20_000);
    const out = audit.steps[0]!.commands[0]!.stdout;
    expect(out.length).toBeLessThan(2200);
    expect(out).toMatch(/^1\n2\n/);
    expect(out).toContain('characters left out');
    expect(out.trimEnd().endsWith('20000')).toBe(true);
  });
});

describe('the real playbooks against hosts that are not LVS directors', () => {
  it('refuses to change anything when no director can be shown to hold the VIP', async () => {
    rig.setPlan(undefined);
    const { jobId } = await rig.producer.requestPlan(
      { playbook: 'remove-real-server', realServer: 'web-2' },
      OPERATOR,
    );
    const planned = await rig.producer.waitFor(jobId, 30_000);
    expect(planned.status).toBe('planned');
    expect(planned.plan?.canRun).toBe(false);
    expect(planned.plan?.blockers[0]?.code).toBe('NO_ACTIVE_DIRECTOR');
    // What was really read: heartbeat is installed here but not running; no host holds the VIP.
    expect(planned.plan?.observed['heartbeat@lb1']).toBe('stopped');
    expect(planned.plan?.text).toContain('no director holds 10.99.0.100');
    const { jobId: runId } = await rig.producer.requestRun(
      { playbook: 'remove-real-server', realServer: 'web-2' },
      OPERATOR,
    );
    const ran = await rig.producer.waitFor(runId, 30_000);
    expect(ran.status).toBe('refused');
    expect(ran.steps).toEqual([]);
    expect(ran.summary).toContain('refused, nothing run: no director holds 10.99.0.100');
  });
});
