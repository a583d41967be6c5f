import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { bullPrefix } from './queue-names.js';

/** The delayed jobs that end mon silences (enable the service or watch again). */
export const SILENCE_QUEUE = 'silences';

export const silenceEndJobSchema = z.object({
  cluster: z.string().min(1),
  target: z.string().min(1),
  /** When the silence started: the job ends that silence only, not a later one of the same target. */
  at: z.number().int().nonnegative(),
});
export type SilenceEndJob = z.infer<typeof silenceEndJobSchema>;

/** One job per silence (BullMQ ids may not contain ':'). */
export function silenceEndJobId(job: SilenceEndJob): string {
  return `silence-end-${job.cluster}-${job.target.replace(/:/g, '+')}-${job.at}`;
}

export interface SilenceSchedulerOptions {
  /** A plain connection (BullMQ's Queue does not block on it). */
  connection: Redis;
  /** The project's key prefix (`lvs`; tests use their own). */
  prefix?: string;
}

/**
 * Schedules the end of each silence as a delayed BullMQ job in Redis: a restart of the bot
 * forgets nothing, and with several bot processes exactly one runs each end.
 */
export class SilenceScheduler {
  readonly queue: Queue;

  constructor(opts: SilenceSchedulerOptions) {
    this.queue = new Queue(SILENCE_QUEUE, {
      connection: opts.connection,
      prefix: bullPrefix(opts.prefix ?? 'lvs'),
    });
  }

  async schedule(silence: SilenceEndJob & { until: number }, now = Date.now()): Promise<string> {
    const data: SilenceEndJob = { cluster: silence.cluster, target: silence.target, at: silence.at };
    const job = await this.queue.add('end', data, {
      jobId: silenceEndJobId(data),
      delay: Math.max(0, silence.until - now),
      // mon may be down when the time is up: keep trying for about two hours, then say so in the log.
      attempts: 12,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { count: 200 },
      removeOnFail: { count: 200 },
    });
    return job.id ?? silenceEndJobId(data);
  }

  /** Drops the scheduled end of a silence that was ended early or replaced. */
  async cancel(silence: SilenceEndJob): Promise<void> {
    const job: Job | undefined = await this.queue.getJob(silenceEndJobId(silence));
    if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
