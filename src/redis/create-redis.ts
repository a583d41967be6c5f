import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Env } from '../config/env.js';
import { parseRedisUrl, type RedisTarget, redact } from '../config/redis-url.js';

/**
 * What a connection is for; each wants different behaviour when Redis goes away:
 * - `command`: ordinary reads and writes; a command is retried over a few reconnects, then fails.
 * - `blocking`: BullMQ queues, workers and queue events, the event stream's reader; BullMQ
 *   requires `maxRetriesPerRequest: null` (a command waits for Redis to come back, however long).
 * - `ingest`: the HTTP ingest; fails at once when Redis is away (the sender spools and resends);
 *   auto-pipelined, so many concurrent requests cost Redis one write.
 * - `probe`: one look (doctor, the demo's "is there a Redis?"); connects only when asked, no retries.
 */
export type RedisRole = 'command' | 'blocking' | 'ingest' | 'probe';

export interface RedisOverrides {
  /** How long a connection attempt may take (default 10 s; probes 3 s). */
  connectTimeoutMs?: number;
}

/**
 * Opens a Redis connection for `role` to what REDIS_URL names: one server, the primary of a
 * Sentinel set (found again after a failover), or a Redis Cluster. Every process opens its
 * connections here, so all of them follow a failover the same way.
 *
 * A Cluster connection is typed as a Redis: ioredis' Cluster answers the same commands, and
 * every multi-key command, script and transaction of the project stays in one hash slot
 * (src/store/keys.ts, src/queues/job-keys.ts, the BullMQ prefixes).
 */
export function createRedis(env: Pick<Env, 'REDIS_URL'>, role: RedisRole, over: RedisOverrides = {}): Redis {
  const target = parseRedisUrl(env.REDIS_URL);
  // readEnv has checked it; a caller that built its own env gets the same message.
  if (!target.ok) throw new Error(`REDIS_URL: ${target.error}`);
  return connectTo(target.value, role, over);
}

export function connectTo(target: RedisTarget, role: RedisRole, over: RedisOverrides = {}): Redis {
  const options = roleOptions(role, over);
  switch (target.kind) {
    case 'standalone':
      return new Redis(target.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        db: target.db,
        ...(target.username && { username: target.username }),
        ...(target.password && { password: target.password }),
        ...(target.sentinelUsername && { sentinelUsername: target.sentinelUsername }),
        ...(target.sentinelPassword && { sentinelPassword: target.sentinelPassword }),
        ...(target.tls && { tls: {}, enableTLSForSentinelMode: true }),
        // No failoverDetector: in ioredis 6 a +switch-master that arrives while the connection
        // is already reconnecting ends it for good ("Connection is closed."). A dead primary
        // is left by reconnecting; a demoted one answers READONLY (reconnectOnError below).
        sentinelRetryStrategy: (times: number) => (role === 'probe' ? null : backoff(times)),
      });
    case 'cluster': {
      const { retryStrategy: _perNode, enableOfflineQueue, lazyConnect, ...perNode } = options;
      const clusterOptions: ClusterOptions = {
        enableReadyCheck: true,
        ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
        ...(lazyConnect !== undefined && { lazyConnect }),
        clusterRetryStrategy: (times: number) => (role === 'probe' ? null : backoff(times)),
        redisOptions: {
          ...perNode,
          ...(target.username && { username: target.username }),
          ...(target.password && { password: target.password }),
          ...(target.tls && { tls: {} }),
        },
      };
      return new Cluster(target.nodes, clusterOptions) as unknown as Redis;
    }
  }
}

/** REDIS_URL for messages and logs: the password replaced by ***. */
export function describeRedis(env: Pick<Env, 'REDIS_URL'>): string {
  return redact(env.REDIS_URL);
}

function roleOptions(role: RedisRole, over: RedisOverrides): RedisOptions {
  const common: RedisOptions = {
    enableReadyCheck: true,
    connectTimeout: over.connectTimeoutMs ?? (role === 'probe' ? 3000 : 10_000),
    retryStrategy: (times: number) => (role === 'probe' ? null : backoff(times)),
    // A primary turned into a replica (a failover) answers writes with READONLY: reconnect,
    // which finds the new primary, and send the command again.
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  switch (role) {
    case 'command':
      return { ...common, maxRetriesPerRequest: 3 };
    case 'blocking':
      return { ...common, maxRetriesPerRequest: null };
    case 'ingest':
      // Auto-pipelining: the admits of the requests read in one turn of the event loop go
      // to Redis in one write, instead of a write (a system call) per alert.
      return {
        ...common,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 5000,
        enableAutoPipelining: true,
      };
    case 'probe':
      return { ...common, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 };
  }
}

/** 100 ms, 200 ms, 400 ms … at most 2 s between reconnects. */
function backoff(times: number): number {
  return Math.min(100 * 2 ** Math.min(times - 1, 5), 2000);
}
