import type { Redis } from 'ioredis';

/**
 * A fixed-window limit per user, shared by every bot process: at most `max` commands per
 * `windowSeconds`. Returns false once the user is over it.
 */
export function userRateLimit(redis: Redis, opts: { prefix?: string; max: number; windowSeconds: number }) {
  const prefix = opts.prefix ?? 'lvs';
  return async (user: string): Promise<boolean> => {
    const window = Math.floor(Date.now() / 1000 / opts.windowSeconds);
    const key = `${prefix}:{bot}:rate:${user}:${window}`;
    const [[, count]] = (await redis
      .multi()
      .incr(key)
      .expire(key, opts.windowSeconds * 2)
      .exec()) as [[Error | null, number], [Error | null, number]];
    return count <= opts.max;
  };
}
