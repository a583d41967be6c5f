import type { Redis } from 'ioredis';
import { startBot } from '../bot/start-bot.js';
import type { Env } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import type { Logger } from '../log/logger.js';
import type { Keys } from '../store/keys.js';
import { SubscriptionStore } from '../store/subscription-store.js';

/**
 * The bot as `lvs-chatops bot` runs it (`startBot`: the Slack app in HTTP mode, the alert
 * ingest beside /slack/events on PORT, the event processor, approvals, status and jobs), plus
 * the notify worker in the same process, with its state under the demo's key prefix; it
 * listens on 127.0.0.1 only.
 */
export async function startDemoBot(opts: {
  env: Env;
  inventory: Inventory;
  keys: Keys;
  redis: Redis;
  logger: Logger;
}): Promise<{ port: number; subscriptions: SubscriptionStore; close(): Promise<void> }> {
  const bot = await startBot({
    env: opts.env,
    inventory: opts.inventory,
    logger: opts.logger,
    keys: opts.keys,
    notifyWorker: true,
    // Only this machine: Slack is the local one, and the lab's mon reaches the ingest through
    // the relay on the lab's front address (ingest-relay.ts).
    host: '127.0.0.1',
  });
  return {
    port: bot.port,
    subscriptions: new SubscriptionStore(opts.redis, opts.keys),
    close: () => bot.close(),
  };
}
