import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Inventory } from '../config/inventory.js';
import type { Logger } from '../log/logger.js';
import { setDisabledInMon } from '../mon/connect-mon.js';
import { bullPrefix } from '../queues/queue-names.js';
import { SILENCE_QUEUE, silenceEndJobSchema } from '../queues/silence-queue.js';
import type { EventStore } from '../store/event-store.js';
import type { IncidentStore } from '../store/incident-store.js';
import { finishSilence, type SilenceStore } from '../store/silence-store.js';

export interface SilenceWorkerOptions {
  /** A connection made with `maxRetriesPerRequest: null` (BullMQ blocks on it). */
  connection: Redis;
  /** The project's key prefix (`lvs`; tests use their own). */
  prefix?: string;
  inventory: Inventory | (() => Inventory);
  silences: SilenceStore;
  incidents: IncidentStore;
  events: EventStore;
  logger: Logger;
  monTimeoutMs?: number;
}

/**
 * Ends silences when their time is up: tells mon `enable service` (or `enable watch`), then
 * removes the silence and updates its incidents' messages. It runs in the bot process, which
 * already talks to mon's client port (acks) and holds the event stream; the job itself lives
 * in Redis, so a restart of the bot only delays an end, and any bot process may run it. An
 * unreachable mon is retried with backoff; the silence stays shown until mon is told.
 */
export function startSilenceWorker(opts: SilenceWorkerOptions): Worker {
  const log = opts.logger;
  const inventory = () => (typeof opts.inventory === 'function' ? opts.inventory() : opts.inventory);
  const process = async (job: Job): Promise<string> => {
    const parsed = silenceEndJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad silence job: ${parsed.error.message}`);
    const { cluster: name, target, at } = parsed.data;
    const silence = await opts.silences.get(name, target);
    if (!silence || silence.at !== at) return `${target}: already ended or replaced`;
    const cluster = inventory().clusters.find((c) => c.name === name);
    if (silence.heldBy === 'ack') {
      // An ack ends in mon by itself when the service recovers; mon cannot take one back.
      await finishSilence(opts, silence, 'expired');
      log.info({ cluster: name, target }, 'silence ended (mon keeps its ack until the service recovers)');
      return `${target}: ended`;
    }
    if (cluster?.mon) {
      const reply = await setDisabledInMon(cluster.mon, silence, false, opts.monTimeoutMs);
      if (!reply.status.ok) {
        // mon no longer knows the group or service (its config changed): nothing stays disabled.
        log.warn({ cluster: name, target, mon: reply.status.text }, 'silence end: mon refused the enable');
      }
    } else {
      log.warn({ cluster: name, target }, 'silence end: the cluster has no mon in the inventory any more');
    }
    await finishSilence(opts, silence, 'expired');
    log.info({ cluster: name, target }, 'silence ended: mon enabled the service again');
    return `${target}: enabled`;
  };
  const worker = new Worker(SILENCE_QUEUE, process, {
    connection: opts.connection,
    prefix: bullPrefix(opts.prefix ?? 'lvs'),
    concurrency: 4,
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) {
      log.error(
        { job: job.id, data: job.data, err: err.message },
        'silence end failed for good: enable it in mon by hand (moncmd "enable service GROUP SERVICE")',
      );
    } else {
      log.warn({ job: job.id, err: err.message }, 'silence end failed; retrying with backoff');
    }
  });
  worker.on('error', (err) => log.warn({ err: err.message }, 'silence worker error'));
  return worker;
}
