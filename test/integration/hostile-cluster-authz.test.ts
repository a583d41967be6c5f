import { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { makeSnapshot } from '../../src/core/policy/approval-snapshot.js';
import { defaultSeedInput, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from '../../src/queues/queue-names.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import type { Planner } from '../../src/workers/playbook-processor.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';

// Two clusters with different people (examples/inventory-two-clusters.yml), the whole bot
// (startBot) on real Redis, and the local Slack. Who may act is decided by the cluster a command
// touches, wherever it is typed; a refused request queues, asks, posts and stores nothing.
//
// staging (#lvs-staging C0STAGING): U0OPERATOR operates, U0APPROVER approves.
// prod (#lvs-prod C0PROD, also #lvs-oncall C0ONCALL): U0ALICE and @prod-ops (U0CAROL) operate,
// U0BOB approves. U0OTHER has no rights anywhere. U0ALICE is not in #lvs-staging.

const SIGNING_SECRET = 'authz-test-signing-secret-41c7';
const BOT_TOKEN = 'xoxb-0000000000-authz-test';
const INGEST_TOKEN = 'authz-test-ingest-token-2b9e';

let inventory: Inventory;
let slack: LocalSlack;
let bot: RunningBot;
let ctx: ReturnType<typeof testRedis>;
let subscriptions: SubscriptionStore;

async function startSlack(): Promise<LocalSlack> {
  const seed = defaultSeedInput();
  const bot = seed.app.botUserId;
  seed.users.push(
    { id: 'U0ALICE', name: 'alice', realName: 'Alice Prod' },
    { id: 'U0BOB', name: 'bob', realName: 'Bob Prod' },
    { id: 'U0CAROL', name: 'carol', realName: 'Carol Prod' },
  );
  seed.channels = [
    { id: 'C0STAGING', name: 'lvs-staging', members: ['U0OPERATOR', 'U0APPROVER', 'U0OTHER', bot] },
    {
      id: 'C0PROD',
      name: 'lvs-prod',
      members: ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0OTHER', 'U0OPERATOR', bot],
    },
    { id: 'C0ONCALL', name: 'lvs-oncall', members: ['U0ALICE', 'U0BOB', 'U0OPERATOR', bot] },
    { id: 'C0GENERAL', name: 'general', general: true, members: ['U0OPERATOR', 'U0ALICE', 'U0OTHER'] },
  ];
  seed.usergroups = [{ id: 'S0PRODOPS', handle: 'prod-ops', name: 'prod ops', users: ['U0CAROL'] }];
  seed.defaultChannel = 'C0STAGING';
  return startLocalSlack({
    seed,
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
}

beforeAll(async () => {
  const loaded = await loadInventory('examples/inventory-two-clusters.yml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  inventory = loaded.value;
  ctx = testRedis();
  subscriptions = new SubscriptionStore(ctx.redis, new Keys(ctx.prefix));
  slack = await startSlack();
  const port = await freePort();
  bot = await startBot({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    }),
    inventory,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    keys: new Keys(ctx.prefix),
  });
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
}, 60_000);

afterAll(async () => {
  await bot?.close().catch(() => undefined);
  await slack?.close().catch(() => undefined);
  await ctx?.cleanup();
});

async function resetRateLimit(): Promise<void> {
  const keys = await ctx.redis.keys(`${ctx.prefix}:{bot}:rate:*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
}

/** The ack's text of `/lvs TEXT` typed by `user` in `channel`. */
async function say(user: string, channel: string, text: string): Promise<string> {
  await resetRateLimit();
  const res = await slack.command(`/lvs ${text}`, { user, channel });
  expect(res.ack.ok, `/lvs ${text}: ${JSON.stringify(res.ack)}`).toBe(true);
  return String((res.ack.body as { text?: string } | undefined)?.text ?? '');
}

/** Every job in every BullMQ queue the changes go through, and every job audit record. */
async function queued(): Promise<{ jobs: number; audits: number; approvals: number }> {
  let jobs = 0;
  for (const name of [TASKS_QUEUE, ...inventory.clusters.map((c) => changesQueueName(c.name))]) {
    const queue = new Queue(name, { connection: ctx.redis, prefix: bullPrefix(ctx.prefix) });
    jobs += Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
    await queue.close();
  }
  const audits = (await ctx.redis.keys(`${ctx.prefix}:{jobs}:audit:*`)).length;
  const approvals = (await ctx.redis.keys(`${ctx.prefix}:{approvals}*`)).length;
  return { jobs, audits, approvals };
}

const NOTHING = { jobs: 0, audits: 0, approvals: 0 };
const PROD_OPERATORS = '(<@U0ALICE>, <@U0BOB>, <!subteam^S0PRODOPS>)';
const STAGING_OPERATORS = '(<@U0OPERATOR>, <@U0APPROVER>)';

describe('the two-cluster example inventory', () => {
  it('is valid, with other operators and approvers per cluster', () => {
    const [staging, prod] = inventory.clusters;
    expect(staging?.slack.operators.users).toEqual(['U0OPERATOR']);
    expect(prod?.slack.operators).toEqual({ users: ['U0ALICE'], usergroups: ['S0PRODOPS'] });
    expect(prod?.slack.commandChannels).toEqual(['C0PROD', 'C0ONCALL']);
  });
});

describe('a change is decided by the cluster it touches, not by the channel', () => {
  it("an operator of staging cannot drain, remove, reweight, restore, remount or fail back prod's from staging's channel, and nothing is queued or posted", async () => {
    const asks: [string, string][] = [
      ['drain shop-2', 'drain shop-2'],
      ['undrain shop-2', 'undrain shop-2'],
      ['remove shop-1', 'remove shop-1'],
      ['restore shop-1', 'restore shop-1'],
      ['weight 10.9.1.12 0', 'set the weight of 10.9.1.12'],
      ['remount shop-static --force', 'remount fileset shop-static with --force'],
      ['failback prod', 'fail back cluster prod'],
    ];
    for (const [text, action] of asks) {
      const answer = await say('U0OPERATOR', 'C0STAGING', text);
      expect(answer, text).toContain(
        `You are not an operator of cluster \`prod\`: only operators of cluster \`prod\` ${PROD_OPERATORS} can ${action}.`,
      );
    }
    expect(await queued()).toEqual(NOTHING);
    expect(slack.messages('C0PROD')).toEqual([]);
    expect(slack.messages('C0STAGING')).toEqual([]);
  });

  it("an incident, a silence and a cancel of prod's are refused to staging's operator, and prod's own job stays", async () => {
    expect(await say('U0OPERATOR', 'C0STAGING', 'ack prod-1')).toContain(
      `only operators of cluster \`prod\` ${PROD_OPERATORS} can acknowledge prod-1`,
    );
    // A silence names a mon group, not a cluster: it is the channel's cluster's (prod here).
    expect(await say('U0OPERATOR', 'C0PROD', 'silence shop 1h')).toContain(
      `only operators of cluster \`prod\` ${PROD_OPERATORS} can silence shop`,
    );
    const jobs = new JobProducer({ redis: ctx.redis, inventory, prefix: ctx.prefix });
    try {
      const { jobId } = await jobs.requestPlan(
        { playbook: 'remove-real-server', realServer: 'shop-2' },
        { user: 'U0ALICE', via: 'slack', channel: 'C0PROD' },
      );
      expect(await say('U0OPERATOR', 'C0STAGING', `cancel ${jobId}`)).toContain(
        `only operators of cluster \`prod\` ${PROD_OPERATORS} can cancel ${jobId}`,
      );
      expect((await jobs.get(jobId))?.audit.status).toBe('queued');
      // prod's operator, from their own DM with the bot: allowed, since the job is prod's.
      const dm = slack.directMessageChannel('U0ALICE');
      expect(await say('U0ALICE', dm, `cancel ${jobId}`)).toContain('cancelled before it started');
      expect((await jobs.get(jobId))?.audit).toMatchObject({
        status: 'cancelled',
        cancel: { by: 'U0ALICE' },
      });
    } finally {
      await jobs.close();
    }
  });
});

describe('where /lvs is answered', () => {
  it('a user with no rights can read status in their DM with the bot, but cannot drain, remove, remount --force or subscribe', async () => {
    const before = await queued();
    const dm = slack.directMessageChannel('U0OTHER');
    expect(await say('U0OTHER', dm, 'drain stg-web-1')).toContain(
      `only operators of cluster \`staging\` ${STAGING_OPERATORS} can drain stg-web-1`,
    );
    expect(await say('U0OTHER', dm, 'remove shop-1')).toContain(
      `only operators of cluster \`prod\` ${PROD_OPERATORS} can remove shop-1`,
    );
    expect(await say('U0OTHER', dm, 'remount shop-static --force')).toContain(
      `can remount fileset shop-static with --force`,
    );
    expect(await say('U0OTHER', dm, 'remount stg-content --force')).toContain(
      'not an operator of cluster `staging`',
    );
    // A subscription with no cluster= covers both clusters: both are named.
    expect(await say('U0OTHER', dm, 'subscribe')).toContain(
      'You are not an operator of cluster `staging`, `prod`',
    );
    expect(await say('U0OTHER', dm, 'subscribe <#C0STAGING|lvs-staging> kind=alert')).toContain(
      'not an operator of cluster `staging`, `prod`',
    );
    expect(await queued()).toEqual(before);
    expect(await subscriptions.list()).toEqual([]);
    // Reads are open there.
    expect(await say('U0OTHER', dm, 'status prod')).toContain('Reading the directors of prod');
    expect(await say('U0OTHER', dm, 'help')).toContain('/lvs drain');
  });

  it('refuses /lvs in a direct message between two people, even from an operator, and queues nothing', async () => {
    const before = await queued();
    const between = slack.directMessageBetween('U0ALICE', 'U0BOB');
    expect(between).toMatch(/^D[A-Z0-9]+$/);
    for (const text of ['drain shop-2', 'remount shop-static --force', 'status', 'subscribe cluster=prod']) {
      expect(await say('U0ALICE', between, text), text).toContain('/lvs is not enabled in this channel');
    }
    expect(await queued()).toEqual(before);
    expect(await subscriptions.list()).toEqual([]);
    // A channel of no cluster is refused the same way.
    expect(await say('U0ALICE', 'C0GENERAL', 'drain shop-2')).toContain(
      '/lvs is not enabled in this channel',
    );
  });

  it("the local Slack answers conversations.info as Slack documents: the bot's im names its user, two people's DM is not found", async () => {
    const web = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const dm = slack.directMessageChannel('U0ALICE');
    const info = await web.conversations.info({ channel: dm });
    expect(info.channel).toMatchObject({ id: dm, is_im: true, user: 'U0ALICE' });
    const between = slack.directMessageBetween('U0ALICE', 'U0BOB');
    await expect(web.conversations.info({ channel: between })).rejects.toMatchObject({
      data: { ok: false, error: 'channel_not_found' },
    });
  });
});

describe('subscriptions are changes', () => {
  it('need the operator role of every cluster they cover, and membership of the channel; the list says who added each and when', async () => {
    // No cluster= covers prod too.
    expect(await say('U0OPERATOR', 'C0STAGING', 'subscribe kind=alert')).toContain(
      'not an operator of cluster `prod`',
    );
    expect(await subscriptions.list()).toEqual([]);
    expect(await say('U0OPERATOR', 'C0STAGING', 'subscribe cluster=staging kind=alert')).toContain(
      'Subscribed <#C0STAGING>',
    );
    // Alice operates prod but is not in #lvs-staging: she cannot route prod's incidents there.
    expect(await say('U0ALICE', 'C0PROD', 'subscribe <#C0STAGING|lvs-staging> cluster=prod')).toContain(
      'You are not a member of <#C0STAGING>',
    );
    expect(await say('U0ALICE', 'C0PROD', 'subscribe <#C0ONCALL|lvs-oncall> cluster=prod')).toContain(
      'Subscribed <#C0ONCALL>',
    );
    const subs = await subscriptions.list();
    expect(subs.map((s) => [s.channel, s.cluster, s.createdBy])).toEqual([
      ['C0STAGING', 'staging', 'U0OPERATOR'],
      ['C0ONCALL', 'prod', 'U0ALICE'],
    ]);
    // Removing prod's subscription is a change of prod's, by id or by channel.
    const oncall = subs[1]!;
    expect(await say('U0OPERATOR', 'C0STAGING', `unsubscribe ${oncall.id}`)).toContain(
      'not an operator of cluster `prod`',
    );
    expect(await say('U0OPERATOR', 'C0STAGING', 'unsubscribe <#C0ONCALL|lvs-oncall>')).toContain(
      'not an operator of cluster `prod`',
    );
    expect((await subscriptions.list()).length).toBe(2);

    // One stored before who and when were kept reads "unknown".
    await ctx.redis.hset(
      new Keys(ctx.prefix).subscriptions(),
      'sub-old',
      JSON.stringify({ id: 'sub-old', channel: 'C0PROD', kind: 'failover' }),
    );
    const list = await say('U0OTHER', 'C0STAGING', 'subscriptions');
    expect(list).toMatch(
      /<#C0STAGING>: alerts of cluster staging · added by <@U0OPERATOR> at \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    expect(list).toContain('<#C0ONCALL>: everything of cluster prod · added by <@U0ALICE>');
    expect(list).toContain('sub-old: <#C0PROD>: failovers · added by unknown at unknown');
  });
});

describe("a change asked outside its cluster's channels", () => {
  it("posts its approval request in the target cluster's channel, where its approvers are, and tells the requester", async () => {
    // A worker whose planner reads nothing: the plan is the point here, not the directors.
    const planner: Planner = {
      readsFor: () => [],
      planFor: () => ({
        playbook: 'drain',
        cluster: 'prod',
        title: 'Drain shop-2 from shop',
        activeDirector: 'prod-lb1',
        safety: [],
        blockers: [],
        steps: [],
        snapshot: makeSnapshot(['-a -t 10.9.0.100:443 -r 10.9.1.12:443 -g -w 1']),
        remember: [],
        undo: null,
        alreadyDone: false,
        doneWhenPlanned: [],
      }),
    };
    const worker = await PlaybookWorker.start({
      connect: ctx.connect,
      inventory,
      logger: createLogger({ level: 'silent' }),
      prefix: ctx.prefix,
      planner,
      name: 'authz-test-worker',
    });
    try {
      await resetRateLimit();
      const dm = slack.directMessageChannel('U0ALICE');
      const res = await slack.command('/lvs drain shop-2', { user: 'U0ALICE', channel: dm });
      expect(JSON.stringify(res.ack.body)).toContain('Planning: drain shop-2');
      const later = await res.waitForResponse(undefined, 30_000);
      expect(JSON.stringify(later.body)).toContain(
        "Asked for approval in <#C0PROD>, cluster prod's channel, where its approvers are: Drain shop-2 from shop.",
      );
      const posted = await slack.waitForMessage('C0PROD', (m) =>
        JSON.stringify(m.blocks).includes('lvs_approve'),
      );
      expect(posted.text).toContain('shop-2');
      expect(slack.messages(dm).filter((m) => JSON.stringify(m.blocks).includes('lvs_approve'))).toEqual([]);
    } finally {
      await worker.close(0);
    }
  });
});
