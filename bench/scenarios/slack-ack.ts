import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { BotServices } from '../../src/bot/commands/handle-command.js';
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
import { type BenchContext, type BenchScenario, type Figure, notMeasured, percentile } from '../figure.js';
import { repoRoot } from '../peers/cli-process.js';
import { REDIS_URL } from '../peers/lvs-chatops.js';

const SIGNING_SECRET = 'bench-ack-signing-secret';
const BOT_TOKEN = 'xoxb-local-bench-ack-fake';
const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-bench-ack';
export type Mode = 'http' | 'socket';

/**
 * One command timed through the local Slack: the ack (what Slack waits up to 3 s for), and,
 * with `answer`, the full answer posted later to the response_url.
 */
export interface AckCase {
  label: string;
  /** As typed in Slack, e.g. '/lvs help'. */
  command: string;
  user: string;
  channel: string;
  /** Goal for the ack p99, in ms. */
  ackP99Ms?: number;
  /** Time the answer posted to the response_url too (commands that answer after the ack). */
  answer?: { goalMs: number };
  /** The inventory the bot runs with (default: examples/inventory.yml). */
  inventory?: () => Promise<Inventory>;
  /** Handlers other parts of the bot provide (BotServices.extra), e.g. status. */
  extra?: BotServices['extra'];
  /** Set while the command is not in the bot yet: the case is shown as not measured with this reason. */
  pending?: string;
  /** Untimed, before each command (e.g. wait until a cache has expired, so each answer is a fresh read). */
  before?: () => Promise<void>;
  /** Commands sent first and not counted (default 10). */
  warmups?: number;
}

/**
 * The commands whose latency the bench reports with no lab. `/lvs status` for 1,000 real
 * servers reads real directors: it is the `slack-status` scenario (slack-status.ts), on a lab
 * of its own, through `measureCommand`.
 */
export const ACK_CASES: AckCase[] = [
  { label: '/lvs help', command: '/lvs help', user: 'U0OTHER', channel: 'C0LVSOPS', ackP99Ms: 100 },
  {
    label: '/lvs subscriptions (reads Redis)',
    command: '/lvs subscriptions',
    user: 'U0OTHER',
    channel: 'C0LVSOPS',
  },
];

async function exampleInventory(): Promise<Inventory> {
  const loaded = await loadInventory(join(repoRoot(), 'examples', 'inventory.yml'));
  if (!loaded.ok) throw new Error(`examples/inventory.yml: ${JSON.stringify(loaded.error)}`);
  return loaded.value;
}

interface Booted {
  slack: LocalSlack;
  close(): Promise<void>;
}

/** The bot (createBotApp) against a local Slack, in HTTP or Socket Mode, on a fresh Redis prefix. */
async function boot(mode: Mode, c: AckCase): Promise<Booted> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const prefix = `bench-ack-${randomUUID().slice(0, 8)}`;
  const keys = new Keys(prefix);
  const slack = await startLocalSlack({
    app: mode === 'http' ? { requestUrl: 'http://127.0.0.1:9/slack/events' } : { socketMode: true },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    ...(mode === 'socket' && { appToken: APP_TOKEN }),
  });
  const env = readEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    ...(mode === 'socket' && { SLACK_APP_TOKEN: APP_TOKEN }),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent' });
  const bot = createBotApp({
    env,
    logger,
    services: {
      inventory: await (c.inventory ?? exampleInventory)(),
      subscriptions: new SubscriptionStore(redis, keys),
      incidents: new IncidentStore(redis, keys),
      // The per-user limit is real; set high enough that the bench's hundreds of commands pass.
      allow: userRateLimit(redis, { prefix, max: 100_000, windowSeconds: 60 }),
      logger,
      ...(c.extra && { extra: c.extra }),
    },
  });
  const port = await bot.start();
  if (mode === 'http') slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
  else {
    const deadline = Date.now() + 10_000;
    while (slack.socketConnections() === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
  }
  return {
    slack,
    async close() {
      await bot.stop().catch(() => undefined);
      await slack.close();
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.del(...found);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

/**
 * `count` commands of case `c` one after another through the local Slack, with the bot in
 * `mode`: the ack p50/p99 and, for cases with `answer`, the full answer's p50/p99.
 */
export async function measureCommand(
  mode: Mode,
  c: AckCase,
  count: number,
  log: BenchContext['log'],
): Promise<Figure[]> {
  const booted = await boot(mode, c);
  try {
    const acks: number[] = [];
    const answers: number[] = [];
    let failed = 0;
    const run = async (record: boolean) => {
      await c.before?.();
      const t0 = performance.now();
      const res = await booted.slack.command(c.command, { user: c.user, channel: c.channel });
      if (!res.ack.ok || res.ack.ackMs === undefined) {
        failed++;
        return;
      }
      if (c.answer) await res.waitForResponse(undefined, 30_000);
      if (!record) return;
      acks.push(res.ack.ackMs);
      if (c.answer) answers.push(performance.now() - t0);
    };
    for (let i = 0; i < (c.warmups ?? 10); i++) await run(false);
    for (let i = 0; i < count; i++) await run(true);
    const p50 = percentile(acks, 50);
    const p99 = percentile(acks, 99);
    log(
      `${c.label} (${mode}): ${acks.length} acks, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ${failed} not acked`,
    );
    const name = `${c.label}: ack (${mode === 'http' ? 'HTTP' : 'Socket Mode'})`;
    const figures: Figure[] = [
      { name: `${name} p50`, value: p50, unit: 'ms' },
      {
        name: `${name} p99`,
        value: p99,
        unit: 'ms',
        ...(c.ackP99Ms !== undefined && {
          goal: `< ${c.ackP99Ms} ms`,
          pass: p99 < c.ackP99Ms && failed === 0,
        }),
        ...(failed > 0 && {
          note: `${failed} of ${count + (c.warmups ?? 10)} commands were not acked in Slack's 3 s`,
        }),
      },
    ];
    if (c.answer) {
      const a99 = percentile(answers, 99);
      log(
        `${c.label} (${mode}): ${answers.length} answers, p50 ${percentile(answers, 50).toFixed(0)} ms, p99 ${a99.toFixed(0)} ms`,
      );
      figures.push({
        name: `${c.label}: full answer (${mode === 'http' ? 'HTTP' : 'Socket Mode'}) p50`,
        value: percentile(answers, 50),
        unit: 'ms',
      });
      figures.push({
        name: `${c.label}: full answer (${mode === 'http' ? 'HTTP' : 'Socket Mode'}) p99`,
        value: a99,
        unit: 'ms',
        goal: `< ${c.answer.goalMs} ms`,
        pass: a99 < c.answer.goalMs,
      });
    }
    return figures;
  } finally {
    await booted.close();
  }
}

/**
 * Slash-command latency through the local Slack, as a user sees it: the bot built by
 * createBotApp, in HTTP mode (signed form posts to /slack/events) and in Socket Mode, one
 * command after another. Bolt alone acks in p50 1.7 ms / p99 9.5 ms here (perf-notes.md).
 */
export const slackAckScenario: BenchScenario = {
  name: 'slack-ack',
  needs: ['redis'],
  async run({ quick, log }): Promise<Figure[]> {
    const count = quick ? 60 : 300;
    const figures: Figure[] = [];
    for (const c of ACK_CASES) {
      if (c.pending) {
        figures.push(notMeasured(`${c.label}: ack p99`, 'ms', c.pending, `< ${c.ackP99Ms ?? 100} ms`));
        if (c.answer) {
          figures.push(
            notMeasured(`${c.label}: full answer p99`, 'ms', c.pending, `< ${c.answer.goalMs} ms`),
          );
        }
        continue;
      }
      for (const mode of ['http', 'socket'] as const)
        figures.push(...(await measureCommand(mode, c, count, log)));
    }
    return figures;
  },
};
