import { hostname } from 'node:os';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Inventory } from '../config/inventory.js';
import type { Logger } from '../log/logger.js';
import { DrainMemory } from '../queues/drain-memory.js';
import { FINAL_STATUSES, JobAudit } from '../queues/job-audit.js';
import { JobKeys } from '../queues/job-keys.js';
import type { JobData } from '../queues/job-schemas.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from '../queues/queue-names.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import { SshExecutor } from '../ssh/ssh-executor.js';
import type { EventStore } from '../store/event-store.js';
import {
  CANCEL_REASON,
  createPlaybookProcessor,
  type JobOutcome,
  type Planner,
  SHUTDOWN_REASON,
} from './playbook-processor.js';

export interface PlaybookWorkerOptions {
  /** Opens a new Redis connection (BullMQ workers block on theirs: `maxRetriesPerRequest: null`). */
  connect: () => Redis;
  inventory: Inventory | (() => Inventory);
  logger: Logger;
  /** The project's Redis key prefix. Default `lvs`. */
  prefix?: string;
  /** Dry runs and remounts at once in this process. Table changes are one per cluster, always. Default 4. */
  concurrency?: number;
  /** The SSH executor; by default one owned (and closed) by this worker. */
  runner?: CommandRunner;
  events?: EventStore;
  /** In audit records and logs. Default `HOST:PID`. */
  name?: string;
  /** BullMQ's job lock: a worker that stops renewing it (crashed) loses its job after this. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 15 s. */
  stalledIntervalMs?: number;
  /** On shutdown, how long a command in hand may take to finish before it is aborted. Default 30 s. */
  shutdownGraceMs?: number;
  planner?: Planner;
}

/**
 * One worker process's share of the remediation jobs: a BullMQ Worker on the shared tasks
 * queue (dry runs, remounts) and one on each cluster's changes queue (one job at a time across
 * all workers: see src/queues/queue-names.ts), all running playbooks over one SSH executor.
 * Listens for `/lvs cancel` on Redis and aborts the job it concerns if it runs here.
 */
export class PlaybookWorker {
  readonly name: string;
  private readonly workers: Worker<JobData, JobOutcome>[] = [];
  private readonly connections: Redis[] = [];
  private readonly shutdown = new AbortController();
  private readonly runner: CommandRunner;
  private readonly ownsRunner: boolean;
  private subscriber: Redis | undefined;
  private closing: Promise<void> | undefined;
  /** Commands were aborted on the way out. */
  private aborted = false;

  private constructor(private readonly opts: PlaybookWorkerOptions) {
    this.name = opts.name ?? `${hostname()}:${process.pid}`;
    this.ownsRunner = opts.runner === undefined;
    this.runner = opts.runner ?? new SshExecutor({ logger: opts.logger });
  }

  static async start(opts: PlaybookWorkerOptions): Promise<PlaybookWorker> {
    const worker = new PlaybookWorker(opts);
    await worker.run();
    return worker;
  }

  private inventory(): Inventory {
    const inv = this.opts.inventory;
    return typeof inv === 'function' ? inv() : inv;
  }

  private connect(): Redis {
    const c = this.opts.connect();
    this.connections.push(c);
    return c;
  }

  private async run(): Promise<void> {
    const keys = new JobKeys(this.opts.prefix ?? 'lvs');
    const prefix = bullPrefix(keys.prefix);
    const general = this.connect();
    const audit = new JobAudit(general, keys);
    const processor = createPlaybookProcessor({
      inventory: () => this.inventory(),
      runner: this.runner,
      redis: general,
      keys,
      audit,
      drains: new DrainMemory(general, keys),
      ...(this.opts.events && { events: this.opts.events }),
      logger: this.opts.logger,
      workerName: this.name,
      shutdown: this.shutdown.signal,
      ...(this.opts.planner && { planner: this.opts.planner }),
    });
    const clusterQueues = this.inventory().clusters.map((c) => changesQueueName(c.name));
    // The cap lives on the queue in Redis; set it before the first job could start.
    for (const name of clusterQueues) {
      const queue = new Queue(name, { connection: general, prefix });
      await queue.setGlobalConcurrency(1);
      await queue.close();
    }
    const common = {
      prefix,
      lockDuration: this.opts.lockDurationMs ?? 30_000,
      stalledInterval: this.opts.stalledIntervalMs ?? 15_000,
      // A job whose worker died twice is failed rather than run a third time.
      maxStalledCount: 2,
      name: this.name,
    };
    const queues: [string, number][] = [
      [TASKS_QUEUE, this.opts.concurrency ?? 4],
      ...clusterQueues.map((q): [string, number] => [q, 1]),
    ];
    for (const [name, concurrency] of queues) {
      const worker = new Worker<JobData, JobOutcome>(name, processor, {
        ...common,
        connection: this.connect(),
        concurrency,
      });
      worker.on('error', (err) => this.opts.logger.error({ err, queue: name }, 'worker error'));
      worker.on('failed', (job, err) => {
        // A job failed by BullMQ itself (stalled too often) never reached the processor's record keeping.
        if (!job?.id) return;
        void audit
          .get(job.id)
          .then(async (record) => {
            if (!record || FINAL_STATUSES.has(record.status) || record.status === 'retrying') return;
            const at = Date.now();
            record.status = 'failed';
            record.summary = err.message;
            record.finishedAt = at;
            record.log.push({ at, text: `failed: ${err.message}` });
            await audit.put(record);
          })
          .catch((e) => this.opts.logger.error({ err: e, jobId: job.id }, 'could not record a failed job'));
      });
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.subscriber = this.connect();
    this.subscriber.on('message', (_channel: string, message: string) => this.onCancel(message));
    await this.subscriber.subscribe(keys.cancelChannel());
    this.opts.logger.info({ worker: this.name, queues: queues.map(([q]) => q) }, 'playbook worker started');
  }

  private onCancel(message: string): void {
    let request: { jobId?: unknown; by?: unknown };
    try {
      request = JSON.parse(message) as typeof request;
    } catch {
      return;
    }
    if (typeof request.jobId !== 'string') return;
    const by = typeof request.by === 'string' ? request.by : 'someone';
    for (const w of this.workers) {
      if (w.cancelJob(request.jobId, `${CANCEL_REASON}${by}`)) {
        this.opts.logger.info({ jobId: request.jobId, by }, 'cancelling a running job');
      }
    }
  }

  /**
   * Graceful shutdown: stop taking jobs; a job waiting (a drain counting connections) or between
   * steps is handed back at once for another worker to resume; a command in hand may finish
   * within `graceMs`, after which it is aborted (its SSH channel closed) and the job handed back.
   */
  close(graceMs = this.opts.shutdownGraceMs ?? 30_000): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  /** Aborts the commands in hand now (a second SIGTERM): their jobs are handed back. */
  hurry(): void {
    this.aborted = true;
    this.shutdown.abort(SHUTDOWN_REASON);
    for (const w of this.workers) w.cancelAllJobs(SHUTDOWN_REASON);
  }

  private async doClose(graceMs: number): Promise<void> {
    this.opts.logger.info({ worker: this.name, graceMs }, 'playbook worker shutting down');
    this.shutdown.abort(SHUTDOWN_REASON);
    const closed = Promise.all(this.workers.map((w) => w.close())).then(() => true);
    const within = (ms: number) => Promise.race([closed, delay(ms).then(() => false)]);
    if (!(await within(graceMs))) {
      for (const w of this.workers) w.cancelAllJobs(SHUTDOWN_REASON);
      if (!(await within(10_000))) await Promise.all(this.workers.map((w) => w.close(true)));
      this.aborted = true;
    }
    // An aborted command is killed on its host by a second command the executor queues; its
    // close() drops kills still queued, so give them a moment to go out first.
    if (this.aborted && this.ownsRunner) await delay(1_000);
    await this.subscriber?.unsubscribe().catch(() => undefined);
    if (this.ownsRunner && this.runner instanceof SshExecutor) await this.runner.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
