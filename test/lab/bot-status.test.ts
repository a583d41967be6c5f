import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { statusHandler } from '../../src/bot/commands/status.js';
import { createBotApp } from '../../src/bot/create-bot-app.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { parseIpvsList } from '../../src/core/ipvs/index.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { SshExecutor } from '../../src/ssh/index.js';
import { StatusRequester, startStatusWorker } from '../../src/status/status-queue.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { testRedis } from '../support/redis.js';
import { ssh } from './lab-client.js';

// /lvs status end to end: the local Slack → the bot → a status job → a worker reading the
// lab's real directors over SSH → the answer in the channel, checked against ipvsadm itself.

const lab = inject('lab');
const SIGNING_SECRET = 'status-test-secret';
const BOT_TOKEN = 'xoxb-0000000000-status-test';
const logger = createLogger({ level: 'silent' });

let slack: LocalSlack;
let inventory: Inventory;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  inventory = loaded.value;
  const redis = testRedis();
  cleanups.push(redis.cleanup);
  const executor = new SshExecutor();
  cleanups.push(() => executor.close());
  const worker = startStatusWorker({
    connection: redis.connect(),
    inventory,
    runner: executor,
    logger,
    prefix: redis.prefix,
  });
  cleanups.push(() => worker.close());
  const requester = new StatusRequester(redis.connect(), redis.connect(), {
    prefix: redis.prefix,
    timeoutMs: 60_000,
  });
  cleanups.push(() => requester.close());
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
  cleanups.push(() => slack.close());
  const keys = new Keys(redis.prefix);
  const bot = createBotApp({
    env: readEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    }),
    logger,
    services: {
      inventory,
      subscriptions: new SubscriptionStore(redis.redis, keys),
      incidents: new IncidentStore(redis.redis, keys),
      allow: async () => true,
      logger,
      extra: { status: statusHandler(requester) },
    },
  });
  const port = await bot.start();
  cleanups.unshift(() => bot.stop());
  slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
});

afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe('/lvs status on the lab', () => {
  it('matches ipvsadm -L -n on the active director and names it', async () => {
    const res = await slack.command('/lvs status', { user: 'U0OTHER', channel: 'C0LVSOPS' });
    expect(res.ack.ok).toBe(true);
    const post = await res.waitForResponse(() => true, 90_000);
    const text = JSON.stringify(post.body);

    const listing = await ssh(lab, 'lb1', 'ipvsadm -L -n');
    expect(listing.code).toBe(0);
    const table = parseIpvsList(listing.stdout);
    if (!table.ok) throw new Error(table.error.message);
    const service = table.value.services[0]!;
    expect(text).toContain('active director *lb1*');
    expect(service.realServers).toHaveLength(3);
    for (const rs of service.realServers) {
      // Each real server's row shows its address and the weight the director has.
      expect(text).toMatch(new RegExp(`${rs.address.replace(/\./g, '\\.')}:${rs.port} +${rs.weight} `));
    }
    expect(text).toContain('web-1');
    expect(text).toContain('Active connections');

    // heartbeat's resources (cl_status runs beside the director's other reads) as lb1 gives them.
    const resources = await ssh(lab, 'lb1', 'cl_status rscstatus');
    expect(resources.code).toBe(0);
    expect(text).toContain(
      `lb1 (active, preferred): holds ${lab.vip}, heartbeat resources ${resources.stdout.trim()}`,
    );
  });

  it('answers an unknown VIP with the known ones, at once', async () => {
    const res = await slack.command('/lvs status 10.9.9.9:80', { user: 'U0OTHER', channel: 'C0LVSOPS' });
    const body = JSON.stringify(res.ack.body);
    expect(body).toContain('no virtual service 10.9.9.9:80');
    expect(body).toContain(`${lab.vip}:80`);
  });
});
