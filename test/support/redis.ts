import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A real Redis connection and a fresh key prefix, so tests never see each other's keys. */
export function testRedis(): {
  redis: Redis;
  prefix: string;
  connect: () => Redis;
  cleanup: () => Promise<void>;
} {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const opened: Redis[] = [];
  const connect = () => {
    const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
    opened.push(r);
    return r;
  };
  const redis = connect();
  return {
    redis,
    prefix,
    connect,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await Promise.all(opened.map((r) => r.quit().catch(() => undefined)));
    },
  };
}
