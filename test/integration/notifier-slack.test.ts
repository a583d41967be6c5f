import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, slackClientFor, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { ChannelPacer } from '../../src/notifiers/slack/channel-pacer.js';
import { SlackChannelClient } from '../../src/notifiers/slack/slack-channel-client.js';
import { SlackNotifier } from '../../src/notifiers/slack/slack-notifier.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack, subjectOf } from './notifier-support.js';

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline;
const inventory = labInventory({ realServers: 80, secondCluster: true });

async function start(opts: Partial<Parameters<typeof startAlertPipeline>[0]> = {}) {
  const env = readEnv({
    INGEST_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
  });
  pipeline = await startAlertPipeline({
    env,
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    ...opts,
  });
  return pipeline.server!.url;
}

beforeEach(async () => {
  ctx = testRedis();
  slack = await startAlertSlack();
});
afterEach(async () => {
  await pipeline?.close();
  await slack.close();
  await ctx.cleanup();
});

describe('Slack notifier', () => {
  it('posts one message per incident per channel, edits it in place, keeps the timeline in its thread and ends with the outage duration', async () => {
    const url = await start();
    await pipeline.subscriptions.add({ channel: 'C0ALERTS', kind: 'alert' });
    await pipeline.subscriptions.add({ channel: 'C0WEB', group: 'web-7' });

    expect(
      (await post(url, '/hooks/mon', monBody({ server: 2, summary: '10.200.1.12 connect refused' }))).status,
    ).toBe(202);
    const first = await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-2:http'), 10_000);
    expect(first.text).toContain('Open');
    await slack.waitForMessage('C0ALERTS', (m) => m.text.includes('web-2:http'), 10_000);

    await post(url, '/hooks/mon', monBody({ server: 2, summary: 'still refused' }));
    await until(() => slack.message('C0LVSOPS', first.ts)!.edits.length >= 1, 10_000, 'the message edited');
    const repeat = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.threadTs === first.ts && m.text.includes('repeat'),
      10_000,
    );
    expect(repeat.text).toContain('still down (2 alerts)');

    await post(url, '/hooks/mon', monBody({ server: 2, type: 'up', summary: 'HTTP 200' }));
    await until(
      () => slack.message('C0LVSOPS', first.ts)!.text.startsWith('Resolved'),
      10_000,
      'the message resolved',
    );
    const resolved = slack.message('C0LVSOPS', first.ts)!;
    expect(resolved.text).toMatch(
      /Resolved: web-2:http \(web-2\) down behind 10\.200\.0\.100:80 \(resolved after \d+(ms|s)\)/,
    );
    const reply = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.threadTs === first.ts && m.text.includes('resolved:'),
      10_000,
    );
    expect(reply.text).toMatch(/recovered after \d+(ms|s)/);
    await until(
      () => slack.message('C0ALERTS', botMessages(slack, 'C0ALERTS')[0]!.ts)!.text.startsWith('Resolved'),
      10_000,
      'the subscribed channel resolved too',
    );

    // One message per channel; the web-7 subscription heard nothing about web-2.
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
    expect(botMessages(slack, 'C0ALERTS')).toHaveLength(1);
    expect(botMessages(slack, 'C0WEB')).toHaveLength(0);
    expect(slack.thread('C0LVSOPS', first.ts).map((m) => m.text.split(' ')[1])).toEqual([
      'repeat:',
      'resolved:',
    ]);
  });

  it('does not post twice when a worker died between chat.postMessage and recording the ts', async () => {
    await start({ worker: false });
    const decision = await pipeline.incidents.apply({
      id: 'crash-1',
      source: 'mon',
      kind: 'alert',
      status: 'down',
      cluster: 'lab',
      group: 'web-4',
      service: 'http',
      summary: 'down',
      at: Date.now(),
      receivedAt: Date.now(),
    });
    if (decision.type === 'ignored') throw new Error('not opened');
    const incident = decision.incident;
    const client = new SlackChannelClient(
      slackClientFor(readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl })),
      new ChannelPacer(pipeline.redis, pipeline.keys, 0),
      pipeline.notifications,
    );
    // The dead worker's last acts: it claimed the post and Slack took it; the ts never reached Redis.
    await pipeline.notifications.claimPost('lab', incident.id, 'C0LVSOPS');
    const { renderIncident } = await import('../../src/notifiers/slack/render-incident.js');
    const ts = await client.post('C0LVSOPS', renderIncident(incident), {
      cluster: 'lab',
      subject: incident.id,
      part: 'main',
    });

    const notifier = new SlackNotifier({
      slack: client,
      incidents: pipeline.incidents,
      store: pipeline.notifications,
      requestDigest: async () => undefined,
    });
    const job = { cluster: 'lab', incidentId: incident.id, channel: 'C0LVSOPS', version: incident.version };
    expect(await notifier.deliverIncident(job)).toBe('posted');
    expect(await notifier.deliverIncident(job)).toBe('up-to-date');
    expect(botMessages(slack, 'C0LVSOPS').map((m) => m.ts)).toEqual([ts]);
    expect((await pipeline.notifications.ref('lab', incident.id, 'C0LVSOPS')).ts).toBe(ts);
    expect(slack.calls('conversations.history')).toHaveLength(1);
  });

  it('waits out a 429 for one channel only: another channel is posted to meanwhile', async () => {
    const url = await start();
    slack.faults.rateLimit('chat.postMessage', { count: 1, retryAfter: 3 });
    await post(url, '/hooks/mon', monBody({ server: 5 }));
    const limited = await slack.waitForCall('chat.postMessage', (c) => c.status === 429, 10_000);
    expect(limited.args.channel).toBe('C0LVSOPS');

    const shop = monBody({ cluster: 'prod', real: '10.9.0.11' });
    Object.assign(shop, {
      mon: { group: 'shop-1', service: 'https', hosts: ['10.9.0.11'], time: 1, type: 'failure', args: [] },
      lvs: {
        protocol: 'tcp',
        virtual: { address: '10.9.0.100', port: 443 },
        real: { address: '10.9.0.11', port: 443 },
      },
    });
    expect((await post(url, '/hooks/mon', shop)).status).toBe(202);
    const other = await slack.waitForMessage('C0PROD', (m) => m.text.includes('shop-1'), 10_000);
    const lab = await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-5'), 15_000);

    const calls = slack.calls('chat.postMessage').filter((c) => c.status === 200);
    const prodAt = calls.find((c) => c.response.ts === other.ts)!.at;
    const labAt = calls.find((c) => c.response.ts === lab.ts)!.at;
    expect(prodAt).toBeLessThan(labAt);
    expect(labAt - limited.at).toBeGreaterThanOrEqual(3000);
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
    expect(await pipeline.notifications.counters()).toMatchObject({ 'ratelimited:slack': 1 });
  });

  it('retries 5xx answers from Slack and posts the message once', async () => {
    const url = await start();
    slack.faults.serverError(2, { method: 'chat.postMessage', status: 503 });
    await post(url, '/hooks/mon', monBody({ server: 6 }));
    await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-6'), 20_000);
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([503, 503, 200]);
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
  });

  it('retries a call Slack never answered (the connection dropped) and posts the message once', async () => {
    const url = await start();
    slack.faults.timeout(1, { method: 'chat.postMessage', hangMs: 1500 });
    await post(url, '/hooks/mon', monBody({ server: 8 }));
    await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-8'), 20_000);
    expect(slack.calls('chat.postMessage').map((c) => c.status)).toEqual([0, 200]);
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
  });

  it('lists a storm of incidents in one digest message kept up to date, not a message each', async () => {
    const url = await start({ storm: { threshold: 5, windowMs: 60_000 } });
    const servers = Array.from({ length: 60 }, (_, i) => i + 1);
    for (const server of servers)
      expect((await post(url, '/hooks/mon', monBody({ server }))).status).toBe(202);
    const ids = await until(
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === 60 ? open.map((i) => i.id) : undefined;
      },
      20_000,
      '60 incidents',
    );
    const digest = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.startsWith('Alert storm in lab'),
      20_000,
    );
    await until(() => ids.every((id) => shownIn(slack, id)), 30_000, 'every incident in a message');
    const own = botMessages(slack, 'C0LVSOPS').filter((m) => m.ts !== digest.ts);
    expect(own.length).toBeLessThanOrEqual(6);
    expect(new Set(own.map((m) => subjectOf(slack, m))).size).toBe(own.length);

    for (const server of servers) await post(url, '/hooks/mon', monBody({ server, type: 'up' }));
    await until(
      () => slack.message('C0LVSOPS', digest.ts)!.text.startsWith('Alert storm in lab is over'),
      30_000,
      'the storm over',
    );
    expect(slack.message('C0LVSOPS', digest.ts)!.text).toMatch(/all \d+ incidents resolved/);
    // After the storm, a new outage has its own message again.
    await post(url, '/hooks/mon', monBody({ server: 70 }));
    await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.includes('web-70:http') && m.text.startsWith('Open'),
      20_000,
    );
  });

  it('lists a storm of alerts an hour old in a digest too (a storm is counted by when they arrive)', async () => {
    const url = await start({ storm: { threshold: 5, windowMs: 60_000 } });
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (let server = 1; server <= 30; server++) {
      const alert = monBody({ server });
      alert.time = hourAgo.toISOString();
      (alert.mon as { time: number }).time = Math.floor(hourAgo.getTime() / 1000);
      expect((await post(url, '/hooks/mon', alert)).status).toBe(202);
    }
    const ids = await until(
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === 30 ? open.map((i) => i.id) : undefined;
      },
      20_000,
      '30 incidents',
    );
    const digest = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.startsWith('Alert storm in lab'),
      20_000,
    );
    await until(() => ids.every((id) => shownIn(slack, id)), 30_000, 'every incident in a message');
    expect(botMessages(slack, 'C0LVSOPS').filter((m) => m.ts !== digest.ts).length).toBeLessThanOrEqual(6);
  });
});

/** Whether the incident id is in its own message or listed in a digest. */
function shownIn(slack: LocalSlack, id: string): boolean {
  return botMessages(slack, 'C0LVSOPS').some(
    (m) => subjectOf(slack, m) === id || JSON.stringify(m.blocks).includes(`\`${id}\``),
  );
}

describe('webhook notifier', () => {
  let receiver: Server;
  let received: { headers: IncomingHttpHeaders; body: string }[];
  let failFirst: number;
  beforeEach(async () => {
    received = [];
    failFirst = 1;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(failFirst-- > 0 ? 502 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  });
  afterEach(async () => {
    await new Promise((r) => receiver.close(r));
  });

  it('POSTs each incident change as signed JSON, retrying a 5xx', async () => {
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/lvs`;
    const url = await start({ webhooks: [hook], webhookSecret: 's3cret' });
    await post(url, '/hooks/mon', monBody({ server: 3 }));
    await until(() => received.length >= 2, 20_000, 'the webhook retried');
    const last = received.at(-1)!;
    const body = JSON.parse(last.body) as {
      type: string;
      incident: { id: string; state: string; version: number };
    };
    expect(body.type).toBe('lvs-chatops.incident');
    expect(body.incident.state).toBe('open');
    expect(last.headers['idempotency-key']).toBe(`${body.incident.id}-v${body.incident.version}`);
    expect(last.headers['x-lvs-chatops-signature']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(last.body).digest('hex')}`,
    );
    expect(received[0]!.body).toBe(
      last.body.replace(/"sentAt":"[^"]+"/, received[0]!.body.match(/"sentAt":"[^"]+"/)![0]),
    );
  });
});
