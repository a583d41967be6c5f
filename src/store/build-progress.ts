import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Where each cluster's guided build stands, in Redis (one JSON value per cluster, so every bot
 * process sees the same): the current step, each step done or skipped (a skip has a reason,
 * who and when), stopped or running, the Slack message that shows it, the last check of each
 * step, and a short history. Step ids are the build's (src/build/steps); the store keeps them
 * as given.
 */

const stepRecordSchema = z.object({
  status: z.enum(['done', 'skipped']),
  by: z.string(),
  at: z.number(),
  reason: z.string().optional(),
});

const checkRecordSchema = z.object({
  at: z.number(),
  by: z.string(),
  pass: z.boolean(),
  verdicts: z.array(
    z.object({ id: z.string(), title: z.string(), pass: z.boolean(), evidence: z.array(z.string()) }),
  ),
});

const applyRecordSchema = z.object({
  id: z.string(),
  step: z.string(),
  status: z.enum(['pending', 'rejected', 'running', 'done', 'failed', 'expired']),
  summary: z.string(),
  /** Of the actions without their secrets: an approval is for exactly what was shown. */
  hash: z.string(),
  requestedBy: z.string(),
  requestedAt: z.number(),
  decidedBy: z.string().optional(),
  decidedAt: z.number().optional(),
  /** One line per action run: what, and how it ended. */
  result: z.array(z.string()).optional(),
  /** The `build-step` job that runs it, once queued (`/lvs job ID`). */
  job: z.string().optional(),
});

const progressSchema = z.object({
  v: z.literal(1),
  cluster: z.string(),
  current: z.string(),
  steps: z.record(z.string(), stepRecordSchema),
  checks: z.record(z.string(), checkRecordSchema),
  stopped: z.object({ by: z.string(), at: z.number() }).nullable(),
  message: z.object({ channel: z.string(), ts: z.string() }).nullable(),
  startedBy: z.string(),
  startedAt: z.number(),
  updatedAt: z.number(),
  history: z.array(z.object({ at: z.number(), by: z.string(), what: z.string() })),
  applies: z.record(z.string(), applyRecordSchema).default({}),
  applySeq: z.number().default(0),
});

export type BuildProgress = z.infer<typeof progressSchema>;
export type StepRecord = z.infer<typeof stepRecordSchema>;
export type CheckRecord = z.infer<typeof checkRecordSchema>;
export type ApplyRecord = z.infer<typeof applyRecordSchema>;

/** History kept per cluster: enough to see who did what lately. */
const HISTORY = 200;
/** Longest skip reason kept (a Slack modal's input allows 3000). */
const MAX_REASON = 500;

export class BuildProgressError extends Error {
  constructor(
    readonly code: 'NOT_STARTED' | 'REASON_REQUIRED' | 'BUSY' | 'CORRUPT' | 'NO_SUCH_APPLY' | 'APPLY_DECIDED',
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'BuildProgressError';
  }
}

export class BuildProgressStore {
  /** One update at a time per cluster in this process: WATCH is per connection. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lvs',
  ) {}

  key(cluster: string): string {
    return `${this.prefix}:{${cluster}}:build:progress`;
  }

  async get(cluster: string): Promise<BuildProgress | null> {
    return this.parse(cluster, await this.redis.get(this.key(cluster)));
  }

  /** Starts the build at `firstStep`, or resumes a stopped one where it was. */
  async start(cluster: string, by: string, firstStep: string, now = Date.now()): Promise<BuildProgress> {
    return this.update(cluster, (p) => {
      if (p === null) {
        return {
          v: 1,
          cluster,
          current: firstStep,
          steps: {},
          checks: {},
          stopped: null,
          message: null,
          startedBy: by,
          startedAt: now,
          updatedAt: now,
          history: [{ at: now, by, what: `started at ${firstStep}` }],
          applies: {},
          applySeq: 0,
        };
      }
      if (p.stopped === null) return p;
      return log({ ...p, stopped: null }, now, by, `resumed at ${p.current}`);
    });
  }

  /** Moves to a step (Next, Back, or a jump); the steps' records are kept. */
  async goTo(cluster: string, step: string, by: string, now = Date.now()): Promise<BuildProgress> {
    return this.existing(cluster, (p) =>
      p.current === step ? p : log({ ...p, current: step }, now, by, `went to ${step}`),
    );
  }

  async markDone(cluster: string, step: string, by: string, now = Date.now()): Promise<BuildProgress> {
    return this.existing(cluster, (p) =>
      log({ ...p, steps: { ...p.steps, [step]: { status: 'done', by, at: now } } }, now, by, `${step} done`),
    );
  }

  /** A skip needs a reason: it is recorded with who and when. */
  async skip(
    cluster: string,
    step: string,
    by: string,
    reason: string,
    now = Date.now(),
  ): Promise<BuildProgress> {
    const why = reason.trim().slice(0, MAX_REASON);
    if (why === '') throw new BuildProgressError('REASON_REQUIRED', `say why ${step} is skipped`);
    return this.existing(cluster, (p) =>
      log(
        { ...p, steps: { ...p.steps, [step]: { status: 'skipped', by, at: now, reason: why } } },
        now,
        by,
        `${step} skipped: ${why}`,
      ),
    );
  }

  /** Forgets a step's done or skipped mark (going back to redo it). */
  async reopen(cluster: string, step: string, by: string, now = Date.now()): Promise<BuildProgress> {
    return this.existing(cluster, (p) => {
      if (!(step in p.steps)) return p;
      const { [step]: _, ...steps } = p.steps;
      return log({ ...p, steps }, now, by, `${step} reopened`);
    });
  }

  async recordCheck(
    cluster: string,
    step: string,
    by: string,
    verdicts: CheckRecord['verdicts'],
    now = Date.now(),
  ): Promise<BuildProgress> {
    const pass = verdicts.length > 0 && verdicts.every((v) => v.pass);
    return this.existing(cluster, (p) =>
      log(
        { ...p, checks: { ...p.checks, [step]: { at: now, by, pass, verdicts } } },
        now,
        by,
        `${step} checked: ${pass ? 'pass' : 'fail'}`,
      ),
    );
  }

  /** Records a request to Apply a step; it waits for an approver. */
  async requestApply(
    cluster: string,
    step: string,
    by: string,
    plan: { summary: string; hash: string },
    now = Date.now(),
  ): Promise<{ progress: BuildProgress; apply: ApplyRecord }> {
    let apply: ApplyRecord | undefined;
    const progress = await this.existing(cluster, (p) => {
      const id = `a${p.applySeq + 1}`;
      apply = { id, step, status: 'pending', ...plan, requestedBy: by, requestedAt: now };
      return log(
        { ...p, applySeq: p.applySeq + 1, applies: { ...p.applies, [id]: apply } },
        now,
        by,
        `asked to apply ${step} (${id})`,
      );
    });
    return { progress, apply: apply! };
  }

  /**
   * An approver's answer to a pending Apply: `running` when approved, `rejected`, or `expired`
   * when it waited longer than `expiresAfterMs`. Anything but a pending request is refused.
   */
  async decideApply(
    cluster: string,
    id: string,
    by: string,
    decision: 'running' | 'rejected',
    expiresAfterMs: number,
    now = Date.now(),
  ): Promise<ApplyRecord> {
    let decided: ApplyRecord | undefined;
    await this.existing(cluster, (p) => {
      const a = p.applies[id];
      if (!a)
        throw new BuildProgressError('NO_SUCH_APPLY', `there is no Apply ${id} in the build of ${cluster}`);
      if (a.status !== 'pending')
        throw new BuildProgressError('APPLY_DECIDED', `Apply ${id} (${a.step}) is already ${a.status}`);
      const expired = now - a.requestedAt > expiresAfterMs;
      decided = { ...a, status: expired ? 'expired' : decision, decidedBy: by, decidedAt: now };
      return log(
        { ...p, applies: { ...p.applies, [id]: decided } },
        now,
        by,
        `${expired ? 'found expired' : decision === 'running' ? 'approved' : 'rejected'} apply ${id} of ${a.step}`,
      );
    });
    return decided!;
  }

  /** Notes the job an approved Apply was queued as. */
  async setApplyJob(cluster: string, id: string, job: string, now = Date.now()): Promise<ApplyRecord> {
    let updated: ApplyRecord | undefined;
    await this.existing(cluster, (p) => {
      const a = p.applies[id];
      if (!a)
        throw new BuildProgressError('NO_SUCH_APPLY', `there is no Apply ${id} in the build of ${cluster}`);
      updated = { ...a, job };
      return log(
        { ...p, applies: { ...p.applies, [id]: updated } },
        now,
        a.decidedBy ?? a.requestedBy,
        `apply ${id} of ${a.step} queued as ${job}`,
      );
    });
    return updated!;
  }

  async finishApply(
    cluster: string,
    id: string,
    status: 'done' | 'failed',
    result: string[],
    now = Date.now(),
  ): Promise<ApplyRecord> {
    let finished: ApplyRecord | undefined;
    await this.existing(cluster, (p) => {
      const a = p.applies[id];
      if (!a)
        throw new BuildProgressError('NO_SUCH_APPLY', `there is no Apply ${id} in the build of ${cluster}`);
      finished = { ...a, status, result };
      return log(
        { ...p, applies: { ...p.applies, [id]: finished } },
        now,
        a.decidedBy ?? a.requestedBy,
        `apply ${id} of ${a.step} ${status}`,
      );
    });
    return finished!;
  }

  async stop(cluster: string, by: string, now = Date.now()): Promise<BuildProgress> {
    return this.existing(cluster, (p) =>
      p.stopped !== null ? p : log({ ...p, stopped: { by, at: now } }, now, by, `stopped at ${p.current}`),
    );
  }

  async setMessage(cluster: string, channel: string, ts: string): Promise<BuildProgress> {
    return this.existing(cluster, (p) => ({ ...p, message: { channel, ts } }));
  }

  /** Forgets the whole build of a cluster. */
  async reset(cluster: string): Promise<void> {
    await this.redis.del(this.key(cluster));
  }

  private existing(cluster: string, fn: (p: BuildProgress) => BuildProgress): Promise<BuildProgress> {
    return this.update(cluster, (p) => {
      if (p === null)
        throw new BuildProgressError(
          'NOT_STARTED',
          `no build of ${cluster} is under way: start it with /lvs build ${cluster}`,
        );
      return fn(p);
    });
  }

  private update(cluster: string, fn: (p: BuildProgress | null) => BuildProgress): Promise<BuildProgress> {
    const previous = this.queues.get(cluster) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.transaction(cluster, fn));
    this.queues.set(cluster, next);
    void next
      .finally(() => {
        if (this.queues.get(cluster) === next) this.queues.delete(cluster);
      })
      .catch(() => undefined);
    return next;
  }

  /** Optimistic: another bot process writing meanwhile makes EXEC return null, and we read again. */
  private async transaction(
    cluster: string,
    fn: (p: BuildProgress | null) => BuildProgress,
  ): Promise<BuildProgress> {
    const key = this.key(cluster);
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.redis.watch(key);
      let current: BuildProgress | null;
      let next: BuildProgress;
      try {
        current = this.parse(cluster, await this.redis.get(key));
        next = fn(current);
      } catch (e) {
        await this.redis.unwatch();
        throw e;
      }
      if (next === current) {
        await this.redis.unwatch();
        return next;
      }
      const done = await this.redis.multi().set(key, JSON.stringify(next)).exec();
      if (done !== null) return next;
    }
    throw new BuildProgressError(
      'BUSY',
      `the build of ${cluster} is being changed by someone else; try again`,
      true,
    );
  }

  private parse(cluster: string, raw: string | null): BuildProgress | null {
    if (raw === null) return null;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = undefined;
    }
    const parsed = progressSchema.safeParse(data);
    if (!parsed.success)
      throw new BuildProgressError(
        'CORRUPT',
        `the stored build of ${cluster} cannot be read (${parsed.error.issues[0]?.message ?? 'not JSON'}); start over with a reset`,
      );
    return parsed.data;
  }
}

function log(p: BuildProgress, at: number, by: string, what: string): BuildProgress {
  return { ...p, updatedAt: at, history: [...p.history, { at, by, what }].slice(-HISTORY) };
}
