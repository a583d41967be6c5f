import { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import { renderApprovalRequest } from '../../src/bot/approvals/render-approval.js';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { defaultSeedInput, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from '../../src/queues/queue-names.js';
import { type ApprovalRequest, ApprovalStore } from '../../src/store/approval-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';

/**
 * What the hostile-input tests share: the whole bot (startBot) on a fresh key prefix, the
 * local Slack with two clusters' channels, and ways to see whether anything was queued.
 *
 * Two clusters, so that "another cluster's job" exists: `lab` (#lvs-ops, C0LVSOPS) where
 * U0OPERATOR operates and U0APPROVER approves, and `prod` (#prod-ops, C0PROD) where U0OTHER
 * approves (and operates, with U0PRODLEAD): nobody of lab has rights there. Both ask for approval with the two-person rule.
 */

export const SIGNING_SECRET = 'hostile-test-signing-secret-6c1d';
export const BOT_TOKEN = 'xoxb-0000000000-hostile-test';
export const INGEST_TOKEN = 'hostile-test-ingest-token-9f2a';
export const TEAM = 'T0LAB';

const HOST_KEY = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';

export function twoClusterInventory(): Inventory {
  const yaml = `
version: 1
slack:
  team: ${TEAM}
  channels:
    - { id: C0LVSOPS, name: lvs-ops }
    - { id: C0PROD, name: prod-ops }
  users: [{ id: U0OPERATOR, name: operator }, { id: U0APPROVER, name: approver }, { id: U0OTHER, name: other }, { id: U0PRODLEAD, name: prod-lead }]
clusters:
  - name: lab
    directors:
      - { name: lb1, address: 10.200.0.1, preferred: true, ssh: { hostKey: "${HOST_KEY}" } }
      - { name: lb2, address: 10.200.0.2, ssh: { hostKey: "${HOST_KEY}" } }
    virtualServices:
      - { name: web, vip: 10.200.0.100, port: 80 }
    realServers:
      - { name: web-1, address: 10.200.1.11, ssh: { hostKey: "${HOST_KEY}" }, services: [{ service: web, weight: 1 }] }
      - { name: web-2, address: 10.200.1.12, ssh: { hostKey: "${HOST_KEY}" }, services: [{ service: web, weight: 1 }] }
      - { name: web-3, address: 10.200.1.13, ssh: { hostKey: "${HOST_KEY}" }, services: [{ service: web, weight: 1 }] }
    filesets:
      - { name: content, hosts: [web-1, web-2, web-3], mountPoint: /srv/www, device: "nfs1:/export/www", type: nfs, options: ro }
    slack:
      channel: C0LVSOPS
      operators: { users: [U0OPERATOR, U0APPROVER] }
      approvers: { users: [U0APPROVER] }
    policy:
      approval: { twoPersonRule: true }
  - name: prod
    directors:
      - { name: plb1, address: 10.9.0.1, ssh: { hostKey: "${HOST_KEY}" } }
    virtualServices:
      - { name: shop, vip: 10.9.0.100, port: 443 }
    realServers:
      - { name: shop-1, address: 10.9.0.11, ssh: { hostKey: "${HOST_KEY}" }, services: [{ service: shop }] }
      - { name: shop-2, address: 10.9.0.12, ssh: { hostKey: "${HOST_KEY}" }, services: [{ service: shop }] }
    slack:
      channel: C0PROD
      operators: { users: [U0OTHER, U0PRODLEAD] }
      approvers: { users: [U0OTHER] }
    policy:
      approval: { twoPersonRule: true }
`;
  const parsed = parseInventory(yaml, 'hostile test inventory');
  if (!parsed.ok) throw new Error(parsed.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return parsed.value;
}

/** The lab's workspace plus #prod-ops; everyone is a member of both channels. */
export async function startHostileSlack(): Promise<LocalSlack> {
  const seed = defaultSeedInput();
  const everyone = ['U0OPERATOR', 'U0APPROVER', 'U0OTHER', seed.app.botUserId];
  seed.channels = seed.channels.filter((c) => c.id !== 'C0PROD');
  seed.channels.push({ id: 'C0PROD', name: 'prod-ops', members: everyone });
  for (const c of seed.channels) c.members = [...new Set([...(c.members ?? []), ...everyone])];
  return startLocalSlack({
    seed,
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
}

export interface HostileRig {
  slack: LocalSlack;
  bot: RunningBot;
  inventory: Inventory;
  prefix: string;
  redis: ReturnType<typeof testRedis>['redis'];
  approvals: ApprovalStore;
  /** The bot's /slack/events URL. */
  eventsUrl: string;
  /** Every job in every BullMQ queue of the bot (waiting, active, done, failed…). */
  jobCount(): Promise<number>;
  /** Audit records the job system wrote (plans and runs). */
  auditCount(): Promise<number>;
  /** Forgets the per-user command rate limit (tests that send many commands on purpose). */
  resetRateLimit(): Promise<void>;
  /** An approval request for a change, posted as the bot would post it; returns it with its ts. */
  postApproval(
    over: Partial<ApprovalRequest> & { cluster: string; channel: string },
  ): Promise<ApprovalRequest>;
  dispose(): Promise<void>;
}

export async function startHostileRig(opts: { logger?: Logger } = {}): Promise<HostileRig> {
  const ctx = testRedis();
  const slack = await startHostileSlack();
  const inventory = twoClusterInventory();
  const port = await freePort();
  const logger = opts.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const bot = await startBot({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    }),
    inventory,
    logger,
    keys: new Keys(ctx.prefix),
  });
  const eventsUrl = `http://127.0.0.1:${bot.port}/slack/events`;
  slack.setApp({ requestUrl: eventsUrl });
  const approvals = new ApprovalStore(ctx.redis, ctx.prefix);
  const web = new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl });
  const queueNames = [TASKS_QUEUE, ...inventory.clusters.map((c) => changesQueueName(c.name))];

  return {
    slack,
    bot,
    inventory,
    prefix: ctx.prefix,
    redis: ctx.redis,
    approvals,
    eventsUrl,
    async jobCount() {
      let total = 0;
      for (const name of queueNames) {
        const queue = new Queue(name, { connection: ctx.redis, prefix: bullPrefix(ctx.prefix) });
        const counts = await queue.getJobCounts();
        total += Object.values(counts).reduce((a, b) => a + b, 0);
        await queue.close();
      }
      return total;
    },
    async auditCount() {
      let n = 0;
      let cursor = '0';
      do {
        const [next, keys] = await ctx.redis.scan(
          cursor,
          'MATCH',
          `${ctx.prefix}:{jobs}:audit:*`,
          'COUNT',
          1000,
        );
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      return n;
    },
    async resetRateLimit() {
      const keys = await ctx.redis.keys(`${ctx.prefix}:{bot}:rate:*`);
      if (keys.length > 0) await ctx.redis.del(...keys);
    },
    async postApproval(over) {
      const request = await approvals.create({
        request: { playbook: 'remove-real-server', realServer: over.cluster === 'prod' ? 'shop-2' : 'web-2' },
        requestedBy: 'U0OPERATOR',
        planJobId: '1',
        snapshot: { lines: ['-A -t 10.200.0.100:80 -s wlc'], hash: 'h0' },
        needsOverride: false,
        title: over.cluster === 'prod' ? 'Remove shop-2' : 'Remove web-2',
        expiresAt: Date.now() + 15 * 60_000,
        ...over,
      });
      const message = renderApprovalRequest(request, '`ipvsadm -d -t 10.200.0.100:80 -r 10.200.1.12:80`');
      const res = await web.chat.postMessage({
        channel: request.channel,
        text: message.text,
        blocks: message.blocks as never,
      });
      await approvals.update(request.id, { ts: String(res.ts) });
      return { ...request, ts: String(res.ts) };
    },
    async dispose() {
      await bot.close().catch(() => undefined);
      await slack.close().catch(() => undefined);
      await ctx.cleanup();
    },
  };
}
