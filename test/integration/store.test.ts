import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { EventStore } from '../../src/store/event-store.js';
import { INCIDENT_RETENTION_SECONDS, IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { NotificationStore } from '../../src/store/notification-store.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { testRedis } from '../support/redis.js';

let ctx: ReturnType<typeof testRedis>;
let keys: Keys;
beforeEach(() => {
  ctx = testRedis();
  keys = new Keys(ctx.prefix);
});
afterEach(async () => {
  await ctx.cleanup();
});

let n = 0;
function event(over: Partial<LvsEvent> = {}): LvsEvent {
  n++;
  const at = Date.now();
  return {
    id: `e-${n}-${Math.random()}`,
    source: 'mon',
    kind: 'alert',
    status: 'down',
    cluster: 'lab',
    group: 'web-2',
    service: 'http',
    summary: 'HTTP is DOWN',
    at,
    receivedAt: at,
    ...over,
  };
}

describe('event store (real Redis stream)', () => {
  it('stores an accepted event once, even when the same alert is sent again', async () => {
    const store = new EventStore(ctx.redis, keys);
    const e = event();
    expect(await store.append(e)).toMatch(/^\d+-\d+$/);
    expect(await store.append(e)).toBeNull();
    expect(await store.length()).toBe(1);
  });

  it('hands an unacknowledged event to another consumer after the first one died', async () => {
    const store = new EventStore(ctx.redis, keys);
    await store.ensureGroup('incidents');
    await store.append(event());
    const first = await store.read('incidents', 'bot-a', 10, 10);
    expect(first).toHaveLength(1);
    // bot-a dies without acking; bot-b claims what bot-a held.
    await new Promise((r) => setTimeout(r, 30));
    const claimed = await store.claimStale('incidents', 'bot-b', 10);
    expect(claimed.map((c) => c.streamId)).toEqual(first.map((f) => f.streamId));
    await store.ack(
      'incidents',
      claimed.map((c) => c.streamId),
    );
    expect(await store.read('incidents', 'bot-b', 10, 10)).toHaveLength(0);
  });

  it('reports an unreadable entry instead of dropping it silently', async () => {
    const store = new EventStore(ctx.redis, keys);
    await store.ensureGroup('incidents');
    await ctx.redis.xadd(keys.eventStream(), '*', 'event', '{not json');
    const got = await store.read('incidents', 'bot-a', 10, 10);
    expect(got).toHaveLength(1);
    expect(got[0]!.error).toBe('entry is not JSON');
  });
});

describe('incident store (real Redis, several processes)', () => {
  it('opens, repeats and resolves one incident with a cluster-scoped id', async () => {
    const store = new IncidentStore(ctx.redis, keys);
    const opened = await store.apply(event());
    expect(opened.type).toBe('opened');
    if (opened.type === 'ignored') return;
    expect(opened.incident.id).toBe('lab-1');
    await store.apply(event());
    const resolved = await store.apply(event({ status: 'up', summary: 'HTTP is UP' }));
    expect(resolved.type).toBe('updated');
    const got = await store.get('lab', 'lab-1');
    expect(got?.state).toBe('resolved');
    expect(got?.count).toBe(2);
    expect(await store.open('lab')).toHaveLength(0);
  });

  it('keeps one incident per service when two bot processes apply events at the same time', async () => {
    const a = new IncidentStore(ctx.connect(), keys);
    const b = new IncidentStore(ctx.connect(), keys);
    const events = Array.from({ length: 40 }, (_, i) => event({ group: `web-${i % 4}` }));
    await Promise.all(events.map((e, i) => (i % 2 === 0 ? a : b).apply(e)));
    const open = await a.open('lab');
    expect(open).toHaveLength(4);
    expect(open.reduce((sum, i) => sum + i.count, 0)).toBe(40);
  });
});

// Found by the soak (docs/bench.md): every incident ever opened, and its Slack message refs,
// stayed in Redis for good. A resolved incident is kept for the retention, then goes.
describe('incident retention (real Redis)', () => {
  const DAY = 86_400_000;
  const within = (ttl: number) => ttl > INCIDENT_RETENTION_SECONDS - 60 && ttl <= INCIDENT_RETENTION_SECONDS;

  it('keeps an open incident for good, a resolved one for the retention, and an incident reopened for good again', async () => {
    const store = new IncidentStore(ctx.redis, keys);
    await store.apply(event());
    const key = keys.incident('lab', 'lab-1');
    expect(await ctx.redis.ttl(key)).toBe(-1);
    await store.apply(event({ status: 'up', summary: 'HTTP is UP' }));
    expect((await store.get('lab', 'lab-1'))?.state).toBe('resolved');
    expect(within(await ctx.redis.ttl(key))).toBe(true);
    expect(within(await ctx.redis.ttl(keys.incidentKeyRev('lab', 'lab/alert/web-2/http')))).toBe(true);
    // The same service fails again within the reopen window: the same incident, open, kept.
    const again = await store.apply(event());
    expect(again.type !== 'ignored' && again.incident.id).toBe('lab-1');
    expect(await ctx.redis.ttl(key)).toBe(-1);
  });

  it('drops incidents older than the retention from the list of recent incidents', async () => {
    const store = new IncidentStore(ctx.redis, keys);
    const long = Date.now() - INCIDENT_RETENTION_SECONDS * 1000 - 2 * DAY;
    await store.apply(event({ group: 'web-1', at: long, receivedAt: long }));
    await store.apply(event({ group: 'web-1', status: 'up', at: long + 60_000, receivedAt: long + 60_000 }));
    expect((await store.recent('lab')).map((i) => i.id)).toEqual(['lab-1']);
    await store.apply(event({ group: 'web-3' }));
    await store.apply(event({ group: 'web-3', status: 'up' }));
    expect((await store.recent('lab')).map((i) => i.id)).toEqual(['lab-2']);
  });

  it("keeps an incident's Slack message ref and thread marks as long as the incident", async () => {
    const notes = new NotificationStore(ctx.redis, keys);
    expect(await notes.claimPost('lab', 'lab-1', 'C0LVSOPS')).toBeUndefined();
    await notes.setPosted('lab', 'lab-1', 'C0LVSOPS', '1700000000.000100', 1);
    await notes.claimThreadEntry('lab', 'lab-1', 'C0LVSOPS', 'resolved');
    await notes.setThreadEntryPosted('lab', 'lab-1', 'C0LVSOPS', 'resolved', '1700000001.000100');
    expect(await notes.ref('lab', 'lab-1', 'C0LVSOPS')).toMatchObject({ ts: '1700000000.000100', shown: 1 });
    expect(within(await ctx.redis.ttl(keys.notifyRef('lab', 'lab-1', 'C0LVSOPS')))).toBe(true);
    expect(within(await ctx.redis.ttl(keys.notifyThread('lab', 'lab-1', 'C0LVSOPS')))).toBe(true);
  });
});

describe('subscription store', () => {
  it('matches channels by cluster, kind, group and service, and always includes the default channel', async () => {
    const subs = new SubscriptionStore(ctx.redis, keys);
    await subs.add({ channel: 'C0ALERTS', kind: 'alert' });
    await subs.add({ channel: 'C0WEB2', cluster: 'lab', group: 'web-2' });
    await subs.add({ channel: 'C0OTHER', cluster: 'prod' });
    const alert = await subs.channelsFor(
      { cluster: 'lab', kind: 'alert', group: 'web-2', service: 'http' },
      'C0LVSOPS',
    );
    expect(alert).toEqual(['C0LVSOPS', 'C0ALERTS', 'C0WEB2']);
    const failover = await subs.channelsFor({ cluster: 'lab', kind: 'failover' }, 'C0LVSOPS');
    expect(failover).toEqual(['C0LVSOPS']);
  });

  it('does not duplicate an identical subscription and removes by id or channel', async () => {
    const subs = new SubscriptionStore(ctx.redis, keys);
    const first = await subs.add({ channel: 'C0ALERTS', kind: 'alert' });
    const again = await subs.add({ channel: 'C0ALERTS', kind: 'alert' });
    expect(again.created).toBe(false);
    expect(again.subscription.id).toBe(first.subscription.id);
    await subs.add({ channel: 'C0ALERTS', kind: 'job' });
    expect(await subs.remove(first.subscription.id)).toBe(true);
    expect(await subs.remove(first.subscription.id)).toBe(false);
    expect(await subs.removeChannel('C0ALERTS')).toBe(1);
    expect(await subs.list()).toHaveLength(0);
  });

  it('refuses a channel id that is not a Slack channel', async () => {
    const subs = new SubscriptionStore(ctx.redis, keys);
    await expect(subs.add({ channel: '#general; rm -rf' })).rejects.toThrow(/Slack channel id/);
  });
});
