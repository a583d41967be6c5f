import type { Redis } from 'ioredis';
import { z } from 'zod';
import { JobKeys } from './job-keys.js';

const keptSchema = z.object({
  weight: z.number().int().min(0).max(65535),
  at: z.number(),
  jobId: z.string(),
});
export type KeptWeight = z.infer<typeof keptSchema>;

/** A drained weight is kept this long; an undrain after that falls back to the inventory's. */
const KEEP_SECONDS = 30 * 86_400;

/**
 * The weight a real server had in a virtual service before a drain set it to 0, so `/lvs
 * undrain` restores exactly that. Written once per drain (a re-run after a crash finds weight 0
 * and must not overwrite what was kept); forgotten when an undrain succeeds.
 */
export class DrainMemory {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new JobKeys(),
  ) {}

  /** Keeps `weight` unless a weight is already kept for this server and service. True when kept now. */
  async keep(
    cluster: string,
    realServer: string,
    service: string,
    weight: number,
    jobId: string,
  ): Promise<boolean> {
    const value: KeptWeight = { weight, at: Date.now(), jobId };
    const res = await this.redis.set(
      this.keys.drainedWeight(cluster, realServer, service),
      JSON.stringify(value),
      'EX',
      KEEP_SECONDS,
      'NX',
    );
    return res === 'OK';
  }

  async get(cluster: string, realServer: string, service: string): Promise<KeptWeight | null> {
    const raw = await this.redis.get(this.keys.drainedWeight(cluster, realServer, service));
    if (raw === null) return null;
    const parsed = keptSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  async forget(cluster: string, realServer: string, service: string): Promise<void> {
    await this.redis.del(this.keys.drainedWeight(cluster, realServer, service));
  }
}
