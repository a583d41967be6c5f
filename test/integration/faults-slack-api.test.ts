import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { Keys } from '../../src/store/keys.js';
import { TEST_REDIS_URL, testRedis } from '../support/redis.js';
import { duplicatePosts, markerOf, posts, until } from './faults-support.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger } from './ingest-support.js';
import { BOT_TOKEN, startAlertSlack } from './notifier-support.js';

// Slack answers 429 (Retry-After), 500 with its JSON error, 503 with its edge's HTML page,
// 502 with nothing, or does not answer at all, before or after carrying out the call, on
// chat.postMessage and chat.update alike, while a stream of alerts is notified. Every
// notification arrives, once: lost 0, done twice 0.

const SERVERS = 6;
let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline;

beforeAll(async () => {
  ctx = testRedis();
  slack = await startAlertSlack({ postMessagePerChannel: false });
  pipeline = await startAlertPipeline({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: TEST_REDIS_URL,
    }),
    inventory: labInventory({ realServers: SERVERS }),
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    jobs: false,
    storm: { threshold: 1000, windowMs: 60_000 },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await slack?.close();
  await ctx?.cleanup();
});

/** The faults Slack answers with, in turn, to the next calls of `method`. */
function everyFault(method: string): void {
  slack.faults.rateLimit(method, { count: 1, retryAfter: 1 });
  slack.faults.serverError(1, { method, status: 500, body: 'json' });
  slack.faults.timeout(1, { method, hangMs: 1_500, processed: true });
  slack.faults.serverError(1, { method, status: 503, body: 'html' });
  slack.faults.timeout(1, { method, hangMs: 1_500 });
  slack.faults.serverError(1, { method, status: 502, body: 'empty' });
}

async function alert(body: Record<string, unknown>): Promise<void> {
  expect((await post(pipeline.server!.url, '/hooks/mon', body)).status).toBe(202);
}

const mains = () => posts(slack, 'C0LVSOPS').filter((c) => markerOf(c)?.part === 'main');
const threadOf = (subject: string) => {
  const main = mains().find((c) => markerOf(c)?.subject === subject);
  return main ? slack.thread('C0LVSOPS', String(main.response.ts)).map((m) => m.text.split(' ')[1]) : [];
};

describe('Slack answering 429, 5xx, or not at all', () => {
  it('delivers every notification once', { timeout: 90_000 }, async () => {
    everyFault('chat.postMessage');
    everyFault('chat.update');
    for (let s = 1; s <= SERVERS; s++) await alert(monBody({ server: s, summary: `web-${s} refused` }));
    const incidents = await until(
      `${SERVERS} incidents posted`,
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === SERVERS && mains().length >= SERVERS ? open : undefined;
      },
      45_000,
    );

    // Again while the first faults may still be worked through: repeats, then recoveries of half.
    everyFault('chat.postMessage');
    everyFault('chat.update');
    for (let s = 1; s <= SERVERS; s++) await alert(monBody({ server: s, summary: `web-${s} still refused` }));
    for (let s = 1; s <= SERVERS / 2; s++)
      await alert(monBody({ server: s, type: 'up', summary: 'HTTP 200' }));

    const expected = (i: number) => (i <= SERVERS / 2 ? ['repeat:', 'resolved:'] : ['repeat:']);
    const byServer = new Map(incidents.map((inc) => [Number(inc.group?.slice('web-'.length)), inc.id]));
    const serverOf = new Map([...byServer].map(([n, id]) => [id, n]));
    expect([...byServer.keys()].sort()).toEqual(Array.from({ length: SERVERS }, (_, i) => i + 1));
    await until(
      'every repeat and recovery in its thread, and the recovered messages edited to Resolved',
      () =>
        [...byServer].every(([n, id]) => threadOf(id).length === expected(n).length) &&
        mains()
          .filter((c) => serverOf.get(markerOf(c)!.subject)! <= SERVERS / 2)
          .every((c) => slack.message('C0LVSOPS', String(c.response.ts))?.text.startsWith('Resolved')),
      60_000,
    );
    // Every fault was met (else this test showed less than it says).
    expect(slack.calls('chat.postMessage').filter((c) => c.status !== 200).length).toBe(12);
    expect(slack.calls('chat.update').filter((c) => c.status !== 200).length).toBe(12);

    // Nothing lost, nothing twice.
    expect(
      mains()
        .map((c) => markerOf(c)!.subject)
        .sort(),
    ).toEqual([...byServer.values()].sort());
    for (const [n, id] of byServer) expect(threadOf(id), id).toEqual(expected(n));
    expect(duplicatePosts(slack, 'C0LVSOPS')).toEqual([]);
    for (const c of mains()) {
      const message = slack.message('C0LVSOPS', String(c.response.ts))!;
      const n = serverOf.get(markerOf(c)!.subject)!;
      expect(message.text.startsWith(n <= SERVERS / 2 ? 'Resolved' : 'Open'), message.text).toBe(true);
    }
  });
});
