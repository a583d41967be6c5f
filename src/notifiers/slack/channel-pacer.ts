import type { Redis } from 'ioredis';
import { Keys } from '../../store/keys.js';
import { LuaScript } from '../../store/lua-script.js';

export type PaceVerdict = { reserved: true; waitMs: number } | { reserved: false; waitMs: number };

// Reserves the channel's next write slot: at most one write per interval per channel, for
// every worker process together (Redis's clock is the one clock). A slot further away than
// maxWaitMs is not reserved: the caller delays its job instead of holding a worker.
const RESERVE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt < now then nextAt = now end
local wait = nextAt - now
if wait > tonumber(ARGV[2]) then return {0, wait} end
redis.call('SET', KEYS[1], tostring(nextAt + interval), 'PX', wait + interval + 60000)
return {1, wait}
`);

// Pushes the channel's next slot out (Slack said Retry-After), never pulls it in.
const BLOCK = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilAt = now + tonumber(ARGV[1])
local nextAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextAt < untilAt then
  redis.call('SET', KEYS[1], tostring(untilAt), 'PX', tonumber(ARGV[1]) + 60000)
end
return untilAt
`);

/**
 * Slack allows about one message per second per channel, and chat.update is a Tier 3 method
 * (about 50 a minute for the whole workspace). Every write takes a slot here first, so a storm
 * is spread out instead of running into 429s; a 429 pushes that channel's slots out by
 * Retry-After and leaves other channels alone.
 */
export class ChannelPacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
    /** Between two writes to one channel; 0 turns pacing off (a Retry-After from Slack still holds). */
    readonly intervalMs = 1100,
    readonly maxWaitMs = 1500,
    /** Between two chat.update calls in the workspace (Tier 3: 50 a minute); 0: off. */
    readonly updateIntervalMs = intervalMs > 0 ? 1300 : 0,
  ) {}

  /** A slot to write to the channel (and, for chat.update, one of the workspace's update slots). */
  async reserve(channel: string, method?: string): Promise<PaceVerdict> {
    if (method === 'chat.update') {
      const slot = await this.take(this.keys.slackPace('method-chat.update'), this.updateIntervalMs);
      if (!slot.reserved) return slot;
      const channelSlot = await this.take(this.keys.slackPace(channel), this.intervalMs);
      return channelSlot.reserved
        ? { reserved: true, waitMs: Math.max(slot.waitMs, channelSlot.waitMs) }
        : channelSlot;
    }
    return this.take(this.keys.slackPace(channel), this.intervalMs);
  }

  private async take(key: string, intervalMs: number): Promise<PaceVerdict> {
    const [reserved, wait] = (await RESERVE.run(
      this.redis,
      [key],
      [String(intervalMs), String(this.maxWaitMs)],
    )) as [number, number];
    return reserved === 1 ? { reserved: true, waitMs: wait } : { reserved: false, waitMs: wait };
  }

  async block(channel: string, ms: number): Promise<void> {
    await BLOCK.run(this.redis, [this.keys.slackPace(channel)], [String(Math.max(0, Math.ceil(ms)))]);
  }
}
