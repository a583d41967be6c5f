import type { Redis } from 'ioredis';
import { AUTO_CAP_WINDOW_MS, type AutoCapDecision, checkAutoCap } from '../core/policy/auto-cap.js';
import { JobKeys } from './job-keys.js';

// Adds the action only if the window still holds as many as the decision saw (compare and
// add): two processes deciding at once about one server cannot both slip under the cap.
const ADD_IF_UNCHANGED = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (tonumber(ARGV[1]) - tonumber(ARGV[2])))
local n = redis.call('ZCARD', KEYS[1])
if n ~= tonumber(ARGV[3]) then return -1 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return n + 1
`;

/** The times of automatic actions per real server, in Redis, with the cap (src/core/policy) applied. */
export class AutoActionLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new JobKeys(),
  ) {}

  /** Records an automatic action at `now`, unless the cap says no. */
  async tryRecord(
    cluster: string,
    realServer: string,
    maxPerHour: number,
    now = Date.now(),
  ): Promise<AutoCapDecision> {
    const key = this.keys.autoActions(cluster, realServer);
    for (let attempt = 0; attempt < 20; attempt++) {
      const flat = await this.redis.zrangebyscore(key, now - AUTO_CAP_WINDOW_MS, '+inf', 'WITHSCORES');
      const recent = flat.filter((_, i) => i % 2 === 1).map(Number);
      const decision = checkAutoCap({ recent, now, maxPerHour, realServer });
      if (!decision.allowed) return decision;
      const member = `${now}:${Math.random().toString(36).slice(2, 10)}`;
      const added = (await this.redis.eval(
        ADD_IF_UNCHANGED,
        1,
        key,
        String(now),
        String(AUTO_CAP_WINDOW_MS),
        String(recent.length),
        member,
      )) as number;
      if (added >= 0) return decision;
    }
    throw new Error(`the automatic-action log of ${realServer} kept changing; try again`);
  }
}
