import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type LocalMessage, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { SshExecutor } from '../../src/ssh/index.js';
import { type BuildBot, startBuildBot } from '../support/build-bot.js';
import { testRedis } from '../support/redis.js';

/**
 * The example cluster's hosts (192.168.10.x) do not exist here: every Check must fail and say
 * which host could not be reached and why, and Next must refuse a step that was not proven.
 */
const CHANNEL = 'C0LVSOPS';
const SIGNING_SECRET = 'build-unreachable-secret';
const BOT_TOKEN = 'xoxb-0000000000-build-unreachable';
const executor = new SshExecutor({ connectTimeoutMs: 2_000 });
const redis = testRedis();
let slack: LocalSlack;
let bot: BuildBot | undefined;

beforeAll(async () => {
  const loaded = await loadInventory('examples/inventory.yml');
  if (!loaded.ok) throw new Error('the example inventory does not load');
  const inventory = loaded.value;
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
  bot = await startBuildBot({
    slack,
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    inventory,
    redis,
    runner: executor,
    checkTimeoutMs: 3_000,
  });
});

afterAll(async () => {
  await bot?.close();
  await slack?.close();
  await executor.close();
  await redis.cleanup();
});

async function edited(ts: string, done: (m: LocalMessage) => boolean): Promise<LocalMessage> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = slack.message(CHANNEL, ts)!;
    if (done(m)) return m;
    if (Date.now() > deadline) throw new Error(`never matched: ${JSON.stringify(m.blocks).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a Check that cannot reach its hosts', () => {
  it('fails, naming each host and why, and Next refuses the unproven step', async () => {
    await slack.command('/lvs build seed', { user: 'U0OPERATOR', channel: CHANNEL });
    const m = await slack.waitForMessage(CHANNEL, (x) => x.text.startsWith('Guided build of seed'));
    await slack.click(m, 'lvs_build_goto', {
      user: 'U0OPERATOR',
      value: JSON.stringify({ c: 'seed', s: 'kernel' }),
    });
    await edited(m.ts, (x) => x.text.includes('Step 2 of 14'));
    await slack.click(slack.message(CHANNEL, m.ts)!, 'lvs_build_check', { user: 'U0OPERATOR' });
    const failed = await edited(m.ts, (x) => JSON.stringify(x.blocks).includes('Check failed'));
    const text = JSON.stringify(failed.blocks);
    for (const host of ['lvs-master', 'lvs-slave', 'web-1', 'web-2', 'web-3'])
      expect(text).toMatch(new RegExp(`${host}: could not run`));
    expect(text).not.toContain('Check passed');

    await slack.click(slack.message(CHANNEL, m.ts)!, 'lvs_build_next', { user: 'U0OPERATOR' });
    const refusal = await slack.waitForEphemeral('U0OPERATOR', (e) => e.text.includes('not proven yet'));
    expect(refusal.text).toContain('press Check');
    expect(slack.message(CHANNEL, m.ts)!.text).toContain('Step 2 of 14');
  });
});
