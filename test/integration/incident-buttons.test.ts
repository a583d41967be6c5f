import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, quietLogger, realServerAddress, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { runAsMon, slackAlertServiceEnv, tempDir, web2HttpCall } from './slack-alert-helpers.js';

// The buttons of an incident message, through the whole bot: mon's alert (the real script)
// → the incident message → Acknowledge / Remove clicked in the local Slack.

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let bot: RunningBot;
let dir: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  ctx = testRedis();
  slack = await startAlertSlack();
  dir = await tempDir('incident-buttons');
  const port = await freePort();
  bot = await startBot({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    }),
    inventory: labInventory(),
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    notifyWorker: true,
  });
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
  const web2 = realServerAddress(2);
  const res = await runAsMon(
    web2HttpCall(web2, false, slackAlertServiceEnv(`http://127.0.0.1:${bot.port}`, INGEST_TOKEN, dir.path)),
  );
  expect(res.code).toBe(0);
});

afterEach(async () => {
  await bot?.close();
  await slack?.close();
  await ctx?.cleanup();
  await dir?.remove();
});

async function incidentMessage() {
  let found: ReturnType<typeof botMessages>[number] | undefined;
  await until(
    () => {
      found = botMessages(slack, 'C0LVSOPS').find((m) => JSON.stringify(m.blocks).includes('lvs_ack'));
      return found !== undefined;
    },
    20_000,
    'the incident message',
  );
  return found!;
}

describe('incident message buttons', () => {
  it('Acknowledge records who took it on the incident, in its thread', async () => {
    const message = await incidentMessage();
    const click = await slack.click(message, 'lvs_ack', { user: 'U0APPROVER' });
    expect(click.ack.ok).toBe(true);
    expect(JSON.stringify((await click.waitForResponse()).body)).toMatch(/You acknowledged lab-\d+/);
    await until(
      () => slack.thread('C0LVSOPS', message.ts).some((m) => m.text.includes('acknowledged by')),
      20_000,
      'the ack on the timeline',
    );
  });

  it('Remove from VIP goes through the plan and approval flow, and only for operators', async () => {
    const message = await incidentMessage();
    const other = await slack.click(message, 'lvs_remove', { user: 'U0OTHER' });
    expect(JSON.stringify((await other.waitForResponse()).body)).toContain('not an operator');
    const operator = await slack.click(message, 'lvs_remove', { user: 'U0OPERATOR' });
    expect(JSON.stringify((await operator.waitForResponse()).body)).toContain('Planning: remove web-2');
  });
});
