import { registerBuildActions } from '../../src/bot/build/index.js';
import { createBotApp } from '../../src/bot/create-bot-app.js';
import type { BuildOptions } from '../../src/build/steps/index.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import type { SshExecutor } from '../../src/ssh/index.js';
import { BuildProgressStore } from '../../src/store/build-progress.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { userRateLimit } from '../../src/store/user-rate-limit.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import type { testRedis } from './redis.js';

export interface BuildBot {
  progress: BuildProgressStore;
  jobs: JobProducer;
  /** Stops the bot, the worker and the producer (not the local Slack, the executor or Redis). */
  close(): Promise<void>;
}

/**
 * The bot with the guided build's actions, as `lvs-chatops bot` wires them, on a local Slack:
 * a Bolt app in HTTP mode on a free port (the local Slack delivers to it), the real job
 * producer, and (`worker`) a real playbook worker for Apply's build-step jobs.
 */
export async function startBuildBot(opts: {
  slack: LocalSlack;
  signingSecret: string;
  botToken: string;
  inventory: Inventory;
  redis: ReturnType<typeof testRedis>;
  runner: SshExecutor;
  worker?: boolean;
  /** Slash commands and clicks a user may send per minute. */
  perUserPerMinute?: number;
  options?: () => BuildOptions;
  checkTimeoutMs?: number;
}): Promise<BuildBot> {
  const { slack, inventory, redis, runner } = opts;
  const logger = createLogger({ level: 'silent' });
  const keys = new Keys(redis.prefix);
  const extra: NonNullable<Parameters<typeof createBotApp>[0]['services']['extra']> = {};
  const bot = createBotApp({
    env: readEnv({
      SLACK_BOT_TOKEN: opts.botToken,
      SLACK_SIGNING_SECRET: opts.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LOG_LEVEL: 'silent',
    }),
    logger,
    services: {
      inventory,
      subscriptions: new SubscriptionStore(redis.redis, keys),
      incidents: new IncidentStore(redis.redis, keys),
      allow: userRateLimit(redis.redis, {
        prefix: redis.prefix,
        max: opts.perUserPerMinute ?? 100,
        windowSeconds: 60,
      }),
      logger,
      extra,
    },
  });
  const jobs = new JobProducer({ redis: redis.redis, inventory, prefix: redis.prefix });
  const worker = opts.worker
    ? await PlaybookWorker.start({
        connect: redis.connect,
        inventory,
        logger,
        prefix: redis.prefix,
        runner,
        name: 'build-test-worker',
      })
    : undefined;
  const progress = new BuildProgressStore(redis.redis, redis.prefix);
  extra.build = registerBuildActions(bot.app, {
    inventory,
    progress,
    runner,
    jobs,
    logger,
    ...(opts.options && { options: opts.options }),
    ...(opts.checkTimeoutMs !== undefined && { checkTimeoutMs: opts.checkTimeoutMs }),
  });
  const port = await bot.start();
  slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
  return {
    progress,
    jobs,
    async close() {
      await bot.stop();
      await worker?.close(5_000);
      await jobs.close();
    },
  };
}
