import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Inventory, PlaybookName } from '../config/inventory.js';
import { findRealServer, findVirtualService } from '../config/lookup.js';
import { approvalRuleFor } from '../core/policy/approval-rule.js';
import { AutoActionLog } from './auto-action-log.js';
import { DrainMemory } from './drain-memory.js';
import {
  AUDIT_TTL_SECONDS,
  type AuditRecord,
  FINAL_STATUSES,
  JobAudit,
  type JobStatus,
} from './job-audit.js';
import { JobError } from './job-error.js';
import { JobKeys } from './job-keys.js';
import { type JobProgress, jobProgressSchema } from './job-progress.js';
import {
  type Approval,
  type ApprovalInput,
  approvalSchema,
  type JobData,
  type JobKind,
  type JobRequest,
  type PlaybookRequest,
  parseJobId,
  type Requester,
  requesterSchema,
} from './job-schemas.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from './queue-names.js';
import { resolveRequest } from './resolve-request.js';

export interface JobProducerOptions {
  /** A plain connection (not one a Worker blocks on). */
  redis: Redis;
  /** The inventory, or a function returning the current one (reloaded inventories). */
  inventory: Inventory | (() => Inventory);
  /** The project's Redis key prefix (tests use a fresh one). Default `lvs`. */
  prefix?: string;
  /** Tries of a run whose SSH failed transiently, and the first backoff (doubling). Default 4, 2 s. */
  attempts?: number;
  backoffMs?: number;
}

export interface QueuedJob {
  jobId: string;
  queue: string;
  status: JobStatus;
}

/** What came of an alert offered for automatic remediation. */
export type AutoOutcome =
  | { queued: true; jobId: string; playbook: PlaybookName }
  | { queued: false; code: 'NOT_AUTOMATIC' | 'AUTO_CAP' | 'DUPLICATE'; reason: string; jobId?: string };

export interface CancelOutcome {
  /** True when the job was removed from its queue, or its worker was asked to stop. */
  accepted: boolean;
  status: JobStatus;
  message: string;
}

/** A job as the bot shows it: the audit record, with live progress while it runs. */
export interface JobView {
  audit: AuditRecord;
  progress: JobProgress | null;
}

/**
 * The one place jobs are queued (the bot and the alert pipeline use only this).
 *
 * - `requestPlan`: a dry run; its audit record gets the plan (rendered for the approval
 *   message), with the snapshot the approval must carry.
 * - `requestRun`: the real thing; a table-changing playbook needs an approval (policy), and
 *   the two-person rule is checked again here.
 * - `requestAuto`: an alert offered to the policy's `auto` (what lvs.alert did in the classic setup, docs/howto.md), capped per
 *   real server per hour, once per event.
 * - `undrainRequest`, `cancel`, `get`, `recent`, `waitFor`.
 *
 * Every request is validated against the inventory before a job exists: a name it does not
 * hold, a weight out of range, an unknown playbook are JobErrors saying what to do.
 */
export class JobProducer {
  readonly keys: JobKeys;
  private readonly redis: Redis;
  private readonly queues = new Map<string, Queue>();
  /** Cluster queues whose global concurrency this producer has set to 1 (once is enough). */
  private readonly capped = new Set<string>();
  private readonly audit: JobAudit;
  private readonly drains: DrainMemory;
  private readonly autoLog: AutoActionLog;
  private readonly jobOptions: JobsOptions;

  constructor(private readonly opts: JobProducerOptions) {
    this.redis = opts.redis;
    this.keys = new JobKeys(opts.prefix ?? 'lvs');
    this.audit = new JobAudit(this.redis, this.keys);
    this.drains = new DrainMemory(this.redis, this.keys);
    this.autoLog = new AutoActionLog(this.redis, this.keys);
    this.jobOptions = {
      attempts: opts.attempts ?? 4,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? 2_000, jitter: 0.3 },
      removeOnComplete: { age: 7 * 86_400, count: 5_000 },
      removeOnFail: { age: 30 * 86_400 },
    };
  }

  private inventory(): Inventory {
    const inv = this.opts.inventory;
    return typeof inv === 'function' ? inv() : inv;
  }

  /** Queues a dry run: the worker reads the hosts and records the plan in the audit record. */
  async requestPlan(request: PlaybookRequest, requestedBy: Requester): Promise<QueuedJob> {
    const resolved = resolveRequest(this.inventory(), request);
    return this.enqueue('plan', resolved, parseRequester(requestedBy), null);
  }

  /**
   * Queues a run. Playbooks that need an approval by the cluster's policy (`approvalRuleFor`:
   * all unless `approval.notRequired` names them) need `approval` (from the dry run's snapshot); with the two-person rule the approver may not be
   * the requester.
   */
  async requestRun(
    request: PlaybookRequest,
    requestedBy: Requester,
    approval?: ApprovalInput,
  ): Promise<QueuedJob> {
    const resolved = resolveRequest(this.inventory(), request);
    const requester = parseRequester(requestedBy);
    if (requester.via === 'auto') {
      throw new JobError('INVALID_REQUEST', [
        'automatic jobs are queued through requestAuto, which applies the policy',
      ]);
    }
    const parsedApproval = approval === undefined ? null : parseApproval(approval);
    const cluster = this.inventory().clusters.find((c) => c.name === resolved.cluster)!;
    const { twoPersonRule } = cluster.policy.approval;
    const rule = approvalRuleFor(cluster.policy.approval, {
      playbook: resolved.playbook,
      force: 'force' in resolved && resolved.force === true,
    });
    if (rule.approval !== 'none' && parsedApproval === null) {
      throw new JobError('APPROVAL_REQUIRED', [
        `${resolved.playbook} on cluster ${cluster.name} needs an approval (${rule.why}): ` +
          'queue a dry run with requestPlan, show its plan, and pass the approver and the snapshot to requestRun',
      ]);
    }
    if (parsedApproval && twoPersonRule && parsedApproval.by === requester.user) {
      throw new JobError('TWO_PERSON_RULE', [
        `${requester.user} asked for this and may not approve it too (policy.approval.twoPersonRule); another approver must`,
      ]);
    }
    return this.enqueue('run', resolved, requester, parsedApproval);
  }

  /**
   * Offers an alert about a real server to the automatic policy: the playbook the cluster's
   * `policy.auto` names for that service and status (`onDown`, `onUp`), at most
   * `maxPerServerPerHour` times per real server, once per event id. Not an error when the
   * policy says no: the outcome says why.
   */
  async requestAuto(alert: {
    cluster?: string;
    realServer: string;
    service?: string;
    status: 'down' | 'up';
    eventId: string;
    /** mon's group and service of the incident, where the job's end is noted. */
    group?: string;
    monService?: string;
  }): Promise<AutoOutcome> {
    const inventory = this.inventory();
    const scope = alert.cluster === undefined ? {} : { cluster: alert.cluster };
    const found = findRealServer(inventory, alert.realServer, scope);
    if (!found.ok) throw new JobError('NOT_IN_INVENTORY', [found.error.message]);
    const { cluster, realServer } = found.value;
    let services = realServer.services.map((s) => s.service);
    if (alert.service !== undefined) {
      const vs = findVirtualService(inventory, alert.service, { cluster: cluster.name });
      if (!vs.ok) throw new JobError('NOT_IN_INVENTORY', [vs.error.message]);
      services = [vs.value.virtualService.name];
    }
    const rule = cluster.policy.auto.find((a) => services.includes(a.service));
    const playbook = rule ? (alert.status === 'down' ? rule.onDown : rule.onUp) : undefined;
    if (!rule || playbook === undefined) {
      return {
        queued: false,
        code: 'NOT_AUTOMATIC',
        reason: `policy.auto of cluster ${cluster.name} names no playbook for ${realServer.name} going ${alert.status}`,
      };
    }
    const marker = this.keys.autoEvent(alert.eventId);
    if ((await this.redis.set(marker, 'pending', 'EX', 86_400, 'NX')) !== 'OK') {
      const existing = await this.redis.get(marker);
      return {
        queued: false,
        code: 'DUPLICATE',
        reason: `event ${alert.eventId} was already offered to the automatic policy`,
        ...(existing?.startsWith('j') && { jobId: existing }),
      };
    }
    const cap = await this.autoLog.tryRecord(cluster.name, realServer.name, rule.maxPerServerPerHour);
    if (!cap.allowed) {
      await this.redis.set(marker, 'capped', 'EX', 86_400);
      return { queued: false, code: 'AUTO_CAP', reason: cap.message };
    }
    const resolved = resolveRequest(inventory, {
      playbook,
      cluster: cluster.name,
      realServer: realServer.name,
      service: rule.service,
    } as PlaybookRequest);
    const job = await this.enqueue(
      'run',
      resolved,
      {
        user: 'auto',
        via: 'auto',
        eventId: alert.eventId,
        ...(alert.group !== undefined && { group: alert.group }),
        ...(alert.monService !== undefined && { monService: alert.monService }),
      },
      null,
    );
    await this.redis.set(marker, job.jobId, 'EX', 86_400);
    return { queued: true, jobId: job.jobId, playbook };
  }

  /**
   * The request `/lvs undrain` runs: a restore with the weight the last drain kept for each
   * service. A JobError when no drain kept one.
   */
  async undrainRequest(target: {
    cluster?: string;
    realServer: string;
    service?: string;
  }): Promise<PlaybookRequest> {
    const resolved = resolveRequest(this.inventory(), { playbook: 'restore-real-server', ...target });
    if (resolved.playbook !== 'restore-real-server') throw new Error('unreachable');
    const kept = await Promise.all(
      resolved.services.map((s) => this.drains.get(resolved.cluster, resolved.realServer, s)),
    );
    const found = resolved.services.filter((_, i) => kept[i] !== null);
    if (found.length === 0) {
      throw new JobError('NOTHING_TO_UNDRAIN', [
        `no drain of ${resolved.realServer} kept a weight (it was not drained by lvs-chatops, or was undrained since); ` +
          `/lvs restore ${resolved.realServer} gives it the inventory's weight, /lvs weight ${resolved.realServer} N any other`,
      ]);
    }
    return {
      playbook: 'restore-real-server',
      cluster: resolved.cluster,
      realServer: resolved.realServer,
      ...(target.service !== undefined && { service: target.service }),
      undrain: true,
    };
  }

  /**
   * `/lvs cancel`: a waiting job is taken out of its queue; a running one is asked to stop
   * (its worker aborts the SSH command in hand, closing the channel, and records the stop).
   */
  async cancel(jobIdText: string, by: string): Promise<CancelOutcome> {
    const jobId = parseJobId(jobIdText);
    const record = jobId ? await this.audit.get(jobId) : null;
    if (!jobId || !record)
      throw new JobError('NO_SUCH_JOB', [`there is no job ${jobIdText}; /lvs jobs lists them`]);
    if (FINAL_STATUSES.has(record.status)) {
      return {
        accepted: false,
        status: record.status,
        message: `${jobId} has already finished (${record.status})`,
      };
    }
    const queue = this.queue(record.queue);
    const state = await queue.getJobState(jobId);
    if (
      state === 'waiting' ||
      state === 'delayed' ||
      state === 'prioritized' ||
      state === 'waiting-children'
    ) {
      if ((await queue.remove(jobId)) === 1) {
        const now = Date.now();
        record.status = 'cancelled';
        record.cancel = { by, at: now };
        record.finishedAt = now;
        record.summary = `cancelled by ${by} before it started`;
        record.log.push({ at: now, text: `cancelled by ${by} while ${state}` });
        await this.audit.put(record);
        return { accepted: true, status: 'cancelled', message: `${jobId} was cancelled before it started` };
      }
    }
    await this.redis.set(this.keys.cancelRequest(jobId), by, 'EX', 86_400);
    await this.redis.publish(this.keys.cancelChannel(), JSON.stringify({ jobId, by }));
    return {
      accepted: true,
      status: record.status,
      message: `${jobId} is running; its worker was asked to stop (the command in hand is aborted)`,
    };
  }

  /** A job's audit record and, while it runs, its progress. */
  async get(jobIdText: string): Promise<JobView | null> {
    const jobId = parseJobId(jobIdText);
    if (!jobId) return null;
    const audit = await this.audit.get(jobId);
    if (!audit) return null;
    let progress: JobProgress | null = null;
    if (!FINAL_STATUSES.has(audit.status)) {
      const job = await this.queue(audit.queue).getJob(jobId);
      const parsed = jobProgressSchema.safeParse(job?.progress);
      if (parsed.success) progress = parsed.data;
    }
    return { audit, progress };
  }

  /** The newest jobs first (`/lvs jobs`). */
  async recent(limit = 20): Promise<AuditRecord[]> {
    return this.audit.recent(limit);
  }

  /** Resolves when the job reaches a final status (polling its audit record), or rejects after `timeoutMs`. */
  async waitFor(jobId: string, timeoutMs = 60_000, pollMs = 100): Promise<AuditRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await this.audit.get(jobId);
      if (record && FINAL_STATUSES.has(record.status)) return record;
      if (Date.now() > deadline) {
        throw new Error(
          `${jobId} did not finish within ${timeoutMs} ms (status ${record?.status ?? 'unknown'})`,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }

  /** The queue a job of this kind goes to (see queue-names.ts for why). */
  queueNameFor(kind: JobKind, request: JobRequest): string {
    if (kind === 'plan' || request.playbook === 'remount-fileset') return TASKS_QUEUE;
    return changesQueueName(request.cluster);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: bullPrefix(this.keys.prefix) });
      // A lost connection is the connection's to report; unheard, BullMQ prints a raw stack.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  private async enqueue(
    kind: JobKind,
    request: JobRequest,
    requestedBy: Requester,
    approval: Approval | null,
  ): Promise<QueuedJob> {
    const name = this.queueNameFor(kind, request);
    const queue = this.queue(name);
    if (name !== TASKS_QUEUE && !this.capped.has(name)) {
      await queue.setGlobalConcurrency(1);
      this.capped.add(name);
    }
    const jobId = `j${await this.redis.incr(this.keys.sequence())}`;
    const now = Date.now();
    const data: JobData = { v: 1, kind, request, requestedBy, approval, queuedAt: now };
    const record: AuditRecord = {
      id: jobId,
      queue: name,
      kind,
      playbook: request.playbook,
      cluster: request.cluster,
      request,
      requestedBy,
      approval,
      queuedAt: now,
      status: 'queued',
      summary: null,
      startedAt: null,
      finishedAt: null,
      attempts: [],
      plan: null,
      acting: false,
      steps: [],
      recheck: null,
      cancel: null,
      log: [
        {
          at: now,
          text:
            `${kind === 'plan' ? 'dry run' : 'run'} queued by ${requestedBy.user} (${requestedBy.via})` +
            (approval
              ? `, approved by ${approval.by}${approval.override ? ' with a capacity-floor override' : ''}`
              : ''),
        },
      ],
    };
    // The audit record exists before the job, so a worker never runs a job without one.
    await this.audit.put(record);
    await this.redis
      .multi()
      .hset(this.keys.queueOf(), jobId, name)
      .zadd(this.keys.recent(), now, jobId)
      .exec();
    await this.forgetExpired(now);
    const options: JobsOptions =
      kind === 'plan'
        ? { ...this.jobOptions, jobId, attempts: 2, removeOnComplete: { age: 86_400, count: 5_000 } }
        : { ...this.jobOptions, jobId };
    await queue.add(request.playbook, data, options);
    return { jobId, queue: name, status: 'queued' };
  }

  /**
   * Jobs queued before the audit's retention leave the list of jobs and the map of their
   * queues: their audit records have expired, and without this both only grew (found by the
   * soak, docs/bench.md).
   */
  private async forgetExpired(now: number): Promise<void> {
    const cutoff = now - AUDIT_TTL_SECONDS * 1000;
    const old = await this.redis.zrangebyscore(this.keys.recent(), '-inf', cutoff, 'LIMIT', 0, FORGET_BATCH);
    if (old.length === 0) return;
    await this.redis
      .multi()
      .hdel(this.keys.queueOf(), ...old)
      .zrem(this.keys.recent(), ...old)
      .exec();
  }
}

/** Jobs forgotten per job queued at most: enough to catch up, little enough for one round trip. */
const FORGET_BATCH = 100;

function parseRequester(input: Requester): Requester {
  const parsed = requesterSchema.safeParse(input);
  if (!parsed.success) {
    throw new JobError(
      'INVALID_REQUEST',
      parsed.error.issues.map((i) => `requestedBy.${i.path.join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}

function parseApproval(input: ApprovalInput): Approval {
  const parsed = approvalSchema.safeParse(input);
  if (!parsed.success) {
    throw new JobError(
      'INVALID_REQUEST',
      parsed.error.issues.map((i) => `approval.${i.path.join('.')}: ${i.message}`),
    );
  }
  return parsed.data;
}
