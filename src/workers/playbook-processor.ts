import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Inventory } from '../config/inventory.js';
import type { LvsEvent } from '../core/events/event.js';
import { recheckSnapshot } from '../core/policy/approval-snapshot.js';
import type { Logger } from '../log/logger.js';
import { directorGuard } from '../playbooks/director-guard.js';
import { continueAfterFailover, memberStates } from '../playbooks/failover-continuation.js';
import { Observed } from '../playbooks/observed.js';
import { canRun, type Plan } from '../playbooks/plan.js';
import { planFor, readsFor } from '../playbooks/playbooks.js';
import { renderPlan } from '../playbooks/render-plan.js';
import type { DrainMemory } from '../queues/drain-memory.js';
import {
  type AuditRecord,
  FINAL_STATUSES,
  type JobAudit,
  type JobStatus,
  type PlanRecord,
} from '../queues/job-audit.js';
import type { JobKeys } from '../queues/job-keys.js';
import type { JobProgress } from '../queues/job-progress.js';
import { type JobData, jobDataSchema } from '../queues/job-schemas.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import { AbortedError } from '../ssh/errors/aborted-error.js';
import { HostKeyMismatchError } from '../ssh/errors/host-key-mismatch-error.js';
import { SshError } from '../ssh/errors/ssh-error.js';
import type { EventStore } from '../store/event-store.js';
import { DirectorChangedError } from './director-changed-error.js';
import { type HostAccess, hostAccess } from './host-access.js';
import { clusterOf, targetOf } from './playbook-target.js';
import { readHosts } from './read-hosts.js';
import { autoRunNote, hostKeyEvent, jobEvent } from './remediation-events.js';
import { CancelledError, newStepRecord, runSteps, StepFailedError } from './step-runner.js';

/** The reason the worker aborts jobs with when its shutdown grace is over: hand them back. */
export const SHUTDOWN_REASON = 'lvs-chatops worker shutting down';
/** Prefix of the reason `/lvs cancel` aborts a job with: `cancel:U0APPROVER`. */
export const CANCEL_REASON = 'cancel:';

/** How plans are made: the real playbooks, or (in tests of the worker itself) others. */
export interface Planner {
  readsFor: typeof readsFor;
  planFor: typeof planFor;
}

export interface ProcessorDeps {
  inventory: () => Inventory;
  runner: CommandRunner;
  redis: Redis;
  keys: JobKeys;
  audit: JobAudit;
  drains: DrainMemory;
  /** Where host-key mismatches (security) and finished runs (job) are appended as events. */
  events?: EventStore;
  logger: Logger;
  /** This worker's name in audit records. */
  workerName: string;
  /** Aborted when the worker starts shutting down. */
  shutdown: AbortSignal;
  planner?: Planner;
}

/** What a finished job returns to BullMQ (the audit record has the whole story). */
export interface JobOutcome {
  status: JobStatus;
  summary: string;
}

/** The BullMQ processor of remediation jobs (dry runs and runs). */
export function createPlaybookProcessor(deps: ProcessorDeps) {
  const planner = deps.planner ?? { readsFor, planFor };
  // Three parameters: BullMQ hands the AbortSignal only to a processor that declares it.
  return async (job: Job<JobData>, token: string | undefined, signal?: AbortSignal): Promise<JobOutcome> => {
    const jobId = job.id!;
    const abort = signal ?? new AbortController().signal;
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `job ${jobId} has data this worker cannot read: ${parsed.error.issues[0]?.message}`,
      );
    }
    const data = parsed.data;
    const record = (await deps.audit.get(jobId)) ?? freshRecord(jobId, job.queueName, data);
    if (FINAL_STATUSES.has(record.status))
      return { status: record.status, summary: record.summary ?? record.status };
    const save = () => deps.audit.put(record);
    const now = Date.now();
    const attempt: AuditRecord['attempts'][number] = {
      n: record.attempts.length + 1,
      worker: deps.workerName,
      startedAt: now,
      endedAt: null,
      error: null,
    };
    record.attempts.push(attempt);
    record.status = 'running';
    record.startedAt ??= now;
    record.log.push({
      at: now,
      text: `${record.acting ? 'resumed' : 'started'} by ${deps.workerName} (attempt ${attempt.n})`,
    });
    await save();
    const progress = async (p: Omit<JobProgress, 'at'>) => {
      await job.updateProgress({ ...p, at: Date.now() });
    };
    const cancelRequested = async () => deps.redis.get(deps.keys.cancelRequest(jobId));

    const finish = async (status: JobStatus, summary: string, error: string | null = null) => {
      const at = Date.now();
      record.status = status;
      record.summary = summary;
      record.finishedAt = FINAL_STATUSES.has(status) ? at : null;
      attempt.endedAt = at;
      attempt.error = error;
      record.log.push({ at, text: `${status}: ${summary}` });
      await save();
      if (FINAL_STATUSES.has(status)) {
        await job.updateProgress({ phase: 'finished', message: summary, step: null, wait: null, at });
        if (data.kind === 'run') {
          await appendEvent(deps, jobEvent(record, at));
          const note = autoRunNote(record, at);
          if (note) await appendEvent(deps, note);
        }
      }
    };

    try {
      const by = await cancelRequested();
      if (by !== null) throw new CancelledError(by);
      const inventory = deps.inventory();
      const cluster = clusterOf(inventory, data.request.cluster);
      const access = hostAccess(deps.runner, inventory, cluster);
      let observed = new Observed();
      let plan: Plan;
      if (record.acting && record.plan) {
        // A re-run after a crash, a retry or a hand-back: the plan that started acting is the plan.
        plan = record.plan.data as Plan;
      } else {
        await progress({
          phase: 'reading',
          message: `reading ${cluster.name}'s hosts`,
          step: null,
          wait: null,
        });
        const target = await targetOf(cluster, data.request, deps.drains);
        const errors = await readHosts(observed, planner.readsFor(cluster, target), access, abort);
        await progress({ phase: 'planning', message: 'making the plan', step: null, wait: null });
        plan = planner.planFor({ cluster, target, observed });
        record.plan = planRecord(plan, observed);
        const override = data.approval?.override ?? false;
        const transient = errors.find((e) => e.retryable);
        if (!canRun(plan, override) && transient) throw transient;
        if (data.kind === 'plan') {
          const summary = plan.alreadyDone
            ? `already done: ${plan.title}`
            : canRun(plan, false)
              ? `plan ready: ${plan.title}`
              : `${plan.title} cannot run as it stands: ${plan.blockers.map((b) => b.message).join('; ')}`;
          await finish('planned', summary);
          return { status: 'planned', summary };
        }
        if (data.approval) {
          const recheck = recheckSnapshot(data.approval.snapshot, plan.snapshot);
          record.recheck = recheck.changed
            ? { changed: true, summary: recheck.summary }
            : { changed: false, summary: 'the table is as the approver saw it' };
          if (recheck.changed) {
            const summary = `stopped before acting: ${recheck.summary}. Nothing was run; the new plan needs a new approval`;
            await finish('table-changed', summary);
            return { status: 'table-changed', summary };
          }
        }
        if (plan.alreadyDone) {
          await forgetUndrained(deps, data);
          const summary = `already done, nothing run: ${plan.title}`;
          await finish('already-done', summary);
          return { status: 'already-done', summary };
        }
        if (!canRun(plan, override)) {
          const summary = `refused, nothing run: ${plan.blockers.map((b) => b.message).join('; ')}`;
          await finish('refused', summary);
          return { status: 'refused', summary };
        }
        for (const kept of plan.remember) {
          await deps.drains.keep(cluster.name, kept.realServer, kept.service, kept.weight, jobId);
        }
        record.acting = true;
        record.steps = plan.steps.map(newStepRecord);
        await save();
      }

      let outcome: Awaited<ReturnType<typeof runSteps>>;
      for (;;) {
        outcome = await runSteps({
          plan,
          record,
          observed,
          access,
          signal: abort,
          shutdown: deps.shutdown,
          save,
          progress,
          cancelRequested,
          guard: directorGuard(cluster, plan),
        });
        if (outcome.kind !== 'director-changed') break;
        // heartbeat moved the VIP in the middle of the job: go on on the new director, or stop.
        observed = new Observed();
        plan = await followFailover(deps, planner, {
          data,
          record,
          plan,
          observed,
          access,
          signal: abort,
          change: outcome,
        });
        await save();
        await progress({ phase: 'running', message: plan.failovers?.at(-1) ?? '', step: null, wait: null });
      }
      const followed = plan.failovers?.join('; ');
      if (outcome.kind === 'handed-back') throw new HandBack();
      if (outcome.kind === 'timed-out') {
        const summary = followed ? `${outcome.message} (${followed})` : outcome.message;
        await finish('timed-out', summary);
        return { status: 'timed-out', summary };
      }
      await forgetUndrained(deps, data);
      const status: JobStatus = outcome.changed ? 'done' : 'already-done';
      const where = [plan.activeDirector && `on ${plan.activeDirector}`, followed].filter(Boolean);
      const summary =
        `${outcome.changed ? 'done' : 'already done, nothing changed'}: ${plan.title}` +
        (where.length > 0 ? ` (${where.join('; ')})` : '') +
        (outcome.warnings.length > 0 ? `; warnings: ${outcome.warnings.join('; ')}` : '');
      await finish(status, summary);
      return { status, summary };
    } catch (error) {
      const reason = abort.aborted ? String(abort.reason) : '';
      if (error instanceof HandBack || (error instanceof AbortedError && reason === SHUTDOWN_REASON)) {
        record.status = 'queued';
        const at = Date.now();
        attempt.endedAt = at;
        attempt.error = 'handed back: the worker is shutting down';
        record.log.push({ at, text: `handed back by ${deps.workerName}: it is shutting down` });
        await save();
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (
        error instanceof CancelledError ||
        (error instanceof AbortedError && reason.startsWith(CANCEL_REASON))
      ) {
        const by = error instanceof CancelledError ? error.by : reason.slice(CANCEL_REASON.length);
        record.cancel = { by, at: Date.now() };
        const summary = `cancelled by ${by}${record.steps.some((s) => s.acted) ? '; what was done before stays done (see the steps)' : ' before it changed anything'}`;
        await finish('cancelled', summary, summary);
        await deps.redis.del(deps.keys.cancelRequest(jobId));
        throw new UnrecoverableError(summary);
      }
      if (error instanceof HostKeyMismatchError) {
        await appendEvent(deps, hostKeyEvent(record, error, Date.now()));
        const summary = `stopped: ${error.message}`;
        await finish('failed', summary, error.message);
        throw new UnrecoverableError(summary);
      }
      const message = error instanceof Error ? error.message : String(error);
      const retryable = error instanceof SshError ? error.retryable : !isFinal(error);
      const attemptsLeft = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
      if (retryable && attemptsLeft) {
        await finish('retrying', `will try again: ${message}`, message);
        throw error;
      }
      await finish('failed', message, message);
      if (!retryable) throw new UnrecoverableError(message);
      throw error;
    }
  };
}

interface FailoverContext {
  data: JobData;
  record: AuditRecord;
  plan: Plan;
  /** Fresh: filled here with every director's state after the failover. */
  observed: Observed;
  access: HostAccess;
  signal: AbortSignal;
  change: { from: string; to: string; at: number };
}

/**
 * After the active director changed under a job: re-read every director, make the job's plan
 * again for the new one, and either return the plan to go on with (the old steps, then the new
 * director's; the audit record says what happened) or throw a DirectorChangedError naming both
 * directors and the state each was left in.
 */
async function followFailover(deps: ProcessorDeps, planner: Planner, f: FailoverContext): Promise<Plan> {
  const { record, change } = f;
  const inventory = deps.inventory();
  const cluster = clusterOf(inventory, f.data.request.cluster);
  const target = await targetOf(cluster, f.data.request, deps.drains);
  const errors = await readHosts(f.observed, planner.readsFor(cluster, target), f.access, f.signal);
  const fresh = planner.planFor({ cluster, target, observed: f.observed });
  const members = 'members' in target ? target.members : [];
  const states = [
    `${change.from} (was active): ${memberStates(f.observed, change.from, members)}`,
    `${change.to} (active now): ${memberStates(f.observed, change.to, members)}`,
  ].join('; ');
  const decision = continueAfterFailover({
    old: f.plan,
    at: change.at,
    from: change.from,
    to: change.to,
    fresh,
    directors: cluster.directors.map((d) => d.name),
  });
  const at = Date.now();
  const moved = `${change.from} failed over to ${change.to}`;
  const then = (continued: boolean) => (continued ? `; continued on ${change.to} (the steps after)` : '');
  // The old director's steps from the one in hand on: what became of each.
  const leftOn = (continued: boolean) => {
    for (const rec of record.steps.slice(change.at)) {
      if (rec.state !== 'pending' && rec.state !== 'running') continue;
      const inHand = rec.state === 'running';
      const note = `${inHand ? (continued ? 'ended' : 'stopped') + ' here' : 'not run'}: ${moved}${then(continued)}`;
      rec.state = inHand && rec.acted ? (continued ? 'done' : 'failed') : 'skipped';
      rec.endedAt = at;
      rec.note = rec.note ? `${rec.note}; ${note}` : note;
    }
  };
  if (decision.kind === 'stop') {
    // The new director could not be read for a transient reason: try again (the resumed job
    // re-checks). The old one being unreachable is what a crash looks like: no reason to wait.
    const transient = errors.find((e) => e.retryable && e.target === change.to);
    if (transient) throw transient;
    leftOn(false);
    record.log.push({ at, text: `${decision.message}. ${states}` });
    throw new DirectorChangedError(
      `${decision.message}. ${states}. Check both tables (/lvs status) and ask again: a new plan is made for ${change.to}`,
    );
  }
  leftOn(true);
  record.plan = planRecord(decision.plan, f.observed);
  record.steps.push(...decision.plan.steps.slice(record.steps.length).map(newStepRecord));
  record.log.push({ at, text: `${decision.note}. ${states}` });
  deps.logger.warn({ job: record.id, from: change.from, to: change.to }, decision.note);
  return decision.plan;
}

/** Stopping at a safe point because the worker shuts down. */
class HandBack extends Error {}

/** Errors that say asking again cannot help (bad data, a changed inventory, a failed step). */
function isFinal(error: unknown): boolean {
  return (
    error instanceof StepFailedError ||
    (error instanceof Error && 'retryable' in error && (error as { retryable: unknown }).retryable === false)
  );
}

async function forgetUndrained(deps: ProcessorDeps, data: JobData): Promise<void> {
  const r = data.request;
  if (data.kind !== 'run' || r.playbook !== 'restore-real-server' || !r.undrain) return;
  await Promise.all(r.services.map((s) => deps.drains.forget(r.cluster, r.realServer, s)));
}

async function appendEvent(deps: ProcessorDeps, event: LvsEvent): Promise<void> {
  if (!deps.events) return;
  try {
    await deps.events.append(event);
  } catch (error) {
    deps.logger.error({ err: error, event: event.id }, 'could not append the event');
  }
}

export function planRecord(plan: Plan, observed: Observed): PlanRecord {
  return {
    title: plan.title,
    activeDirector: plan.activeDirector,
    mrkdwn: renderPlan(plan, 'mrkdwn'),
    text: renderPlan(plan, 'text'),
    snapshot: plan.snapshot,
    safety: plan.safety,
    blockers: plan.blockers,
    canRun: canRun(plan, false),
    needsOverride: !canRun(plan, false) && canRun(plan, true),
    alreadyDone: plan.alreadyDone,
    undo: plan.undo,
    data: plan,
    observed: observed.summary(),
    madeAt: Date.now(),
  };
}

/** A job queued without the producer (by hand, or an older version): an audit record from its data. */
function freshRecord(jobId: string, queue: string, data: JobData): AuditRecord {
  return {
    id: jobId,
    queue,
    kind: data.kind,
    playbook: data.request.playbook,
    cluster: data.request.cluster,
    request: data.request,
    requestedBy: data.requestedBy,
    approval: data.approval,
    queuedAt: data.queuedAt,
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
    log: [],
  };
}
