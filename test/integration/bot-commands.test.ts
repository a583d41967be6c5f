import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBotApp } from '../../src/bot/create-bot-app.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { userRateLimit } from '../../src/store/user-rate-limit.js';
import { testRedis } from '../support/redis.js';

const SIGNING_SECRET = 'bot-test-signing-secret';
const BOT_TOKEN = 'xoxb-0000000000-bot-test';
const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-bot-test';

let inventory: Inventory;
beforeAll(async () => {
  const loaded = await loadInventory('examples/inventory.yml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  inventory = loaded.value;
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function boot(
  mode: 'http' | 'socket',
): Promise<{ slack: LocalSlack; redis: ReturnType<typeof testRedis> }> {
  const redis = testRedis();
  cleanups.push(redis.cleanup);
  const slack = await startLocalSlack({
    app: mode === 'http' ? { requestUrl: 'http://127.0.0.1:9/slack/events' } : { socketMode: true },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    ...(mode === 'socket' && { appToken: APP_TOKEN }),
  });
  cleanups.push(() => slack.close());
  const env = readEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ...(mode === 'socket' && { SLACK_APP_TOKEN: APP_TOKEN }),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const keys = new Keys(redis.prefix);
  const bot = createBotApp({
    env,
    logger: createLogger({ level: 'silent' }),
    services: {
      inventory,
      subscriptions: new SubscriptionStore(redis.redis, keys),
      incidents: new IncidentStore(redis.redis, keys),
      allow: userRateLimit(redis.redis, { prefix: redis.prefix, max: 5, windowSeconds: 60 }),
      logger: createLogger({ level: 'silent' }),
    },
  });
  const port = await bot.start();
  cleanups.push(() => bot.stop());
  if (mode === 'http') slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
  return { slack, redis };
}

function ackText(result: { ack: { body?: unknown } }): string {
  return JSON.stringify(result.ack.body ?? '');
}

describe.each(['http', 'socket'] as const)(
  'the bot answers /lvs through the local Slack (%s mode)',
  (mode) => {
    it('lists every command with examples on /lvs help, within the ack', async () => {
      const { slack } = await boot(mode);
      const res = await slack.command('/lvs help', { user: 'U0OTHER', channel: 'C0LVSOPS' });
      expect(res.ack.ok).toBe(true);
      const text = ackText(res);
      for (const cmd of [
        'status',
        'drain',
        'undrain',
        'failback',
        'subscribe',
        'silence',
        'build',
        'incident',
      ]) {
        expect(text).toContain(`/lvs ${cmd}`);
      }
    });

    it('subscribes a channel and lists it, without duplicates', async () => {
      const { slack } = await boot(mode);
      const first = await slack.command('/lvs subscribe <#C0LVSOPS|lvs-ops> kind=failover', {
        user: 'U0OPERATOR',
        channel: 'C0LVSOPS',
      });
      expect(ackText(first)).toContain('Subscribed');
      const again = await slack.command('/lvs subscribe <#C0LVSOPS|lvs-ops> kind=failover', {
        user: 'U0OPERATOR',
        channel: 'C0LVSOPS',
      });
      expect(ackText(again)).toContain('already subscribed');
      const list = await slack.command('/lvs subscriptions', { user: 'U0OTHER', channel: 'C0LVSOPS' });
      expect(ackText(list)).toContain('failovers');
    });

    it('refuses a hostile argument with the usage, and queues nothing', async () => {
      const { slack } = await boot(mode);
      const res = await slack.command('/lvs drain "web-2; reboot"', {
        user: 'U0OPERATOR',
        channel: 'C0LVSOPS',
      });
      expect(res.ack.ok).toBe(true);
      expect(ackText(res)).toContain('usage: /lvs drain SERVER');
    });

    it('refuses a change asked by someone who is not an operator', async () => {
      const { slack } = await boot(mode);
      const res = await slack.command('/lvs drain web-2', { user: 'U0OTHER', channel: 'C0LVSOPS' });
      expect(ackText(res)).toContain('not an operator');
    });

    it('limits how many commands one user may send in a minute', async () => {
      const { slack } = await boot(mode);
      const texts: string[] = [];
      for (let i = 0; i < 6; i++)
        texts.push(ackText(await slack.command('/lvs help', { user: 'U0OTHER', channel: 'C0LVSOPS' })));
      expect(texts.slice(0, 5).every((t) => !t.includes('Too many'))).toBe(true);
      expect(texts[5]).toContain('Too many commands');
    });

    it('publishes an App Home dashboard with the clusters, directors and services', async () => {
      const { slack } = await boot(mode);
      await slack.openAppHome('U0OPERATOR');
      const home = await slack.waitForView('U0OPERATOR', () => true, { home: true, timeoutMs: 5000 });
      const text = JSON.stringify(home.blocks);
      expect(text).toContain('Cluster seed');
      expect(text).toContain('lvs-master (preferred)');
      expect(text).toContain('192.168.10.100:80');
      expect(text).toContain('No open incidents.');
    });
  },
);
