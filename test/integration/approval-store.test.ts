import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalStore } from '../../src/store/approval-store.js';
import { testRedis } from '../support/redis.js';

let ctx: ReturnType<typeof testRedis>;
beforeEach(() => {
  ctx = testRedis();
});
afterEach(async () => {
  await ctx.cleanup();
});

const input = {
  cluster: 'lab',
  request: { playbook: 'drain', realServer: 'web-2' },
  requestedBy: 'U0OPERATOR',
  channel: 'C0LVSOPS',
  planJobId: 'j1',
  snapshot: { lines: ['-A -t 10.0.0.100:80 -s wlc'], hash: 'abc' },
  needsOverride: false,
  title: 'Drain web-2',
  expiresAt: Date.now() + 60_000,
};

describe('approval store (real Redis)', () => {
  it('lets exactly one of many simultaneous clicks decide, across processes', async () => {
    const stores = [
      new ApprovalStore(ctx.connect(), ctx.prefix),
      new ApprovalStore(ctx.connect(), ctx.prefix),
    ];
    const req = await stores[0]!.create(input);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores[i % 2]!.decide(req.id, i % 3 === 0 ? 'rejected' : 'approved', `U${i}`),
      ),
    );
    expect(results.filter((r) => r.won)).toHaveLength(1);
    const final = await stores[1]!.get(req.id);
    expect(final?.state).not.toBe('pending');
    expect(final?.decidedBy).toBe(results.find((r) => r.won)!.request!.decidedBy);
  });

  it('keeps the message ts, the run job and every refusal alongside the decision', async () => {
    const store = new ApprovalStore(ctx.redis, ctx.prefix);
    const req = await store.create(input);
    await Promise.all([
      store.update(req.id, { ts: '1700000000.000100' }),
      store.refuse(req.id, { user: 'U0OTHER', at: 1, reason: 'not an approver' }),
      store.refuse(req.id, { user: 'U0OPERATOR', at: 2, reason: 'two-person rule' }),
    ]);
    await store.decide(req.id, 'approved', 'U0APPROVER');
    await store.update(req.id, { runJobId: 'j2' });
    const got = await store.get(req.id);
    expect(got).toMatchObject({
      ts: '1700000000.000100',
      runJobId: 'j2',
      state: 'approved',
      decidedBy: 'U0APPROVER',
    });
    expect(got?.refusals.map((r) => r.user)).toEqual(['U0OTHER', 'U0OPERATOR']);
  });

  it('knows nothing of an id that is not one of ours', async () => {
    const store = new ApprovalStore(ctx.redis, ctx.prefix);
    expect(await store.get('a*')).toBeUndefined();
    expect((await store.decide('a000000000000', 'approved', 'U1')).won).toBe(false);
  });
});
