import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Inventory } from '../config/inventory.js';
import type { Logger } from '../log/logger.js';
import { directorReads } from '../playbooks/cluster-state.js';
import { Observed } from '../playbooks/observed.js';
import { bullPrefix } from '../queues/queue-names.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import { hostAccess } from '../workers/host-access.js';
import { readHosts } from '../workers/read-hosts.js';
import { buildStatusReport } from './build-status-report.js';
import { type StatusReport, statusReportSchema } from './status-report.js';

/** Reads of the directors for `/lvs status`: slow work (SSH), so a worker does it. */
export const STATUS_QUEUE = 'status';

/** Answers within this window share one read of the directors (a short cache). */
const CACHE_MS = 3000;

/**
 * How long the status worker keeps an idle SSH connection to a director. `/lvs status` comes
 * now and then, rarely within the executor's default minute: a new connection (handshake and
 * login) made each status on the lab's directors about 250 ms slower (p50 500 vs 260 ms at a
 * load of 12). An idle connection costs the director one sshd and a keepalive every 10 s.
 */
export const STATUS_SSH_IDLE_MS = 15 * 60_000;

export class StatusError extends Error {
  readonly code = 'STATUS_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'StatusError';
  }
}

/**
 * The bot's side: asks a worker for a cluster's status and waits for it. Several `/lvs status`
 * within a few seconds (and from several bot processes) share one job: the job id is the
 * cluster and the time bucket.
 */
export class StatusRequester {
  private readonly queue: Queue;
  private readonly events: QueueEvents;

  constructor(
    connection: Redis,
    eventsConnection: Redis,
    private readonly opts: { prefix?: string; timeoutMs?: number } = {},
  ) {
    const prefix = bullPrefix(opts.prefix ?? 'lvs');
    this.queue = new Queue(STATUS_QUEUE, { connection, prefix });
    this.events = new QueueEvents(STATUS_QUEUE, { connection: eventsConnection, prefix });
    // A lost connection is the connection's to report; unheard, BullMQ prints a raw stack.
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
  }

  async read(cluster: string): Promise<StatusReport> {
    await this.events.waitUntilReady();
    const bucket = Math.floor(Date.now() / CACHE_MS);
    const job = await this.queue.add(
      'status',
      { cluster },
      {
        jobId: `status-${cluster}-${bucket}`,
        removeOnComplete: { age: 60 },
        removeOnFail: { age: 60 },
        attempts: 1,
      },
    );
    try {
      const result = await job.waitUntilFinished(this.events, this.opts.timeoutMs ?? 30_000);
      return statusReportSchema.parse(result);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new StatusError(
        /timed out/i.test(message)
          ? `no worker answered within ${(this.opts.timeoutMs ?? 30_000) / 1000} s: is an lvs-chatops worker running?`
          : `reading cluster ${cluster} failed: ${message}`,
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.events.close()]);
  }
}

/**
 * The worker's side: reads heartbeat, addresses and the IPVS table of every director of the
 * cluster in parallel over SSH, and builds the report. A director that cannot be read is part
 * of the answer, not a failure.
 */
export function startStatusWorker(opts: {
  connection: Redis;
  inventory: Inventory | (() => Inventory);
  runner: CommandRunner;
  logger: Logger;
  prefix?: string;
  concurrency?: number;
  commandTimeoutMs?: number;
}): Worker {
  const inventory = () => (typeof opts.inventory === 'function' ? opts.inventory() : opts.inventory);
  const worker = new Worker(
    STATUS_QUEUE,
    async (job, _token, signal) => {
      const inv = inventory();
      const cluster = inv.clusters.find((c) => c.name === (job.data as { cluster: string }).cluster);
      if (!cluster) throw new StatusError(`cluster ${String(job.data?.cluster)} is not in the inventory`);
      const started = Date.now();
      const observed = new Observed();
      const access = hostAccess(
        {
          run: (target, argv, o) =>
            opts.runner.run(target, argv, { timeoutMs: opts.commandTimeoutMs ?? 15_000, ...o }),
        },
        inv,
        cluster,
      );
      await readHosts(observed, directorReads(cluster), access, signal ?? new AbortController().signal);
      return buildStatusReport(cluster, observed, { readAt: started, durationMs: Date.now() - started });
    },
    {
      connection: opts.connection,
      prefix: bullPrefix(opts.prefix ?? 'lvs'),
      concurrency: opts.concurrency ?? 4,
    },
  );
  worker.on('failed', (job, err) =>
    opts.logger.warn({ err: err.message, cluster: job?.data?.cluster }, 'status read failed'),
  );
  return worker;
}
