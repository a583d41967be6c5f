import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type LocalMessage, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { SshExecutor } from '../../src/ssh/index.js';
import { type BuildBot, startBuildBot } from '../support/build-bot.js';
import { testRedis } from '../support/redis.js';

/**
 * The guided build's buttons with every check a change approval has: Check needs an operator of
 * the build's cluster, and an Apply approval counts only from the inventory's workspace and the
 * channel of the build's thread. The example cluster's hosts do not exist here: nothing in these
 * tests needs them, since every click below must be refused before anything reaches a host.
 */
const CHANNEL = 'C0LVSOPS';
const SIGNING_SECRET = 'build-hostile-secret';
const BOT_TOKEN = 'xoxb-0000000000-build-hostile';
const executor = new SshExecutor({ connectTimeoutMs: 2_000 });
const redis = testRedis();
let slack: LocalSlack;
let bot: BuildBot | undefined;
let build: LocalMessage;

beforeAll(async () => {
  const loaded = await loadInventory('examples/inventory.yml');
  if (!loaded.ok) throw new Error('the example inventory does not load');
  // The local Slack's workspace, so that the legitimate clicks come from the inventory's team.
  const inventory = { ...loaded.value, slack: { ...loaded.value.slack, team: 'T0LAB' } };
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
  await slack.command('/lvs build seed', { user: 'U0OPERATOR', channel: CHANNEL });
  build = await slack.waitForMessage(CHANNEL, (x) => x.text.startsWith('Guided build of seed'));
  await slack.click(build, 'lvs_build_goto', {
    user: 'U0OPERATOR',
    value: JSON.stringify({ c: 'seed', s: 'real-server-vip' }),
  });
  const deadline = Date.now() + 10_000;
  while (!JSON.stringify(slack.message(CHANNEL, build.ts)!.blocks).includes('lvs_build_apply')) {
    if (Date.now() > deadline) throw new Error('the build never showed the real-server-vip step');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await bot?.close();
  await slack?.close();
  await executor.close();
  await redis.cleanup();
});

/**
 * The bot's private answer to `user`: asked with chat.postEphemeral. Seen as the call, since a
 * forged click names a channel the bot may not be in, where Slack refuses to show it.
 */
async function answerTo(user: string, includes: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const call = slack
      .calls('chat.postEphemeral')
      .find((c) => c.args.user === user && String(c.args.text).includes(includes));
    if (call) return String(call.args.text);
    if (Date.now() > deadline) throw new Error(`no answer to ${user} saying ${includes}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function current(): LocalMessage {
  return slack.message(CHANNEL, build.ts)!;
}

describe('the guided build refuses clicks that must not act', () => {
  it('Check by someone who is not an operator of the cluster is refused and checks nothing', async () => {
    const before = await bot!.progress.get('seed');
    await slack.click(current(), 'lvs_build_check', { user: 'U0OTHER' });
    const refusal = await slack.waitForEphemeral('U0OTHER', (e) => e.text.includes('Only operators of seed'));
    expect(refusal.text).toContain('may run a Check');
    const after = await bot!.progress.get('seed');
    expect(after?.checks).toEqual(before?.checks);
    expect(JSON.stringify(current().blocks)).not.toContain('Checking on');
  });

  it('an Apply approval clicked from another channel or another workspace is refused and queues nothing', async () => {
    await slack.click(current(), 'lvs_build_apply', { user: 'U0OPERATOR' });
    const request = await slack.waitForMessage(
      CHANNEL,
      (x) => x.threadTs === build.ts && x.text.startsWith('Apply a'),
    );
    // A legitimate click by a viewer (refused), whose payload is then forged as the approver's.
    await slack.click(request, 'lvs_build_apply_approve', { user: 'U0OTHER' });
    await slack.waitForEphemeral('U0OTHER', (e) => e.text.includes('Only approvers of seed'));
    const payload = slack.deliveries('interactive').at(-1)!.payload;

    const otherChannel = structuredClone(payload);
    otherChannel.user = { ...(otherChannel.user as object), id: 'U0APPROVER' };
    otherChannel.channel = { id: 'C0GENERAL', name: 'general' };
    otherChannel.container = { ...(otherChannel.container as object), channel_id: 'C0GENERAL' };
    expect((await slack.replay(otherChannel)).ok).toBe(true);
    const wrongChannel = await answerTo('U0APPROVER', `can only be decided in <#${CHANNEL}>`);
    expect(wrongChannel).toContain('nothing was changed');

    const otherTeam = structuredClone(payload);
    otherTeam.user = { ...(otherTeam.user as object), id: 'U0APPROVER', team_id: 'T0EVIL' };
    otherTeam.team = { id: 'T0EVIL', domain: 'evil' };
    expect((await slack.replay(otherTeam)).ok).toBe(true);
    await answerTo('U0APPROVER', 'workspace T0EVIL, not T0LAB');

    const progress = await bot!.progress.get('seed');
    const applies = Object.values(progress?.applies ?? {});
    expect(applies).toHaveLength(1);
    expect(applies[0]).toMatchObject({ status: 'pending' });
    // No build-step job: no audit record of any job.
    expect(await bot!.jobs.recent()).toEqual([]);
  });
  it('a build asked in a DM with the bot is posted in the cluster channel, where its Apply approvers are', async () => {
    const dm = slack.directMessageChannel('U0OPERATOR');
    const before = slack.messages(CHANNEL).filter((x) => x.text.startsWith('Guided build of seed')).length;
    await slack.command('/lvs build seed', { user: 'U0OPERATOR', channel: dm });
    const deadline = Date.now() + 10_000;
    while (
      slack.messages(CHANNEL).filter((x) => x.text.startsWith('Guided build of seed')).length === before
    ) {
      if (Date.now() > deadline) throw new Error('no build message in the cluster channel');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(slack.messages(dm).some((x) => x.text.startsWith('Guided build of seed'))).toBe(false);
  });
});
