import type { CustomRoute } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import { startAlertPipeline } from '../ingest/alert-pipeline.js';
import type { Logger } from '../log/logger.js';
import type { SlackMessage } from '../notifiers/slack/render-incident.js';
import { JobProducer } from '../queues/job-producer.js';
import { SilenceScheduler } from '../queues/silence-queue.js';
import { createRedis } from '../redis/create-redis.js';
import { SshExecutor } from '../ssh/index.js';
import { StatusRequester } from '../status/status-queue.js';
import { ApprovalStore } from '../store/approval-store.js';
import { BuildProgressStore } from '../store/build-progress.js';
import { FollowedJobs } from '../store/followed-jobs.js';
import type { Keys } from '../store/keys.js';
import { SilenceStore } from '../store/silence-store.js';
import { userRateLimit } from '../store/user-rate-limit.js';
import { startSilenceWorker } from '../workers/silence-worker.js';
import { ChangeRequests, type MessagePoster } from './approvals/change-requests.js';
import { registerBuildActions } from './build/register-build-actions.js';
import { incidentsHandler } from './commands/incidents.js';
import { jobsHandler } from './commands/jobs.js';
import { monDowntimeReader } from './commands/mon-downtime.js';
import { statusHandler } from './commands/status.js';
import { createBotApp } from './create-bot-app.js';
import type { Escalations } from './escalation/escalations.js';
import { registerIncidentActions } from './incident-actions.js';
import { incidentHooks } from './incident-hooks.js';

export interface StartBotOptions {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  keys?: Keys;
  /** Run the notify worker in the bot process too (a one-process setup, like the demo). */
  notifyWorker?: boolean;
  /**
   * Run the event processor (stored events → incidents, notifications, escalation) here
   * (default true); false leaves it to `lvs-chatops worker --event-processor` processes.
   */
  eventProcessor?: boolean;
  /** How jobs started from Slack are followed (ChangeRequests' defaults: 1 s looks, 15 s leases, 5 s sweeps). */
  follow?: { intervalMs?: number; leaseMs?: number; sweepMs?: number };
  /** The address the HTTP server listens on (default every address; the demo's is 127.0.0.1). */
  host?: string;
}

export interface RunningBot {
  port: number;
  close(): Promise<void>;
}

function poster(client: WebClient): MessagePoster {
  return {
    async post(channel: string, message: SlackMessage) {
      const res = await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks as never,
      });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    },
    async update(channel: string, ts: string, message: SlackMessage) {
      await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never });
    },
  };
}

/**
 * `lvs-chatops bot`: the Slack app and the alert ingest in one process. The ingest's routes
 * (/hooks/*, /healthz, /metrics) are served beside /slack/events (HTTP mode) or on PORT
 * (Socket Mode); the event processor turns stored events into incidents; slow work
 * (status reads, plans, runs) goes to workers through Redis.
 */
export async function startBot(opts: StartBotOptions): Promise<RunningBot> {
  const { env, inventory, logger } = opts;
  const prefix = opts.keys?.prefix ?? 'lvs';
  // Escalation is scheduled by the event processor's hook (each open incident) and fired by
  // the escalation worker of each process that runs the processor (this one, unless it is
  // left to `lvs-chatops worker --event-processor`); src/bot/escalation/escalations.ts says why BullMQ.
  let escalations: Escalations | undefined;
  let silences: SilenceStore | undefined;
  const pipeline = await startAlertPipeline({
    env,
    inventory,
    logger,
    serve: false,
    worker: opts.notifyWorker ?? false,
    processor: opts.eventProcessor ?? true,
    ...(opts.keys && { keys: opts.keys }),
    hooks: (parts) => {
      const made = incidentHooks(parts, { env, inventory, logger, fireEscalations: true });
      escalations = made.escalations;
      silences = made.silences;
      return made.hooks;
    },
  });
  const redis = pipeline.redis;
  const extra: Redis[] = [createRedis(env, 'blocking'), createRedis(env, 'blocking')];
  for (const c of extra) c.on('error', (e) => logger.warn({ err: e.message }, 'Redis connection error'));
  const jobs = new JobProducer({ redis, inventory, prefix });
  // Silences end by delayed jobs that this process runs (src/workers/silence-worker.ts says why).
  const silenceStore = silences ?? new SilenceStore(redis, prefix);
  const silenceScheduler = new SilenceScheduler({ connection: redis, prefix });
  // BullMQ does not close a connection it was given: it goes with `extra`, closed last.
  const silenceConnection = createRedis(env, 'blocking');
  silenceConnection.on('error', (e) => logger.warn({ err: e.message }, 'Redis connection error'));
  extra.push(silenceConnection);
  const silenceWorker = startSilenceWorker({
    connection: silenceConnection,
    prefix,
    inventory,
    silences: silenceStore,
    incidents: pipeline.incidents,
    events: pipeline.events,
    logger,
  });
  const status = new StatusRequester(extra[0]!, extra[1]!, { prefix });
  const approvals = new ApprovalStore(redis, prefix);

  // The approval messages are posted and edited with the bot token, as Bolt's own client does.
  const client = new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL });
  const changes = new ChangeRequests({
    jobs,
    approvals,
    poster: poster(client),
    logger,
    followed: new FollowedJobs(redis, prefix),
    ...(opts.follow?.intervalMs !== undefined && { followIntervalMs: opts.follow.intervalMs }),
    ...(opts.follow?.leaseMs !== undefined && { followLeaseMs: opts.follow.leaseMs }),
    ...(opts.follow?.sweepMs !== undefined && { followSweepMs: opts.follow.sweepMs }),
  });
  const change = changes.handler();
  // The guided build's checks read the hosts over SSH from the bot process (read-only probes);
  // its Apply is a build-step job, run by the workers like every other change.
  const buildSsh = new SshExecutor({ logger });
  const jobCommands = jobsHandler(jobs);
  const incidentCommands = incidentsHandler({
    recentJobs: (limit) => jobs.recent(limit),
    downtime: monDowntimeReader(inventory, buildSsh),
  });
  const bot = createBotApp({
    env,
    logger,
    ...(opts.host && { host: opts.host }),
    routes: pipeline.handler.routes as unknown as CustomRoute[],
    services: {
      inventory,
      subscriptions: pipeline.subscriptions,
      incidents: pipeline.incidents,
      allow: userRateLimit(redis, { prefix, max: 20, windowSeconds: 60 }),
      jobCluster: async (id) => (await jobs.get(id).catch(() => null))?.audit.cluster,
      logger,
      homeJobs: async () => {
        const recent = await jobs.recent(30);
        const byCluster = new Map<string, { id: string; text: string }[]>();
        for (const r of recent.filter((x) => x.kind === 'run').slice(0, 10)) {
          const list = byCluster.get(r.cluster) ?? [];
          list.push({ id: r.id, text: `${r.plan?.title ?? r.playbook}: ${r.status}` });
          byCluster.set(r.cluster, list);
        }
        return byCluster;
      },
      extra: {
        status: statusHandler(status, silenceStore),
        jobs: jobCommands,
        job: jobCommands,
        cancel: jobCommands,
        incidents: incidentCommands,
        incident: incidentCommands,
        drain: change,
        undrain: change,
        remove: change,
        restore: change,
        weight: change,
        failback: change,
        remount: change,
      },
    },
    register: (app, services) => {
      changes.register(app, services);
      registerIncidentActions(app, services, {
        events: pipeline.events,
        change,
        silences: silenceStore,
        scheduler: silenceScheduler,
        dm: async (user, text) => void (await client.chat.postMessage({ channel: user, text })),
        logger,
      });
      const s = services();
      const build = registerBuildActions(app, {
        inventory,
        progress: new BuildProgressStore(redis, prefix),
        runner: buildSsh,
        jobs,
        logger,
        members: s.members,
      });
      s.extra = { ...s.extra, build };
    },
  });
  const port = await bot.start();
  // Jobs started from Slack that no bot follows now (this one restarted, or another went away).
  await changes
    .resumeFollowing()
    .then((n) => n > 0 && logger.info({ jobs: n }, 'following jobs started before this bot'))
    .catch((err: Error) =>
      logger.warn({ err: err.message }, 'could not look for followed jobs; trying again shortly'),
    );
  await escalations
    ?.sweep()
    .then((n) => n > 0 && logger.info({ open: n }, 'escalation scheduled for the open incidents'))
    .catch((err: Error) =>
      logger.warn({ err: err.message }, 'escalation sweep failed; new events schedule it'),
    );
  return {
    port,
    async close() {
      await changes.close();
      await silenceWorker.close().catch(() => undefined);
      await silenceScheduler.close().catch(() => undefined);
      await buildSsh.close().catch(() => undefined);
      await bot.stop().catch(() => undefined);
      await status.close().catch(() => undefined);
      await jobs.close().catch(() => undefined);
      await escalations?.close();
      await pipeline.close();
      for (const c of extra) c.disconnect();
    },
  };
}
