import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PLAYBOOK_NAMES } from '../config/inventory.js';
import { JobKeys } from './job-keys.js';
import {
  approvalSchema,
  jobKindSchema,
  jobRequestSchema,
  requesterSchema,
  snapshotSchema,
} from './job-schemas.js';

/**
 * The audit record of a job: who asked, who approved, the plan, every step with each command's
 * output excerpts, exit code and timing, and the result. Written by the producer when the job
 * is queued and by the worker as it runs; read by `/lvs job ID`. It outlives the BullMQ job.
 */

export const JOB_STATUSES = [
  /** Waiting in its queue. */
  'queued',
  'running',
  /** A transient SSH failure; BullMQ will try again after a backoff. */
  'retrying',
  /** A dry run finished: the plan is in the record. */
  'planned',
  /** Ran, changed what it should and verified it. */
  'done',
  /** Everything was already as asked: nothing was run. */
  'already-done',
  /** A safety check stopped it before anything ran (capacity floor, no active director, busy mount). */
  'refused',
  /** The table is not what the approver saw: ask again (the record holds the new plan). */
  'table-changed',
  /** A wait ran out (a drain with connections left, a failback heartbeat did not finish). */
  'timed-out',
  'failed',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'planned',
  'done',
  'already-done',
  'refused',
  'table-changed',
  'timed-out',
  'failed',
  'cancelled',
]);

/** Output kept per command: enough to see what happened, never a whole table of 1,000 servers. */
export const EXCERPT_CHARS = 2000;

export function excerpt(text: string, max = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.floor(max * 0.6));
  const tail = text.slice(text.length - Math.floor(max * 0.3));
  return `${head}\n… (${text.length - head.length - tail.length} characters left out) …\n${tail}`;
}

const commandRecordSchema = z.object({
  host: z.string(),
  argv: z.array(z.string()),
  startedAt: z.number(),
  durationMs: z.number(),
  /** null: killed, or no exit status. */
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  /** ok; already-done (ipvsadm said so); failed (ran, wrong result); error (did not run to the end). */
  outcome: z.enum(['ok', 'already-done', 'failed', 'error']),
  /** What the outcome means, in words (ipvsadm's advice, the SSH error). */
  note: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
});
export type CommandRecord = z.infer<typeof commandRecordSchema>;

const checkRecordSchema = z.object({
  what: z.string(),
  state: z.enum(['pass', 'fail', 'unknown']),
  detail: z.string(),
});
export type CheckRecord = z.infer<typeof checkRecordSchema>;

export const STEP_STATES = [
  'pending',
  'running',
  'done',
  'skipped',
  'failed',
  'timed-out',
  'rolled-back',
] as const;

const stepRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  required: z.boolean(),
  state: z.enum(STEP_STATES),
  /** Its commands ran and changed something (not skipped as already done). */
  acted: z.boolean(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  /** Why it was skipped, what the wait last saw, why it failed. */
  note: z.string().nullable(),
  commands: z.array(commandRecordSchema),
  checks: z.array(checkRecordSchema),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

const safetySchema = z.object({
  name: z.string(),
  state: z.enum(['pass', 'warn', 'fail']),
  detail: z.string(),
});
const blockerSchema = z.object({ code: z.string(), message: z.string(), overridable: z.boolean() });

/** The plan as the audit keeps it: the rendering people saw and the facts behind it. */
const planRecordSchema = z.object({
  title: z.string(),
  activeDirector: z.string().nullable(),
  mrkdwn: z.string(),
  text: z.string(),
  snapshot: snapshotSchema,
  safety: z.array(safetySchema),
  blockers: z.array(blockerSchema),
  /** It may run as is (no blockers), or only with an override of the capacity floor. */
  canRun: z.boolean(),
  needsOverride: z.boolean(),
  alreadyDone: z.boolean(),
  undo: z.string().nullable(),
  /** The whole plan (src/playbooks Plan) as JSON: a resumed job runs exactly this. */
  data: z.unknown(),
  /** The reads it was made from, summarized. */
  observed: z.record(z.string(), z.string()),
  madeAt: z.number(),
});
export type PlanRecord = z.infer<typeof planRecordSchema>;

const attemptSchema = z.object({
  n: z.number(),
  worker: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.string().nullable(),
});

export const auditRecordSchema = z.object({
  id: z.string(),
  queue: z.string(),
  kind: jobKindSchema,
  playbook: z.enum(PLAYBOOK_NAMES),
  cluster: z.string(),
  request: jobRequestSchema,
  requestedBy: requesterSchema,
  approval: approvalSchema.nullable(),
  queuedAt: z.number(),
  status: z.enum(JOB_STATUSES),
  /** One line: what came of it. */
  summary: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  attempts: z.array(attemptSchema),
  plan: planRecordSchema.nullable(),
  /** The plan started acting: a re-run resumes it instead of planning again. */
  acting: z.boolean(),
  steps: z.array(stepRecordSchema),
  recheck: z.object({ changed: z.boolean(), summary: z.string() }).nullable(),
  cancel: z.object({ by: z.string(), at: z.number() }).nullable(),
  /** Timeline: queued, picked up by a worker, stopped, handed back … */
  log: z.array(z.object({ at: z.number(), text: z.string() })),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** Audit records are kept for this long after the last write. */
export const AUDIT_TTL_SECONDS = 90 * 86_400;

/** Reads and writes audit records (one JSON value per job, rewritten whole by its one writer). */
export class JobAudit {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new JobKeys(),
  ) {}

  async get(jobId: string): Promise<AuditRecord | null> {
    const raw = await this.redis.get(this.keys.audit(jobId));
    if (raw === null) return null;
    const parsed = auditRecordSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) {
      throw new Error(
        `the audit record of ${jobId} cannot be read: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }

  async put(record: AuditRecord): Promise<void> {
    await this.redis.set(this.keys.audit(record.id), JSON.stringify(record), 'EX', AUDIT_TTL_SECONDS);
  }

  /** The newest jobs first. */
  async recent(limit: number): Promise<AuditRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.recent(), 0, Math.max(0, limit - 1));
    const records = await Promise.all(ids.map((id) => this.get(id).catch(() => null)));
    return records.filter((r): r is AuditRecord => r !== null);
  }
}
