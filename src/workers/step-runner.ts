import { classifyIpvsadmResult } from '../core/ipvs/outcome.js';
import { type Check, describeCheck, evaluateCheck, readsOf } from '../playbooks/checks.js';
import type { DirectorGuard, GuardVerdict } from '../playbooks/director-guard.js';
import type { Observed } from '../playbooks/observed.js';
import type { Plan, RemoteCommand, Step } from '../playbooks/plan.js';
import { tableRealServer } from '../playbooks/refs.js';
import { type AuditRecord, type CommandRecord, excerpt, type StepRecord } from '../queues/job-audit.js';
import type { JobProgress } from '../queues/job-progress.js';
import { NonZeroExitError } from '../ssh/errors/non-zero-exit-error.js';
import { SshError } from '../ssh/errors/ssh-error.js';
import { FailoverUnderWayError } from './failover-under-way-error.js';
import type { HostAccess } from './host-access.js';
import { readHosts } from './read-hosts.js';

/** A required step failed (its command or its verification); what it changed was rolled back. */
export class StepFailedError extends Error {
  readonly code = 'STEP_FAILED';
  readonly retryable = false;
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepFailedError';
  }
}

export interface StepRunContext {
  plan: Plan;
  /** Its `steps` hold one record per plan step (kept across attempts: a re-run resumes). */
  record: AuditRecord;
  observed: Observed;
  access: HostAccess;
  /** Aborted by `/lvs cancel` or, past the shutdown grace, by the worker: closes the SSH command in hand. */
  signal: AbortSignal;
  /** Aborted when the worker starts shutting down: the job stops at the next safe point. */
  shutdown: AbortSignal;
  save(): Promise<void>;
  progress(progress: Omit<JobProgress, 'at'>): Promise<void>;
  /** Who asked to cancel the job (a request another process stored), or null. */
  cancelRequested(): Promise<string | null>;
  /** Checks that the plan's director is still the active one (null: the plan does not need one). */
  guard?: DirectorGuard | null;
}

export type RunOutcome =
  | { kind: 'done'; changed: boolean; warnings: string[] }
  | { kind: 'timed-out'; message: string; warnings: string[] }
  | { kind: 'handed-back' }
  /**
   * Another director became active; nothing more was done on the plan's director. `at` is the
   * step in hand (the number of steps: it was seen when every step was done).
   */
  | { kind: 'director-changed'; from: string; to: string; at: number };

/**
 * Before a step the guard's reads are taken again when older than this (a command on a host
 * makes its reads stale at once). The first step of a new job uses the reads it was planned
 * from: a failover after them makes its command fail or its check differ, and both the failed
 * step and the end of the job read every director afresh before anything is reported.
 */
const GUARD_MAX_AGE_MS = 5_000;

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

export function newStepRecord(step: Step): StepRecord {
  return {
    id: step.id,
    title: step.title,
    required: step.required,
    state: 'pending',
    acted: false,
    startedAt: null,
    endedAt: null,
    note: null,
    commands: [],
    checks: [],
  };
}

/**
 * Runs a plan's steps in order, recording each in the audit record as it goes, so a job
 * resumed by another worker (after a crash or a shutdown) skips what is done and re-checks
 * the step that was in hand before acting: nothing is done twice.
 */
export async function runSteps(ctx: StepRunContext): Promise<RunOutcome> {
  const { plan, record } = ctx;
  const warnings: string[] = [];
  // After a failover the job followed, only what changed on the new director counts for its saves.
  const from = plan.continuedAt ?? 0;
  let changed = record.steps.slice(from).some((s) => s.acted);
  for (let index = 0; index < plan.steps.length; index++) {
    const step = plan.steps[index]!;
    const rec = record.steps[index]!;
    if (rec.state !== 'pending' && rec.state !== 'running') continue;
    const cancelledBy = await ctx.cancelRequested();
    if (cancelledBy !== null) throw new CancelledError(cancelledBy);
    if (ctx.shutdown.aborted) return { kind: 'handed-back' };
    if (step.onlyAfterChange && !changed) {
      finish(rec, 'skipped', 'nothing changed before it');
      await ctx.save();
      continue;
    }
    // Before a step reads or changes the plan's director: is it still the active one? (An
    // emptied table on a director that just released reads as "already done" to a removal.)
    const before = await guardOrThrow(ctx, GUARD_MAX_AGE_MS);
    if (before.kind === 'moved')
      return { kind: 'director-changed', from: before.from, to: before.to, at: index };
    const where = { index: index + 1, total: plan.steps.length, id: step.id, title: step.title };
    await ctx.progress({ phase: 'running', message: step.title, step: where, wait: null });
    const resumed = rec.state === 'running';
    rec.state = 'running';
    rec.startedAt ??= Date.now();
    await ctx.save();

    if (step.doneWhen) {
      const check = await evaluate(ctx, step.doneWhen, rec);
      if (check === 'pass') {
        finish(rec, 'skipped', resumed ? 'already done (found so when resuming the job)' : 'already done');
        await ctx.save();
        continue;
      }
    }

    let failed: string | null = null;
    for (const command of step.actions) {
      const outcome = await execute(ctx, command, rec, step.required);
      if (outcome.kind === 'failed') {
        failed = outcome.note;
        break;
      }
      if (outcome.kind === 'ok') {
        rec.acted = true;
        changed = true;
      }
    }
    await ctx.save();

    if (failed === null && step.wait) {
      const waited = await wait(ctx, step, rec, where);
      if (waited.kind !== 'passed') {
        await ctx.save();
        if (waited.kind === 'timed-out') return { kind: 'timed-out', message: waited.message, warnings };
        if (waited.kind === 'moved')
          return { kind: 'director-changed', from: waited.from, to: waited.to, at: index };
        return { kind: 'handed-back' };
      }
    }

    if (failed === null) {
      await ctx.progress({ phase: 'verifying', message: step.title, step: where, wait: null });
      for (const check of step.verify) {
        const state = await evaluate(ctx, check, rec);
        if (state !== 'pass') {
          failed = `verification failed: wanted ${describeCheck(check)}; saw ${rec.checks.at(-1)?.detail ?? 'nothing'}`;
          break;
        }
      }
    }

    if (failed !== null && step.required) {
      // A failover explains a failed step (the director released its table): no rollback there.
      const verdict = await guardOrThrow(ctx, 0);
      if (verdict.kind === 'moved') {
        rec.note = failed;
        await ctx.save();
        return { kind: 'director-changed', from: verdict.from, to: verdict.to, at: index };
      }
    }

    if (failed !== null) {
      finish(rec, 'failed', failed);
      await ctx.save();
      if (!step.required) {
        warnings.push(`${step.title}: ${failed}`);
        continue;
      }
      await rollBack(ctx, index);
      throw new StepFailedError(step.id, `${step.title}: ${failed}`);
    }
    finish(rec, 'done', rec.acted ? null : 'nothing to change');
    await ctx.save();
  }
  // Success is reported only against the director that is active now.
  const after = await guardOrThrow(ctx, 0);
  if (after.kind === 'moved')
    return { kind: 'director-changed', from: after.from, to: after.to, at: plan.steps.length };
  return { kind: 'done', changed: record.steps.some((s) => s.acted), warnings };
}

/** Reads what the guard needs (again when older than `maxAgeMs`) and decides. */
async function checkDirector(ctx: StepRunContext, maxAgeMs: number): Promise<GuardVerdict> {
  const guard = ctx.guard;
  if (!guard) return { kind: 'same' };
  ctx.observed.expire(guard.reads, maxAgeMs);
  const errors = await readHosts(ctx.observed, guard.reads, ctx.access, ctx.signal);
  const verdict = guard.check(ctx.observed);
  const transient = errors.find((e) => e.retryable);
  if (verdict.kind === 'unsettled' && transient) throw transient;
  return verdict;
}

/** The guard before acting or reporting: an unsettled failover stops the job until it settles (a retry). */
async function guardOrThrow(
  ctx: StepRunContext,
  maxAgeMs: number,
): Promise<Exclude<GuardVerdict, { kind: 'unsettled' }>> {
  const verdict = await checkDirector(ctx, maxAgeMs);
  if (verdict.kind === 'unsettled') throw new FailoverUnderWayError(verdict.message);
  return verdict;
}

function finish(rec: StepRecord, state: StepRecord['state'], note: string | null): void {
  rec.state = state;
  rec.endedAt = Date.now();
  if (note !== null) rec.note = note;
}

async function evaluate(
  ctx: StepRunContext,
  check: Check,
  rec: StepRecord,
): Promise<'pass' | 'fail' | 'unknown'> {
  const errors = await readHosts(ctx.observed, readsOf(check), ctx.access, ctx.signal);
  const result = evaluateCheck(check, ctx.observed);
  rec.checks.push({ what: describeCheck(check), state: result.state, detail: result.detail });
  // A check that cannot be read because of a transient SSH failure: try the job again later.
  const transient = errors.find((e) => e.retryable);
  if (result.state === 'unknown' && transient) throw transient;
  return result.state;
}

type Executed = { kind: 'ok' } | { kind: 'already-done' } | { kind: 'failed'; note: string };

async function execute(
  ctx: StepRunContext,
  command: RemoteCommand,
  rec: StepRecord,
  required: boolean,
): Promise<Executed> {
  const startedAt = Date.now();
  const entry = (fields: Partial<CommandRecord>): CommandRecord => ({
    host: command.host,
    argv: command.argv,
    startedAt,
    durationMs: Date.now() - startedAt,
    exitCode: null,
    signal: null,
    outcome: 'error',
    note: null,
    stdout: '',
    stderr: '',
    ...fields,
  });
  let stdin: string | undefined = command.stdin;
  if (command.stdinFrom) {
    ctx.observed.invalidateHost(command.stdinFrom.host);
    const errors = await readHosts(ctx.observed, [command.stdinFrom], ctx.access, ctx.signal);
    const value = ctx.observed.value(command.stdinFrom as never) as unknown;
    if (typeof value !== 'string') {
      const why = ctx.observed.failure(command.stdinFrom) ?? 'no output';
      const transient = errors.find((e) => e.retryable);
      if (transient && required) throw transient;
      const note = `could not read ${command.stdinFrom.kind} on ${command.stdinFrom.host} for its input: ${why}`;
      rec.commands.push(entry({ note }));
      return { kind: 'failed', note };
    }
    stdin = value;
  }
  try {
    const okCodes = command.judge.kind === 'exit' ? command.judge.okCodes : ANY_EXIT;
    const result = await ctx.access.runner.run(ctx.access.target(command.host), command.argv, {
      signal: ctx.signal,
      okCodes,
      ...(stdin !== undefined && { stdin }),
      ...(command.timeoutMs !== undefined && { timeoutMs: command.timeoutMs }),
    });
    const base = {
      durationMs: Math.round(result.durationMs),
      exitCode: result.code,
      signal: result.signal,
      stdout: excerpt(result.stdout),
      stderr: excerpt(result.stderr),
    };
    if (command.judge.kind === 'ipvsadm') {
      const outcome = classifyIpvsadmResult(command.judge.op, {
        exitCode: result.code,
        stderr: result.stderr,
      });
      if (outcome.kind === 'ok') {
        rec.commands.push(entry({ ...base, outcome: 'ok' }));
        return { kind: 'ok' };
      }
      if (outcome.kind === 'already-done') {
        rec.commands.push(entry({ ...base, outcome: 'already-done', note: outcome.message }));
        return { kind: 'already-done' };
      }
      rec.commands.push(entry({ ...base, outcome: 'failed', note: outcome.message }));
      return { kind: 'failed', note: `${command.host}: ${outcome.message}` };
    }
    rec.commands.push(entry({ ...base, outcome: 'ok' }));
    return { kind: 'ok' };
  } catch (error) {
    if (error instanceof NonZeroExitError) {
      rec.commands.push(
        entry({
          durationMs: Math.round(error.result.durationMs),
          exitCode: error.result.code,
          signal: error.result.signal,
          outcome: 'failed',
          note: error.message,
          stdout: excerpt(error.result.stdout),
          stderr: excerpt(error.result.stderr),
        }),
      );
      return { kind: 'failed', note: error.message };
    }
    if (error instanceof SshError) {
      rec.commands.push(entry({ note: error.message }));
      // An optional step (the standby's copy) must not make the whole job retry or fail.
      if (!required && error.retryable) return { kind: 'failed', note: error.message };
    }
    throw error;
  } finally {
    ctx.observed.invalidateHost(command.host);
  }
}

type Waited =
  | { kind: 'passed' }
  | { kind: 'timed-out'; message: string }
  | { kind: 'handed-back' }
  | { kind: 'moved'; from: string; to: string };

async function wait(
  ctx: StepRunContext,
  step: Step,
  rec: StepRecord,
  where: { index: number; total: number; id: string; title: string },
): Promise<Waited> {
  const w = step.wait!;
  const startedAt = rec.startedAt ?? Date.now();
  for (;;) {
    if (ctx.shutdown.aborted) return { kind: 'handed-back' };
    const cancelledBy = await ctx.cancelRequested();
    if (cancelledBy !== null) throw new CancelledError(cancelledBy);
    for (const read of readsOf(w.check)) ctx.observed.invalidateHost(read.host);
    // The guard's reads go with the check's, one batched command per director.
    const guardReads = ctx.guard?.reads ?? [];
    for (const read of guardReads) ctx.observed.invalidateHost(read.host);
    await readHosts(ctx.observed, [...guardReads, ...readsOf(w.check)], ctx.access, ctx.signal);
    const verdict = ctx.guard ? ctx.guard.check(ctx.observed) : ({ kind: 'same' } as const);
    if (verdict.kind === 'moved') {
      rec.note = `${verdict.from} is no longer the active director: ${verdict.to} is (${verdict.evidence})`;
      return { kind: 'moved', from: verdict.from, to: verdict.to };
    }
    // While heartbeat moves the VIP (or a crashed director cannot be reached) the wait goes on,
    // counting nothing: the old director's table empties, and the failover settles within
    // heartbeat's deadtime (the wait has its own timeout).
    const result =
      verdict.kind === 'unsettled'
        ? {
            state: 'unknown' as const,
            detail: `a failover is under way (${verdict.message}); waiting for it to settle`,
          }
        : evaluateCheck(w.check, ctx.observed);
    const elapsedMs = Date.now() - startedAt;
    rec.note = result.detail;
    await ctx.progress({
      phase: 'waiting',
      message: result.detail,
      step: where,
      wait: {
        elapsedMs,
        timeoutMs: w.timeoutMs,
        detail: result.detail,
        activeConns: activeConnections(w.check, ctx.observed),
      },
    });
    if (result.state === 'pass') {
      rec.checks.push({ what: describeCheck(w.check), state: 'pass', detail: result.detail });
      return { kind: 'passed' };
    }
    if (elapsedMs >= w.timeoutMs) {
      rec.checks.push({ what: describeCheck(w.check), state: result.state, detail: result.detail });
      const message = `${w.onTimeout} Last seen: ${result.detail}.`;
      finish(rec, 'timed-out', message);
      return { kind: 'timed-out', message };
    }
    await ctx.save();
    await sleep(Math.min(w.intervalMs, w.timeoutMs - elapsedMs), [ctx.signal, ctx.shutdown]);
    if (ctx.signal.aborted)
      throw ctx.signal.reason instanceof Error
        ? ctx.signal.reason
        : new CancelledError(String(ctx.signal.reason));
  }
}

function activeConnections(check: Check, observed: Observed): number | null {
  if (check.kind !== 'no-active-connections') return null;
  const table = observed.value({ kind: 'ipvs-table', host: check.director });
  if (!table) return null;
  return check.members.reduce(
    (n, m) => n + (tableRealServer(table, m.service, m.realServer)?.activeConns ?? 0),
    0,
  );
}

/** Undoes the steps that changed something, newest first; best effort, each command recorded. */
async function rollBack(ctx: StepRunContext, failedIndex: number): Promise<void> {
  for (let i = failedIndex; i >= 0; i--) {
    const step = ctx.plan.steps[i]!;
    const rec = ctx.record.steps[i]!;
    if (!rec.acted || step.rollback.length === 0) continue;
    let undone = true;
    for (const command of step.rollback) {
      try {
        const outcome = await execute(ctx, command, rec, false);
        if (outcome.kind === 'failed') undone = false;
      } catch {
        undone = false;
      }
    }
    rec.note = `${rec.note ? `${rec.note}; ` : ''}${undone ? 'rolled back' : 'rollback failed: check by hand'}`;
    if (undone && i < failedIndex) rec.state = 'rolled-back';
    await ctx.save();
  }
}

/** The job was cancelled (`/lvs cancel`); carries who asked. */
export class CancelledError extends Error {
  readonly code = 'CANCELLED';
  readonly retryable = false;
  constructor(readonly by: string) {
    super(`cancelled by ${by}`);
    this.name = 'CancelledError';
  }
}

function sleep(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((s) => s.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
