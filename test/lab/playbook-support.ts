import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import type { LabStatus } from '../../src/lab/index.js';
import type { AuditRecord } from '../../src/queues/job-audit.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import type { PlaybookRequest } from '../../src/queues/job-schemas.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { EventStore } from '../../src/store/event-store.js';
import { Keys } from '../../src/store/keys.js';
import { PlaybookWorker, type PlaybookWorkerOptions } from '../../src/workers/playbook-worker.js';
import { TEST_REDIS_URL, testRedis } from '../support/redis.js';
import { realServersOf, ssh } from './lab-client.js';

/**
 * The real remediation path against the lab's directors: the lab's inventory, the producer,
 * and workers in this process (or a child process, for kill -9), on real Redis. Every table
 * change asks for a dry run and an approval first, as the lab's policy (and the bot) does.
 */
export interface LabRig {
  inventory: Inventory;
  redis: Redis;
  prefix: string;
  producer: JobProducer;
  startWorker(over?: Partial<PlaybookWorkerOptions>): Promise<PlaybookWorker>;
  /** Dry run, then the run approved by U0APPROVER with the dry run's snapshot. */
  approvedRun(
    request: PlaybookRequest,
    options?: { override?: boolean; beforeRun?: () => Promise<void> },
  ): Promise<AuditRecord>;
  dispose(): Promise<void>;
}

export const APPROVER = 'U0APPROVER';
export const OPERATOR = { user: 'U0OPERATOR', via: 'slack' } as const;
const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function labRig(lab: LabStatus): Promise<LabRig> {
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error(loaded.error.map((e) => e.message).join('\n'));
  const inventory = loaded.value;
  const ctx = testRedis();
  const producer = new JobProducer({ redis: ctx.redis, inventory, prefix: ctx.prefix });
  const workers: PlaybookWorker[] = [];
  const executors: SshExecutor[] = [];
  const rig: LabRig = {
    inventory,
    redis: ctx.redis,
    prefix: ctx.prefix,
    producer,
    async startWorker(over = {}) {
      const runner = new SshExecutor();
      executors.push(runner);
      const worker = await PlaybookWorker.start({
        connect: () => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
        inventory,
        logger: quiet,
        prefix: ctx.prefix,
        runner,
        events: new EventStore(ctx.redis, new Keys(ctx.prefix)),
        lockDurationMs: 6_000,
        stalledIntervalMs: 2_000,
        ...over,
      });
      workers.push(worker);
      return worker;
    },
    async approvedRun(request, options = {}) {
      const dry = await producer.requestPlan(request, OPERATOR);
      const planned = await producer.waitFor(dry.jobId, 120_000);
      if (!planned.plan) throw new Error(`the dry run ${dry.jobId} made no plan: ${planned.summary}`);
      await options.beforeRun?.();
      const { jobId } = await producer.requestRun(request, OPERATOR, {
        by: APPROVER,
        at: Date.now(),
        snapshot: planned.plan.snapshot,
        override: options.override ?? false,
        planJobId: dry.jobId,
      });
      return producer.waitFor(jobId, 240_000);
    },
    async dispose() {
      await Promise.all(workers.map((w) => w.close(0)));
      await Promise.all(executors.map((e) => e.close()));
      await producer.close();
      await ctx.cleanup();
    },
  };
  return rig;
}

/** `ipvsadm -L -n` on a director, as `RIP:PORT Forward Weight` lines of the lab's service, sorted. */
export async function tableOf(lab: LabStatus, director: string): Promise<string[]> {
  const r = await ssh(lab, director, 'ipvsadm -L -n');
  if (r.code !== 0) throw new Error(`ipvsadm -L -n on ${director}: ${r.stderr}`);
  return realServersOf(r.stdout, lab.vip, 80).sort();
}

export function addressOf(lab: LabStatus, host: string): string {
  const h = lab.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no ${host} in the lab`);
  return h.address;
}

/** Puts the lab's table back as `lab up` left it (every real server, DR, weight 1) on lb1. */
export async function resetTable(lab: LabStatus): Promise<void> {
  const commands = ['web-1', 'web-2', 'web-3'].map((name) => {
    const rip = `${addressOf(lab, name)}:80`;
    return `ipvsadm -a -t ${lab.vip}:80 -r ${rip} -g -w 1 2>/dev/null || ipvsadm -e -t ${lab.vip}:80 -r ${rip} -g -w 1`;
  });
  const r = await ssh(lab, 'lb1', commands.join('; '));
  if (r.code !== 0) throw new Error(`resetting lb1's table: ${r.stderr}`);
}
