import type { Escalations } from '../../bot/escalation/escalations.js';
import { incidentHooks } from '../../bot/incident-hooks.js';
import { parseDuration } from '../../core/duration.js';
import { startAlertPipeline } from '../../ingest/alert-pipeline.js';
import { createLogger } from '../../log/logger.js';
import { createRedis, describeRedis } from '../../redis/create-redis.js';
import { SshExecutor } from '../../ssh/index.js';
import { STATUS_SSH_IDLE_MS, startStatusWorker } from '../../status/status-queue.js';
import { EventStore } from '../../store/event-store.js';
import { Keys } from '../../store/keys.js';
import { PlaybookWorker } from '../../workers/playbook-worker.js';
import { loadCliInventory, readCliEnv } from '../cli-setup.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops worker [--concurrency N] [--shutdown-grace DURATION] [--event-processor]

Runs remediation jobs from Redis: playbooks (remove, restore, reweight, drain, failback,
remount, save rules) over SSH against the inventory's hosts, with their dry runs for the
approval messages; the live reads of the directors behind /lvs status; and, when
SLACK_BOT_TOKEN is set, the Slack notifications of incidents. Run as many workers as you like: table changes of one cluster run one at
a time across all of them, in the order they were queued.

Options:
  --concurrency N            dry runs and remounts at once in this process (default 4);
                             table changes are always one at a time per cluster
  --shutdown-grace DURATION  on SIGTERM or SIGINT, how long a command in hand may take to
                             finish before it is aborted and its job handed back to another
                             worker (default 30s; a second signal aborts at once)
  --event-processor          also turn stored alerts into incidents here (and schedule their
                             escalation); every bot and worker that runs it shares the work.
                             With 'lvs-chatops bot --no-event-processor', the bot's core is
                             left to the ingest and Slack

Environment (docs/interfaces.md): LVS_INVENTORY, REDIS_URL, LOG_LEVEL, and SLACK_BOT_TOKEN and
SLACK_API_URL for the notifications.
Exit codes: 0 after a clean shutdown, 1 when the inventory or Redis is not usable, 2 usage error.`;

class UsageError extends Error {}

interface WorkerOptions {
  concurrency: number;
  graceMs: number;
  eventProcessor: boolean;
}

function options(args: string[]): WorkerOptions {
  let concurrency = 4;
  let graceMs = 30_000;
  let eventProcessor = false;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--concurrency') {
      const v = value();
      if (!/^[1-9][0-9]{0,2}$/.test(v))
        throw new UsageError(`--concurrency takes a whole number from 1 to 999, got '${v}'`);
      concurrency = Number(v);
    } else if (flag === '--shutdown-grace') {
      const parsed = parseDuration(value());
      if (!parsed.ok) throw new UsageError(`--shutdown-grace: ${parsed.error.message}`);
      graceMs = parsed.value;
    } else if (flag === '--event-processor' && inline === undefined) {
      eventProcessor = true;
    } else {
      throw new UsageError(`unknown option '${flag}'`);
    }
  }
  return { concurrency, graceMs, eventProcessor };
}

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'a BullMQ worker that runs playbooks over SSH (run several)',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    let opts: WorkerOptions;
    try {
      opts = options(args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`lvs-chatops worker: ${error.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const env = readCliEnv('worker', io);
    if (!env) return EXIT_FAILURE;
    const inventory = await loadCliInventory('worker', io, env.LVS_INVENTORY);
    if (!inventory) return EXIT_FAILURE;
    const logger = createLogger({ level: env.LOG_LEVEL, name: 'lvs-chatops-worker' });
    const connect = () => {
      const redis = createRedis(env, 'blocking');
      redis.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
      return redis;
    };
    const eventsRedis = connect();
    try {
      await eventsRedis.ping();
    } catch (error) {
      eventsRedis.disconnect();
      io.err(
        `lvs-chatops worker: Redis at ${describeRedis(env)} does not answer (${(error as Error).message}); check REDIS_URL`,
      );
      return EXIT_FAILURE;
    }
    const worker = await PlaybookWorker.start({
      connect,
      inventory,
      logger,
      concurrency: opts.concurrency,
      shutdownGraceMs: opts.graceMs,
      events: new EventStore(eventsRedis, new Keys()),
    });
    const statusSsh = new SshExecutor({ logger, idleTimeoutMs: STATUS_SSH_IDLE_MS });
    const statusRedis = connect();
    const status = startStatusWorker({
      connection: statusRedis,
      inventory,
      runner: statusSsh,
      logger,
    });
    // The alert pipeline without its ingest (the ingest token is the bot's concern, not used
    // here): the notify worker, and with --event-processor the event processor with the
    // bot's incident hooks (automatic jobs, escalation, silences ended on resolve).
    let escalations: Escalations | undefined;
    const notify =
      env.SLACK_BOT_TOKEN || opts.eventProcessor
        ? await startAlertPipeline({
            env,
            ingestTokens: [],
            inventory,
            logger,
            serve: false,
            processor: opts.eventProcessor,
            worker: Boolean(env.SLACK_BOT_TOKEN),
            ...(!opts.eventProcessor && { jobs: false as const }),
            hooks: (parts) => {
              const made = incidentHooks(parts, {
                env,
                inventory,
                logger,
                fireEscalations: Boolean(env.SLACK_BOT_TOKEN),
              });
              escalations = made.escalations;
              return made.hooks;
            },
          })
        : undefined;
    if (!env.SLACK_BOT_TOKEN)
      logger.warn('SLACK_BOT_TOKEN is not set: this worker sends no Slack notifications');
    await escalations
      ?.sweep()
      .then((n) => n > 0 && logger.info({ open: n }, 'escalation scheduled for the open incidents'))
      .catch((err: Error) =>
        logger.warn({ err: err.message }, 'escalation sweep failed; new events schedule it'),
      );
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        logger.info(
          { signal },
          signals === 1 ? 'shutting down' : 'second signal: aborting the jobs in hand now',
        );
        if (signals === 1) void worker.close(opts.graceMs).then(resolve);
        else worker.hurry();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      logger.info(
        { notifications: Boolean(env.SLACK_BOT_TOKEN), eventProcessor: opts.eventProcessor },
        'worker ready',
      );
    });
    // The status reads and notifications hold nothing that is lost by stopping (their jobs
    // stay in Redis): give them a moment, never longer.
    await Promise.race([
      Promise.all([
        status.close(),
        // The event processor first: it schedules escalations until it stops.
        notify?.close().then(() => escalations?.close()),
        statusSsh.close(),
      ]).catch(() => undefined),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    // BullMQ leaves a connection it was given open: close ours, or the process stays up.
    statusRedis.disconnect();
    await eventsRedis.quit().catch(() => eventsRedis.disconnect());
    // A handle some library left open must not keep a stopped worker alive.
    setTimeout(() => process.exit(EXIT_OK), 2000).unref();
    return EXIT_OK;
  },
};
