import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LuaScript } from './lua-script.js';

/**
 * A job whose Slack message a bot keeps up to date (progress, then the result): the message,
 * and the approval request the run came from (none when the policy let it run without one).
 */
export const followedJobSchema = z.object({
  jobId: z.string(),
  channel: z.string(),
  ts: z.string(),
  approvalId: z.string().optional(),
  since: z.number(),
  endedAt: z.number().optional(),
});
export type FollowedJob = z.infer<typeof followedJobSchema>;

/** Renews a lease only for its owner (a lease another bot took over stays theirs). */
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`);

/** Gives a lease back only if it is still the caller's. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`);

/**
 * What the bots follow, in Redis, so that following outlives the bot that started it: a bot
 * that starts (or one of several that are running) takes over every followed job whose lease
 * nobody renews, and its message still reaches the job's end. One bot at a time follows a job
 * (the lease); the record is kept a day after the job ends, for the record.
 */
export class FollowedJobs {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lvs',
    private readonly opts: { endedTtlSeconds?: number; activeTtlSeconds?: number } = {},
  ) {}

  // One hash tag: a Redis Cluster keeps every key of this store in one slot.
  private job(jobId: string): string {
    return `${this.prefix}:{follow}:job:${jobId}`;
  }
  private active(): string {
    return `${this.prefix}:{follow}:active`;
  }
  private lease(jobId: string): string {
    return `${this.prefix}:{follow}:lease:${jobId}`;
  }

  /** Records a job to follow. A job still followed after a week is given up (its record expires). */
  async add(job: Omit<FollowedJob, 'since' | 'endedAt'>, now = Date.now()): Promise<FollowedJob> {
    const record = followedJobSchema.parse({ ...job, since: now });
    await this.redis
      .multi()
      .set(this.job(job.jobId), JSON.stringify(record), 'EX', this.opts.activeTtlSeconds ?? 7 * 86_400)
      .zadd(this.active(), now, job.jobId)
      .exec();
    return record;
  }

  /** Every job being followed (its job not ended yet), oldest first. */
  async list(): Promise<FollowedJob[]> {
    const ids = await this.redis.zrange(this.active(), '0', '-1');
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.job(id)));
    const out: FollowedJob[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const parsed = raws[i] ? followedJobSchema.safeParse(JSON.parse(raws[i]!)) : undefined;
      if (parsed?.success) out.push(parsed.data);
      else gone.push(id);
    });
    // A record that expired (followed for a week) or cannot be read is no longer followed.
    if (gone.length > 0) await this.redis.zrem(this.active(), ...gone);
    return out;
  }

  async get(jobId: string): Promise<FollowedJob | undefined> {
    const raw = await this.redis.get(this.job(jobId));
    const parsed = raw ? followedJobSchema.safeParse(JSON.parse(raw)) : undefined;
    return parsed?.success ? parsed.data : undefined;
  }

  /** Takes the lease of a job for `owner` unless another bot holds it. */
  async claim(jobId: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.lease(jobId), owner, 'PX', leaseMs, 'NX')) === 'OK';
  }

  /** Extends `owner`'s lease; false when it is no longer theirs (it expired and another bot took it). */
  async renew(jobId: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await RENEW.run(this.redis, [this.lease(jobId)], [owner, leaseMs])) === 1;
  }

  async release(jobId: string, owner: string): Promise<void> {
    await RELEASE.run(this.redis, [this.lease(jobId)], [owner]);
  }

  /**
   * The job ended and its message shows it: no longer followed; the record expires in a day.
   * True for the one caller that ended it (what is done once at the end is done by that one).
   */
  async end(jobId: string, now = Date.now()): Promise<boolean> {
    const current = await this.get(jobId);
    const ttl = this.opts.endedTtlSeconds ?? 86_400;
    const tx = this.redis.multi().zrem(this.active(), jobId).del(this.lease(jobId));
    if (current) tx.set(this.job(jobId), JSON.stringify({ ...current, endedAt: now }), 'EX', ttl);
    const results = await tx.exec();
    return results?.[0]?.[1] === 1;
  }
}
