import { LogLevel, WebClient } from '@slack/web-api';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import { type IngestToken, readIngestTokens } from '../config/ingest-tokens.js';
import type { Inventory } from '../config/inventory.js';
import { formatInventoryError } from '../config/inventory-error.js';
import type { Logger } from '../log/logger.js';
import { NOTIFY_QUEUE, notifyPrefix } from '../notifiers/notify-jobs.js';
import { NotifyProducer } from '../notifiers/notify-producer.js';
import { ChannelPacer } from '../notifiers/slack/channel-pacer.js';
import { SlackChannelClient } from '../notifiers/slack/slack-channel-client.js';
import { SlackNotifier, type StormOptions } from '../notifiers/slack/slack-notifier.js';
import { WebhookNotifier } from '../notifiers/webhook/webhook-notifier.js';
import { JobProducer } from '../queues/job-producer.js';
import { createRedis, describeRedis } from '../redis/create-redis.js';
import { EventStore } from '../store/event-store.js';
import { IncidentStore } from '../store/incident-store.js';
import { Keys } from '../store/keys.js';
import { NotificationStore } from '../store/notification-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { startNotifyWorker } from '../workers/notify-worker.js';
import { type AutoJobs, AutoRemediation } from './auto-remediation.js';
import { EventProcessor, type IncidentHook } from './event-processor.js';
import { defaultFloodThrottleOptions, FloodThrottle, type FloodThrottleOptions } from './flood-throttle.js';
import { createIngestHandler, type IngestHandler } from './ingest-handler.js';
import { type IngestServer, serveIngest } from './ingest-server.js';
import type { MonDepends } from './normalize/normalize-context.js';

export interface AlertPipelineOptions {
  env: Env;
  inventory: Inventory | (() => Inventory);
  logger: Logger;
  /** Redis key prefix (tests use a fresh one); the notify queue's keys go under PREFIX:{notify}. */
  keys?: Keys;
  /** Serve the ingest on a plain HTTP server (env.PORT unless `port`); false when the bot mounts `handler`. */
  serve?: boolean;
  port?: number;
  host?: string;
  /** The Web API client; by default one for SLACK_BOT_TOKEN at SLACK_API_URL. */
  slackClient?: WebClient;
  /** Per-channel pace of Slack writes, ms between writes (0: off; Slack's Retry-After still holds). */
  paceMs?: number;
  storm?: StormOptions;
  webhooks?: string[];
  webhookSecret?: string;
  throttle?: FloodThrottleOptions | false;
  /**
   * The tokens the ingest accepts; by default INGEST_TOKEN and the inventory's ingest.tokens,
   * read at start (a process that serves no hooks, the worker, passes []).
   */
  ingestTokens?: readonly IngestToken[];
  monDepends?: MonDepends;
  /** Run the notify worker in this process (default true; `lvs-chatops worker` processes may run it instead). */
  worker?: boolean;
  workerConcurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Run the event processor in this process (default true). */
  processor?: boolean;
  claimIdleMs?: number;
  /**
   * Where automatic remediation queues its jobs (policy.auto): by default a JobProducer of
   * src/queues on this Redis; false turns it off.
   */
  jobs?: AutoJobs | false;
  /** More to do after each event is part of an incident. */
  hooks?: (parts: PipelineParts) => IncidentHook[];
}

/** What the pipeline built, for hooks and the bot to share. */
export interface PipelineParts {
  keys: Keys;
  /** A general connection (subscriptions, notification state, queue producers). */
  redis: Redis;
  events: EventStore;
  incidents: IncidentStore;
  subscriptions: SubscriptionStore;
  notifications: NotificationStore;
  producer: NotifyProducer;
  queue: Queue;
  /** The remediation job producer automatic actions go through (undefined when turned off). */
  jobs?: AutoJobs;
}

export interface AlertPipeline extends PipelineParts {
  /** Mount in Bolt's HTTPReceiver: `customRoutes: pipeline.handler.routes`. */
  handler: IngestHandler;
  server?: IngestServer;
  processor?: EventProcessor;
  worker?: Worker;
  close(): Promise<void>;
}

/**
 * The alert path without the Slack app: the ingest (HTTP), the event processor (stream →
 * incidents → notification jobs) and the notify worker (jobs → Slack, webhooks), over one
 * Redis. The bot mounts `handler.routes` in Bolt and starts this with `serve: false`.
 * This file is the one place in ingest that wires notifiers and workers in: a composition
 * root, like the CLI.
 */
export async function startAlertPipeline(opts: AlertPipelineOptions): Promise<AlertPipeline> {
  const { env, logger } = opts;
  const tokens = opts.ingestTokens ?? ingestTokensOf(env, opts.inventory);
  const keys = opts.keys ?? new Keys();
  const url = describeRedis(env);
  // The ingest answers 503 at once when Redis is down (the sender spools), never waits.
  const ingestRedis = createRedis(env, 'ingest');
  const redis = createRedis(env, 'command');
  const streamRedis = createRedis(env, 'blocking');
  // Events about different services apply in parallel, each connection one at a time (WATCH).
  const incidentRedis = Array.from({ length: 4 }, () => createRedis(env, 'command'));
  const workerRedis = createRedis(env, 'blocking');
  const connections = [ingestRedis, redis, streamRedis, ...incidentRedis, workerRedis];
  ingestRedis.on('error', (e) => logger.warn({ err: e.message }, 'ingest: Redis connection error'));
  for (const c of connections.slice(1))
    c.on('error', (e) => logger.warn({ err: e.message }, 'Redis connection error'));

  // Without an offline queue, commands sent before the first connection fail: wait for it.
  if (ingestRedis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      ingestRedis.once('ready', () => resolve());
      ingestRedis.once('end', () => reject(new Error(`cannot reach Redis at ${url}`)));
    });
  }
  const bullPrefix = notifyPrefix(keys.prefix);
  const incidents = new IncidentStore(redis, keys, undefined, incidentRedis);
  const subscriptions = new SubscriptionStore(redis, keys);
  const notifications = new NotificationStore(redis, keys);
  const queue = new Queue(NOTIFY_QUEUE, { connection: workerRedis, prefix: bullPrefix });
  // A lost connection is logged by the connection's own listener; unheard, BullMQ prints a raw stack.
  queue.on('error', () => undefined);
  const producer = new NotifyProducer(queue, notifications, {
    ...(opts.webhooks && { webhooks: opts.webhooks }),
    ...(opts.storm && { stormWindowMs: opts.storm.windowMs, storm: opts.storm }),
  });
  const parts: PipelineParts = {
    keys,
    redis,
    events: new EventStore(redis, keys),
    incidents,
    subscriptions,
    notifications,
    producer,
    queue,
  };

  const throttle =
    opts.throttle === false ? false : new FloodThrottle({ ...defaultFloodThrottleOptions, ...opts.throttle });
  const handler = createIngestHandler({
    redis: ingestRedis,
    keys,
    events: new EventStore(ingestRedis, keys),
    incidents: new IncidentStore(ingestRedis, keys),
    inventory: opts.inventory,
    tokens,
    logger,
    throttle,
    ...(opts.monDepends && { monDepends: opts.monDepends }),
  });

  let ownJobs: JobProducer | undefined;
  if (opts.jobs === undefined) {
    ownJobs = new JobProducer({ redis, inventory: opts.inventory, prefix: keys.prefix });
    parts.jobs = ownJobs;
  } else if (opts.jobs !== false) {
    parts.jobs = opts.jobs;
  }

  let processor: EventProcessor | undefined;
  if (opts.processor !== false) {
    const hooks: IncidentHook[] = [];
    if (parts.jobs) {
      hooks.push(
        new AutoRemediation({
          jobs: parts.jobs,
          inventory: opts.inventory,
          redis,
          keys,
          events: parts.events,
          logger,
        }),
      );
    }
    hooks.push(...(opts.hooks?.(parts) ?? []));
    processor = new EventProcessor({
      events: new EventStore(streamRedis, keys),
      incidents,
      subscriptions,
      inventory: opts.inventory,
      notify: producer,
      hooks,
      logger,
      ...(opts.claimIdleMs !== undefined && { claimIdleMs: opts.claimIdleMs }),
    });
    await processor.start();
  }

  let worker: Worker | undefined;
  if (opts.worker !== false) {
    const client = opts.slackClient ?? slackClientFor(env);
    const slack = new SlackNotifier({
      slack: new SlackChannelClient(
        client,
        new ChannelPacer(redis, keys, opts.paceMs ?? 1100),
        notifications,
      ),
      incidents,
      store: notifications,
      requestDigest: (cluster, channel) => producer.digestChanged(cluster, channel),
      ...(opts.storm && { storm: opts.storm }),
    });
    const webhook = new WebhookNotifier({
      incidents,
      store: notifications,
      ...(opts.webhookSecret && { secret: opts.webhookSecret }),
    });
    worker = startNotifyWorker({
      connection: workerRedis,
      prefix: bullPrefix,
      slack,
      webhook,
      store: notifications,
      logger,
      ...(opts.workerConcurrency !== undefined && { concurrency: opts.workerConcurrency }),
      ...(opts.lockDurationMs !== undefined && { lockDurationMs: opts.lockDurationMs }),
      ...(opts.stalledIntervalMs !== undefined && { stalledIntervalMs: opts.stalledIntervalMs }),
    });
  }

  let server: IngestServer | undefined;
  if (opts.serve !== false) {
    server = await serveIngest(handler, {
      port: opts.port ?? env.PORT,
      ...(opts.host && { host: opts.host }),
    });
  }

  return {
    ...parts,
    handler,
    ...(server && { server }),
    ...(processor && { processor }),
    ...(worker && { worker }),
    async close() {
      await server?.close();
      await processor?.stop();
      await worker?.close();
      await queue.close();
      await ownJobs?.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** INGEST_TOKEN and the inventory's tokens, or an error naming each one that cannot be read. */
function ingestTokensOf(env: Env, inventory: Inventory | (() => Inventory)): IngestToken[] {
  const read = readIngestTokens(typeof inventory === 'function' ? inventory() : inventory, {
    shared: env.INGEST_TOKEN,
    vars: env.ingestTokenVars,
  });
  if (read.ok) return read.value;
  throw new Error(
    `the ingest tokens cannot be read:\n${read.error.map((e) => `  ${formatInventoryError(e)}`).join('\n')}`,
  );
}

/** The WebClient the notifier needs: no retries of its own (the job owns them), 429s thrown at once. */
export function slackClientFor(env: Env): WebClient {
  if (!env.SLACK_BOT_TOKEN) {
    throw new Error('SLACK_BOT_TOKEN is not set: the notifier posts as the bot; set it (xoxb-…)');
  }
  return new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
}
