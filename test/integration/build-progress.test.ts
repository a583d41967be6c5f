import { afterEach, describe, expect, it } from 'vitest';
import { BuildProgressError, BuildProgressStore } from '../../src/store/build-progress.js';
import { testRedis } from '../support/redis.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function store() {
  const r = testRedis();
  cleanups.push(r.cleanup);
  return { r, progress: new BuildProgressStore(r.redis, r.prefix) };
}

describe('build progress in Redis', () => {
  it('starts at the first step and keeps where the operator is, per cluster', async () => {
    const { progress } = store();
    const p = await progress.start('lab', 'U0OPERATOR', 'forwarding', 1000);
    expect(p).toMatchObject({
      cluster: 'lab',
      current: 'forwarding',
      startedBy: 'U0OPERATOR',
      stopped: null,
    });
    await progress.goTo('lab', 'kernel', 'U0OPERATOR');
    expect((await progress.get('lab'))?.current).toBe('kernel');
    expect(await progress.get('seed')).toBeNull();
  });

  it('records a skip with its reason, who and when, and refuses a skip without a reason', async () => {
    const { progress } = store();
    await progress.start('lab', 'U0OPERATOR', 'forwarding');
    await expect(progress.skip('lab', 'mon-cgi', 'U0OPERATOR', '   ')).rejects.toMatchObject({
      code: 'REASON_REQUIRED',
    });
    const p = await progress.skip('lab', 'mon-cgi', 'U0OPERATOR', 'Slack shows the same', 5000);
    expect(p.steps['mon-cgi']).toEqual({
      status: 'skipped',
      by: 'U0OPERATOR',
      at: 5000,
      reason: 'Slack shows the same',
    });
    expect(p.history.at(-1)).toEqual({
      at: 5000,
      by: 'U0OPERATOR',
      what: 'mon-cgi skipped: Slack shows the same',
    });
  });

  it('stops and resumes where it was; going back keeps what was done', async () => {
    const { progress } = store();
    await progress.start('lab', 'U0OPERATOR', 'forwarding');
    await progress.markDone('lab', 'forwarding', 'U0OPERATOR');
    await progress.goTo('lab', 'kernel', 'U0OPERATOR');
    const stopped = await progress.stop('lab', 'U0OPERATOR', 7000);
    expect(stopped.stopped).toEqual({ by: 'U0OPERATOR', at: 7000 });
    const resumed = await progress.start('lab', 'U0APPROVER', 'forwarding');
    expect(resumed).toMatchObject({ current: 'kernel', stopped: null });
    expect(resumed.history.at(-1)?.what).toBe('resumed at kernel');
    const back = await progress.goTo('lab', 'forwarding', 'U0APPROVER');
    expect(back.steps.forwarding?.status).toBe('done');
  });

  it('keeps the last check of each step with its evidence', async () => {
    const { progress } = store();
    await progress.start('lab', 'U0OPERATOR', 'forwarding');
    const p = await progress.recordCheck('lab', 'ipvs-table', 'U0OPERATOR', [
      { id: 'ipvs-table', title: 't', pass: false, evidence: ['lb1: lacks web-2'] },
    ]);
    expect(p.checks['ipvs-table']).toMatchObject({
      pass: false,
      verdicts: [{ evidence: ['lb1: lacks web-2'] }],
    });
  });

  it('refuses changes to a build that was never started, saying how to start it', async () => {
    const { progress } = store();
    const e = await progress.markDone('lab', 'kernel', 'U0OPERATOR').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BuildProgressError);
    expect((e as Error).message).toBe('no build of lab is under way: start it with /lvs build lab');
  });

  it('loses no update when two bot processes change the same build at once', async () => {
    const { r, progress } = store();
    const other = new BuildProgressStore(r.connect(), r.prefix);
    await progress.start('lab', 'U0OPERATOR', 'forwarding');
    const steps = Array.from({ length: 12 }, (_, i) => `step-${i}`);
    await Promise.all(
      steps.map((s, i) =>
        (i % 2 === 0 ? progress : other).markDone('lab', s, i % 2 === 0 ? 'U0OPERATOR' : 'U0APPROVER'),
      ),
    );
    const p = await progress.get('lab');
    expect(Object.keys(p!.steps).sort()).toEqual([...steps].sort());
  });

  it('says the stored build cannot be read rather than guessing', async () => {
    const { r, progress } = store();
    await r.redis.set(progress.key('lab'), '{"v":2}');
    await expect(progress.get('lab')).rejects.toMatchObject({ code: 'CORRUPT' });
  });

  it('keeps an Apply request until one approver decides it, and lets it expire', async () => {
    const { progress } = store();
    await progress.start('lab', 'U0OPERATOR', 'forwarding');
    const { apply } = await progress.requestApply(
      'lab',
      'director-vip',
      'U0OPERATOR',
      { summary: 's', hash: 'h1' },
      1000,
    );
    expect(apply).toMatchObject({
      id: 'a1',
      step: 'director-vip',
      status: 'pending',
      requestedBy: 'U0OPERATOR',
    });
    const running = await progress.decideApply('lab', 'a1', 'U0APPROVER', 'running', 60_000, 2000);
    expect(running).toMatchObject({ status: 'running', decidedBy: 'U0APPROVER', decidedAt: 2000 });
    await expect(progress.decideApply('lab', 'a1', 'U0APPROVER', 'running', 60_000)).rejects.toMatchObject({
      code: 'APPLY_DECIDED',
    });
    const done = await progress.finishApply('lab', 'a1', 'done', ['lb1: put the VIP: ok']);
    expect(done.result).toEqual(['lb1: put the VIP: ok']);
    const { apply: late } = await progress.requestApply(
      'lab',
      'kernel',
      'U0OPERATOR',
      { summary: 's', hash: 'h2' },
      1000,
    );
    expect(late.id).toBe('a2');
    expect(
      (await progress.decideApply('lab', 'a2', 'U0APPROVER', 'running', 60_000, 1000 + 60_001)).status,
    ).toBe('expired');
  });
});
