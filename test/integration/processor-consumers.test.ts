import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import type { LvsEvent } from '../../src/core/events/event.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { EVENT_GROUP } from '../../src/ingest/event-processor.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { EventStore } from '../../src/store/event-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack, subjectOf } from './notifier-support.js';

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
const pipelines: AlertPipeline[] = [];
const inventory = labInventory({ realServers: 12 });

/** One bot process: ingest, event processor and notify worker over the shared Redis. */
async function bot(opts: Partial<Parameters<typeof startAlertPipeline>[0]> = {}): Promise<AlertPipeline> {
  const p = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    storm: { threshold: 100, windowMs: 60_000 },
    paceMs: 0,
    ...opts,
  });
  pipelines.push(p);
  return p;
}

beforeEach(async () => {
  ctx = testRedis();
  slack = await startAlertSlack({ postMessagePerChannel: false });
});
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
  await slack.close();
  await ctx.cleanup();
});

function event(over: Partial<LvsEvent> = {}): LvsEvent {
  const at = Date.now();
  return {
    id: `ev-${Math.random().toString(36).slice(2)}`,
    source: 'mon',
    kind: 'alert',
    status: 'down',
    cluster: 'lab',
    group: 'web-1',
    service: 'http',
    host: 'web-1',
    summary: 'down',
    at,
    receivedAt: at,
    ...over,
  };
}

describe('event processor', () => {
  it('shares the stream between two bot processes without a duplicate notification', async () => {
    const a = await bot();
    const b = await bot();
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < 4; round++) {
      for (let server = 1; server <= 10; server++) {
        sends.push(post((server % 2 ? a : b).server!.url, '/hooks/mon', monBody({ server })));
      }
    }
    const answers = (await Promise.all(sends)) as { status: number }[];
    expect(answers.every((x) => x.status === 202)).toBe(true);
    await until(
      async () => (await a.incidents.open('lab')).reduce((n, i) => n + i.count, 0) === 40,
      20_000,
      '40 alerts applied',
    );
    await until(
      () =>
        botMessages(slack, 'C0LVSOPS').filter(
          (m) => m.text.includes('(4 alerts)') || /Alerts\*\\n4/.test(JSON.stringify(m.blocks)),
        ).length === 10,
      20_000,
      'ten messages showing 4 alerts',
    );
    const messages = botMessages(slack, 'C0LVSOPS');
    expect(messages).toHaveLength(10);
    expect(new Set(messages.map((m) => subjectOf(slack, m))).size).toBe(10);
    expect(a.processor!.processed).toBeGreaterThan(0);
    expect(b.processor!.processed).toBeGreaterThan(0);
    expect(a.processor!.processed + b.processor!.processed).toBe(40);
  });

  it('takes over the events a dead bot process read and never acknowledged', async () => {
    const events = new EventStore(ctx.redis, new Keys(ctx.prefix));
    await events.ensureGroup(EVENT_GROUP);
    await events.append(event({ group: 'web-3', host: 'web-3' }));
    // The dead process read it (it is pending for it) and died before acknowledging.
    expect(await events.read(EVENT_GROUP, 'dead-bot', 10, 10)).toHaveLength(1);

    await bot({ claimIdleMs: 300 });
    const message = await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-3:http'), 20_000);
    expect(message.text).toContain('Open');
    const pending = await ctx.redis.xpending(new Keys(ctx.prefix).eventStream(), EVENT_GROUP);
    expect(pending[0]).toBe(0);
  });

  it('queues the notification again when a process died after applying an event and before queueing it', async () => {
    const keys = new Keys(ctx.prefix);
    const events = new EventStore(ctx.redis, keys);
    await events.ensureGroup(EVENT_GROUP);
    const e = event({ group: 'web-5', host: 'web-5' });
    await events.append(e);
    await events.read(EVENT_GROUP, 'dead-bot', 10, 10);
    const p = await bot({ claimIdleMs: 300, processor: false, worker: false });
    // The dead process got as far as the incident store.
    expect((await p.incidents.apply(e)).type).toBe('opened');
    await p.close();
    pipelines.length = 0;

    await bot({ claimIdleMs: 300 });
    await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-5:http'), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
  });
});
