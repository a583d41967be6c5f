import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobProgress, jobProgressSchema } from './job-progress.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from './queue-names.js';

export interface JobWatcherOptions {
  /** Opens a connection of its own per queue (QueueEvents blocks on it). */
  connect: () => Redis;
  /** The project's Redis key prefix. Default `lvs`. */
  prefix?: string;
  /** The clusters whose change queues to watch (the tasks queue is always watched). */
  clusters: readonly string[];
  /** A running job reported progress (a drain's connections counting down, the step in hand). */
  onProgress?: (jobId: string, progress: JobProgress) => void;
  /** A job left the queue for good or for a retry: read its audit record (JobProducer.get) for what came of it. */
  onSettled?: (jobId: string) => void;
}

/**
 * Pushes job progress to the bot as it happens (BullMQ's QueueEvents, a Redis stream, so a
 * bot that reconnects misses nothing recent), for editing the Slack message of a job while it
 * runs. Polling `JobProducer.get` gives the same data without it.
 */
export class JobWatcher {
  private constructor(private readonly events: QueueEvents[]) {}

  static async start(opts: JobWatcherOptions): Promise<JobWatcher> {
    const prefix = bullPrefix(opts.prefix ?? 'lvs');
    const names = [TASKS_QUEUE, ...opts.clusters.map(changesQueueName)];
    const events = names.map((name) => {
      const qe = new QueueEvents(name, { connection: opts.connect(), prefix });
      qe.on('progress', ({ jobId, data }) => {
        const parsed = jobProgressSchema.safeParse(data);
        if (parsed.success) opts.onProgress?.(jobId, parsed.data);
      });
      qe.on('completed', ({ jobId }) => opts.onSettled?.(jobId));
      qe.on('failed', ({ jobId }) => opts.onSettled?.(jobId));
      return qe;
    });
    await Promise.all(events.map((e) => e.waitUntilReady()));
    return new JobWatcher(events);
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
  }
}
