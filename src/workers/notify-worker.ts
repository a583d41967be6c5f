import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ZodError } from 'zod';
import type { Logger } from '../log/logger.js';
import { ChannelBusyError } from '../notifiers/errors/channel-busy-error.js';
import { NotifyRefusedError } from '../notifiers/errors/notify-refused-error.js';
import {
  digestJobSchema,
  incidentJobSchema,
  NOTIFY_JOB_NAMES,
  NOTIFY_QUEUE,
  webhookJobSchema,
} from '../notifiers/notify-jobs.js';
import type { SlackNotifier } from '../notifiers/slack/slack-notifier.js';
import type { WebhookNotifier } from '../notifiers/webhook/webhook-notifier.js';
import type { NotificationStore } from '../store/notification-store.js';

export interface NotifyWorkerOptions {
  /** A connection made with `maxRetriesPerRequest: null` (BullMQ blocks on it). */
  connection: Redis;
  /** BullMQ's key prefix (the producer's queue must use the same). */
  prefix: string;
  slack: SlackNotifier;
  webhook?: WebhookNotifier;
  store: NotificationStore;
  logger: Logger;
  /** Jobs at once in this process: different channels proceed in parallel. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal (a dead worker's job is taken over after it). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/**
 * The BullMQ worker of the `notify` queue. Pending notifications live in Redis, so they
 * survive a restart; a job that finds its channel paced or rate-limited is moved back to
 * delayed (no attempt used) and the worker goes on with other channels; 5xx and timeouts are
 * retried with backoff; a refusal (unknown channel, bad blocks) fails the job at once.
 */
export function startNotifyWorker(opts: NotifyWorkerOptions): Worker {
  const log = opts.logger;
  const process = async (job: Job, token?: string): Promise<string> => {
    try {
      switch (job.name) {
        case NOTIFY_JOB_NAMES.incident:
          return await opts.slack.deliverIncident(incidentJobSchema.parse(job.data));
        case NOTIFY_JOB_NAMES.digest:
          return await opts.slack.refreshDigest(digestJobSchema.parse(job.data));
        case NOTIFY_JOB_NAMES.webhook:
          if (!opts.webhook) throw new UnrecoverableError('no webhook notifier in this worker');
          return await opts.webhook.deliver(webhookJobSchema.parse(job.data));
        default:
          throw new UnrecoverableError(`unknown notify job ${job.name}`);
      }
    } catch (error) {
      if (error instanceof ChannelBusyError) {
        // Spread the wake-ups of jobs waiting for the same channel.
        const jitter = Math.floor(Math.random() * 150);
        await job.moveToDelayed(Date.now() + error.waitMs + jitter, token);
        throw new DelayedError();
      }
      if (error instanceof NotifyRefusedError || error instanceof ZodError) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  };
  const worker = new Worker(NOTIFY_QUEUE, process, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 16,
    ...(opts.lockDurationMs !== undefined && { lockDuration: opts.lockDurationMs }),
    ...(opts.stalledIntervalMs !== undefined && { stalledInterval: opts.stalledIntervalMs }),
    // A stalled notification is safe to run again: delivery is idempotent.
    maxStalledCount: 10,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const target = job.name === NOTIFY_JOB_NAMES.webhook ? 'webhook' : 'slack';
    if (final) {
      void opts.store.count(`failed:${target}`).catch(() => undefined);
      log.error({ job: job.name, data: job.data, err: error.message }, 'notify: gave up on a notification');
    } else {
      log.warn(
        { job: job.name, data: job.data, err: error.message, attempt: job.attemptsMade },
        'notify: will retry',
      );
    }
  });
  worker.on('error', (error) => log.error({ err: error }, 'notify worker error'));
  return worker;
}
