import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import { HaLogFollower } from '../ingest/halog/halog-follower.js';
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
  /** Where the bot takes alerts (`http://127.0.0.1:PORT`), and the token it asks for. */
  ingest: { url: string; token: string };
  /** The lab's state directory, when the demo runs on a lab. */
  labStateDir?: string;
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

/**
 * What a real deployment runs on each director: `lvs-chatops follow-halog` on heartbeat's log,
 * so a failover and a failback reach the bot as events (mon sees neither). The lab keeps each
 * director's ha-log on this machine (`STATE/lbN/log/ha-log`); each follower starts at the end
 * of its log, so the lab's earlier history is not replayed as new.
 */
const haLogFollowers: DemoComponent = {
  name: 'ha-log followers',
  async start(ctx) {
    const stateDir = ctx.labStateDir;
    if (!stateDir) return { describe: 'no ha-log followers (no lab)', stop: async () => undefined };
    const followers = ctx.inventory.clusters.flatMap((cluster) =>
      cluster.directors.map((director) => {
        const file = join(stateDir, director.name, 'log', 'ha-log');
        const statePath = join(stateDir, `demo-follow-halog-${director.name}-${ctx.keys.prefix}.state`);
        let opened: () => void = () => undefined;
        const ready = new Promise<void>((resolve) => {
          opened = resolve;
        });
        const follower = new HaLogFollower({
          file,
          url: ctx.ingest.url,
          token: ctx.ingest.token,
          statePath,
          cluster: cluster.name,
          node: director.name,
          agent: 'lvs-chatops-demo',
          log: (line) => {
            if (line.startsWith('following ')) opened();
            ctx.logger.info({ director: director.name }, `ha-log follower: ${line}`);
          },
        });
        const running = follower.run().catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'STOPPED') {
            ctx.logger.warn({ err: error, director: director.name }, 'ha-log follower stopped');
          }
        });
        return { director: director.name, follower, ready, running, statePath };
      }),
    );
    // The demo is ready once every follower has its log open: a failover a moment later is seen.
    await Promise.race([
      Promise.all(followers.map((f) => f.ready)),
      new Promise((resolve) => setTimeout(resolve, 30_000).unref()),
    ]);
    return {
      describe: `ha-log followers on ${followers.map((f) => f.director).join(', ')} (failover and failback events)`,
      async stop() {
        for (const f of followers) f.follower.stop();
        await Promise.all(followers.map((f) => f.running));
        await Promise.all(followers.map((f) => rm(f.statePath, { force: true })));
      },
    };
  },
};

export const DEMO_COMPONENTS: DemoComponent[] = [playbookWorker, statusWorker, haLogFollowers];
