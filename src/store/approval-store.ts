import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * An approval request: a planned change waiting for an approver's click. It moves from
 * `pending` exactly once (to approved, rejected or expired), atomically, so a replayed or
 * double click, or two bot processes handling the same click, change nothing the second time.
 */
export const approvalRequestSchema = z.object({
  id: z.string(),
  cluster: z.string(),
  /** The PlaybookRequest as queued (JSON). */
  request: z.record(z.string(), z.unknown()),
  requestedBy: z.string(),
  channel: z.string(),
  /** The approval message, once posted. */
  ts: z.string().optional(),
  planJobId: z.string(),
  snapshot: z.object({ lines: z.array(z.string()), hash: z.string() }),
  needsOverride: z.boolean(),
  /**
   * Set when the policy asks a typed confirmation (policy.approval.typedConfirmation): the name
   * (real server, fileset or director) the approver must type; a click alone does not approve.
   */
  confirmTarget: z.string().optional(),
  title: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  state: z.enum(['pending', 'approved', 'rejected', 'expired']),
  decidedBy: z.string().optional(),
  decidedAt: z.number().optional(),
  runJobId: z.string().optional(),
  /** Refused clicks: who, when, why (the audit trail keeps them). */
  refusals: z.array(z.object({ user: z.string(), at: z.number(), reason: z.string() })),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export class ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lvs',
    private readonly ttlSeconds = 30 * 86_400,
  ) {}

  /**
   * One key per request for what never changes, and one per thing that does (the message ts,
   * the run's job id, the refusals, the decision), so no write ever rewrites another's field
   * and no transaction is needed. The decision is written once (SET NX): the first click wins.
   */
  private key(id: string, part?: 'ts' | 'run' | 'refusals' | 'decision'): string {
    return `${this.prefix}:{approvals}:${id}${part ? `:${part}` : ''}`;
  }

  async create(
    input: Omit<ApprovalRequest, 'id' | 'state' | 'refusals' | 'createdAt'>,
    now = Date.now(),
  ): Promise<ApprovalRequest> {
    const request: ApprovalRequest = approvalRequestSchema.parse({
      ...input,
      id: `a${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      state: 'pending',
      refusals: [],
      createdAt: now,
    });
    await this.redis.set(this.key(request.id), JSON.stringify(request), 'EX', this.ttlSeconds);
    return request;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!/^a[0-9a-f]{12}$/.test(id)) return undefined;
    const [[, raw], [, ts], [, run], [, decision], [, refusals]] = (await this.redis
      .pipeline()
      .get(this.key(id))
      .get(this.key(id, 'ts'))
      .get(this.key(id, 'run'))
      .get(this.key(id, 'decision'))
      .lrange(this.key(id, 'refusals'), 0, -1)
      .exec()) as [
      [unknown, string | null],
      [unknown, string | null],
      [unknown, string | null],
      [unknown, string | null],
      [unknown, string[] | null],
    ];
    if (typeof raw !== 'string') return undefined;
    const parsed = approvalRequestSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    return {
      ...parsed.data,
      ...(typeof ts === 'string' && { ts }),
      ...(typeof run === 'string' && { runJobId: run }),
      ...(typeof decision === 'string' &&
        (JSON.parse(decision) as Pick<ApprovalRequest, 'state' | 'decidedBy' | 'decidedAt'>)),
      refusals: (refusals ?? []).map((r) => JSON.parse(r) as ApprovalRequest['refusals'][number]),
    };
  }

  /** Sets fields that do not change the decision (the message ts, the run's job id). */
  async update(id: string, fields: Partial<Pick<ApprovalRequest, 'ts' | 'runJobId'>>): Promise<void> {
    const p = this.redis.pipeline();
    if (fields.ts !== undefined) p.set(this.key(id, 'ts'), fields.ts, 'EX', this.ttlSeconds);
    if (fields.runJobId !== undefined) p.set(this.key(id, 'run'), fields.runJobId, 'EX', this.ttlSeconds);
    await p.exec();
  }

  async refuse(id: string, refusal: { user: string; at: number; reason: string }): Promise<void> {
    await this.redis
      .multi()
      .rpush(this.key(id, 'refusals'), JSON.stringify(refusal))
      .expire(this.key(id, 'refusals'), this.ttlSeconds)
      .exec();
  }

  /**
   * Decides a pending request. `won` is false when it was decided before (or does not exist):
   * the caller changes nothing then.
   */
  async decide(
    id: string,
    state: 'approved' | 'rejected' | 'expired',
    by: string,
    now = Date.now(),
  ): Promise<{ won: boolean; request?: ApprovalRequest }> {
    const exists = await this.get(id);
    if (!exists) return { won: false };
    const set = await this.redis.set(
      this.key(id, 'decision'),
      JSON.stringify({ state, decidedBy: by, decidedAt: now }),
      'EX',
      this.ttlSeconds,
      'NX',
    );
    return { won: set === 'OK', request: await this.get(id) };
  }
}
