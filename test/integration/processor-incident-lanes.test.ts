import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';

let ctx: ReturnType<typeof testRedis>;
beforeEach(() => {
  ctx = testRedis();
});
afterEach(() => ctx.cleanup());

let n = 0;
function event(group: string, status: 'down' | 'up', at: number): LvsEvent {
  n++;
  return {
    id: `lane-${n}`,
    source: 'mon',
    kind: 'alert',
    status,
    cluster: 'lab',
    group,
    service: 'http',
    summary: status,
    at,
    receivedAt: at,
  };
}

describe('incident store on several connections', () => {
  it('applies events of different services in parallel and those of one service in the order given', async () => {
    const lanes = [ctx.connect(), ctx.connect(), ctx.connect(), ctx.connect()];
    const store = new IncidentStore(ctx.redis, new Keys(ctx.prefix), undefined, lanes);
    const t = Date.now();
    const events: LvsEvent[] = [];
    // 20 services: 9 downs each, then the up that resolves it, all handed over at once.
    for (let i = 0; i < 10; i++) {
      for (let s = 0; s < 20; s++) events.push(event(`web-${s}`, i === 9 ? 'up' : 'down', t + i));
    }
    const decisions = await Promise.all(events.map((e) => store.apply(e)));
    expect(decisions.filter((d) => d.type === 'opened')).toHaveLength(20);
    const incidents = await store.recent('lab', 50);
    expect(incidents).toHaveLength(20);
    for (const i of incidents) {
      expect(i.state).toBe('resolved');
      expect(i.count).toBe(9);
    }
    // Applied again (a redelivery), nothing changes.
    const again = await Promise.all(events.slice(0, 40).map((e) => store.apply(e)));
    expect(again.every((d) => d.type === 'ignored')).toBe(true);
  });
});
