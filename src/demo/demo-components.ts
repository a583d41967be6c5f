import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import type { Logger } from '../log/logger.js';
import { SshExecutor } from '../ssh/ssh-executor.js';
import { startStatusWorker } from '../status/status-queue.js';
import { EventStore } from '../store/event-store.js';
import type { Keys } from '../store/keys.js';
import { PlaybookWorker } from '../workers/playbook-worker.js';

/** What every component of the demo is given: one Redis, one key prefix, the local Slack's settings. */
export interface DemoContext {
  /** REDIS_URL, SLACK_BOT_TOKEN, SLACK_API_URL (the local Slack), INGEST_TOKEN, LOG_LEVEL. */
  env: Env;
  inventory: Inventory;
  keys: Keys;
  logger: Logger;
  /** Opens a Redis connection (closed by the component that opened it). */
  connect: () => Redis;
}

export interface RunningComponent {
  /** One line for the start-up output (`alert ingest on http://10.210.0.254:40123/hooks/*`). */
  describe: string;
  stop(): Promise<void>;
}

/**
 * A part of lvs-chatops the demo runs beside the bot (which serves the alert ingest and runs
 * the event processor and the notifier) and the local Slack. The demo starts
 * every entry of DEMO_COMPONENTS in order and stops them in reverse; a new part of the product
 * (say, an escalation timer process) joins the demo by adding an entry here.
 */
export interface DemoComponent {
  name: string;
  start(ctx: DemoContext): Promise<RunningComponent>;
}

/** Remediation jobs (drain, remove, restore, failback…) over SSH to the lab's hosts. */
const playbookWorker: DemoComponent = {
  name: 'playbook worker',
  async start(ctx) {
    const events = ctx.connect();
    const worker = await PlaybookWorker.start({
      connect: ctx.connect,
      inventory: ctx.inventory,
      logger: ctx.logger,
      prefix: ctx.keys.prefix,
      events: new EventStore(events, ctx.keys),
      name: 'demo-worker',
      shutdownGraceMs: 5000,
    });
    return {
      describe: 'a playbook worker (remediation jobs over SSH)',
      async stop() {
        await worker.close(5000);
        await events.quit().catch(() => events.disconnect());
      },
    };
  },
};

/** `/lvs status`: reads every director over SSH (heartbeat, VIPs, IPVS table) for the bot. */
const statusWorker: DemoComponent = {
  name: 'status worker',
  async start(ctx) {
    const connection = ctx.connect();
    const executor = new SshExecutor({ logger: ctx.logger });
    const worker = startStatusWorker({
      connection,
      inventory: ctx.inventory,
      runner: executor,
      logger: ctx.logger,
      prefix: ctx.keys.prefix,
    });
    return {
      describe: 'a status worker (/lvs status reads the directors over SSH)',
      async stop() {
        await worker.close();
        await executor.close();
      },
    };
  },
};

export const DEMO_COMPONENTS: DemoComponent[] = [playbookWorker, statusWorker];
