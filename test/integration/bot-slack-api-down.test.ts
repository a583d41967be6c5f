import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { until } from './faults-support.js';

// Slash commands are acknowledged by the bot itself, within Slack's 3 seconds, whatever the
// Slack Web API does: the bot asks Slack who it is (auth.test) once when it starts, again only
// until Slack answers, and never on a request. Here the local Slack's Web API answers 500s,
// then does not answer at all, from before the bot starts.

const SIGNING_SECRET = 'api-down-signing-secret';
const BOT_TOKEN = 'xoxb-0000000000-api-down-test';

let inventory: Inventory;
let slack: LocalSlack;
let redis: ReturnType<typeof testRedis>;
let bot: ReturnType<typeof createBotApp>;

beforeAll(async () => {
  const loaded = await loadInventory('examples/inventory.yml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  inventory = loaded.value;
  redis = testRedis();
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
});

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await redis?.cleanup();
});

async function help(): Promise<{ ok: boolean; text: string }> {
  const res = await slack.command('/lvs help', { user: 'U0OTHER', channel: 'C0LVSOPS' });
  return { ok: res.ack.ok, text: JSON.stringify(res.ack.body ?? res.ack) };
}

const answeredAuthTests = () => slack.calls('auth.test').filter((c) => c.response.ok === true);

describe('the bot with the Slack Web API down', () => {
  it('acknowledges /lvs help while every Web API call fails or hangs, and asks auth.test only until Slack answers', {
    timeout: 120_000,
  }, async () => {
    // Down from before the bot starts: every call answers 500.
    slack.faults.serverError(100_000);
    const env = readEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    });
    const keys = new Keys(redis.prefix);
    bot = createBotApp({
      env,
      logger: createLogger({ level: 'silent' }),
      services: {
        inventory,
        subscriptions: new SubscriptionStore(redis.redis, keys),
        incidents: new IncidentStore(redis.redis, keys),
        allow: userRateLimit(redis.redis, { prefix: redis.prefix, max: 100, windowSeconds: 60 }),
        logger: createLogger({ level: 'silent' }),
      },
    });
    const port = await bot.start();
    slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });

    for (let i = 0; i < 3; i++) {
      const res = await help();
      expect(res.ok, res.text).toBe(true);
      expect(res.text).toContain('/lvs drain');
    }
    expect(slack.calls('auth.test').length, 'the bot asked who it is').toBeGreaterThan(0);
    expect(answeredAuthTests()).toEqual([]);

    // The Web API takes every call and never answers (the connection is cut after 20 s).
    slack.faults.clear();
    slack.faults.timeout(100_000, { hangMs: 20_000 });
    for (let i = 0; i < 3; i++) {
      const res = await help();
      expect(res.ok, res.text).toBe(true);
      expect(res.text).toContain('/lvs drain');
    }

    // Slack is back: the bot learns who it is, once, and asks no more, however many commands come.
    slack.faults.clear();
    await until('auth.test answered', () => answeredAuthTests().length > 0, 90_000);
    const asked = slack.calls('auth.test').length;
    for (let i = 0; i < 5; i++) expect((await help()).ok).toBe(true);
    expect(answeredAuthTests()).toHaveLength(1);
    expect(slack.calls('auth.test')).toHaveLength(asked);
  });
});
