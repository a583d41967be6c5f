import type { Redis } from 'ioredis';
import { type LvsEvent, lvsEventSchema } from '../core/events/event.js';
import { Keys } from './keys.js';
import { LuaScript } from './lua-script.js';

/** A stream entry: the event, or why it could not be read (it is acknowledged and logged). */
export type StoredEvent =
  | { streamId: string; event: LvsEvent; error?: undefined }
  | { streamId: string; event?: undefined; error: string };

// Stores the event and marks its id seen in one step, so a resend of an accepted alert
// is recognised and never stored twice, even with several bot processes.
const APPEND_ONCE = new LuaScript(`
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1])
end
return false
`);

/**
 * A flood gate for `admit`: a token bucket per sending host and the reports it made recently.
 * With no token left, an event still passes when its report is new (a flood never holds back
 * a distinct incident); a repeat is refused with the wait until the next token.
 */
export interface FloodGate {
  /** The sender (the ingest names it by its token and the inventory host it speaks as). */
  source: string;
  /** What makes two events the same report. */
  report: string;
  burst: number;
  perSecond: number;
  /** How long a report counts as made recently. */
  recentMs: number;
  /** The most reports remembered per host. */
  maxRecent: number;
}

export type Admission =
  | { kind: 'stored'; streamId: string; newReport: boolean }
  | { kind: 'duplicate' }
  | { kind: 'throttled'; retryAfterMs: number };

// A resend of an accepted event is a duplicate whatever the gate says; otherwise the gate's
// bucket decides, then the event is stored and its id marked seen, all in one step, so the
// ingest needs one round trip per event. Redis's clock is the one clock of every bot process.
const ADMIT = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return {'duplicate'} end
local isNew = 1
if ARGV[4] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local burst = tonumber(ARGV[4])
  local rate = tonumber(ARGV[5])
  local recentMs = tonumber(ARGV[7])
  local b = redis.call('HMGET', KEYS[3], 'tokens', 'ts')
  local tokens = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  local seen = redis.call('ZSCORE', KEYS[4], ARGV[6])
  if seen and now - tonumber(seen) <= recentMs then isNew = 0 end
  if tokens >= 1 then
    tokens = tokens - 1
  elseif isNew == 0 then
    redis.call('HSET', KEYS[3], 'tokens', tostring(tokens), 'ts', tostring(now))
    return {'throttled', tostring(math.ceil((1 - tokens) * 1000 / rate))}
  end
  redis.call('HSET', KEYS[3], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[3], math.ceil(burst * 1000 / rate) + 1000)
  redis.call('ZADD', KEYS[4], now, ARGV[6])
  if isNew == 1 then
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - recentMs)
    local n = redis.call('ZCARD', KEYS[4])
    if n > tonumber(ARGV[8]) then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, n - tonumber(ARGV[8]) - 1) end
  end
  redis.call('PEXPIRE', KEYS[4], recentMs)
end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[3])
return {'stored', redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[1]), tostring(isNew)}
`);

/**
 * The durable ingest log: a Redis stream. An event is appended before the ingest answers
 * 202; consumers (the incident processor) read it through a consumer group, so an event
 * whose consumer died before acknowledging it is handed out again.
 */
export class EventStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
    private readonly opts: { maxLen: number; seenTtlSeconds: number } = {
      maxLen: 1_000_000,
      seenTtlSeconds: 7 * 86_400,
    },
  ) {}

  /** Appends the event unless its id was seen before. Returns the stream id, or null for a duplicate. */
  async append(event: LvsEvent): Promise<string | null> {
    const res = (await APPEND_ONCE.run(
      this.redis,
      [this.keys.eventStream(), this.keys.eventSeen(event.id)],
      [JSON.stringify(event), String(this.opts.maxLen), String(this.opts.seenTtlSeconds)],
    )) as string | null;
    return res ?? null;
  }

  /**
   * The ingest's append: a duplicate is recognised, a flood gate (when given) may refuse a
   * repeated report, and otherwise the event is stored, in one round trip.
   */
  async admit(event: LvsEvent, gate?: FloodGate): Promise<Admission> {
    const res = (await ADMIT.run(
      this.redis,
      [
        this.keys.eventStream(),
        this.keys.eventSeen(event.id),
        this.keys.throttleBucket(gate?.source ?? ''),
        this.keys.throttleRecent(gate?.source ?? ''),
      ],
      [
        JSON.stringify(event),
        String(this.opts.maxLen),
        String(this.opts.seenTtlSeconds),
        gate ? String(gate.burst) : '',
        gate ? String(gate.perSecond) : '',
        gate?.report ?? '',
        gate ? String(gate.recentMs) : '',
        gate ? String(gate.maxRecent) : '',
      ],
    )) as [string, string?, string?];
    if (res[0] === 'duplicate') return { kind: 'duplicate' };
    if (res[0] === 'throttled') return { kind: 'throttled', retryAfterMs: Number(res[1]) };
    return { kind: 'stored', streamId: res[1]!, newReport: res[2] === '1' };
  }

  async ensureGroup(group: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.eventStream(), group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /**
   * Reads up to `count` events for `consumer`: first those it was given before and never
   * acknowledged (after a crash), then new ones, waiting up to `blockMs` for them.
   */
  async read(group: string, consumer: string, count: number, blockMs: number): Promise<StoredEvent[]> {
    const pending = await this.readFrom(group, consumer, count, '0');
    if (pending.length > 0) return pending;
    return this.readFrom(group, consumer, count, '>', blockMs);
  }

  /** Takes over events that another consumer held for longer than `idleMs` (it died). */
  async claimStale(group: string, consumer: string, idleMs: number, count = 100): Promise<StoredEvent[]> {
    const res = (await this.redis.xautoclaim(
      this.keys.eventStream(),
      group,
      consumer,
      idleMs,
      '0',
      'COUNT',
      count,
    )) as [string, [string, string[]][]];
    return decodeEntries(res[1]);
  }

  async ack(group: string, streamIds: string[]): Promise<void> {
    if (streamIds.length > 0) await this.redis.xack(this.keys.eventStream(), group, ...streamIds);
  }

  async length(): Promise<number> {
    return this.redis.xlen(this.keys.eventStream());
  }

  private async readFrom(
    group: string,
    consumer: string,
    count: number,
    from: string,
    blockMs?: number,
  ): Promise<StoredEvent[]> {
    const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', count];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.keys.eventStream(), from);
    // ioredis types xreadgroup loosely; the reply is [[stream, [[id, [field, value, …]], …]]].
    const res = (await (
      this.redis as unknown as { xreadgroup: (...a: unknown[]) => Promise<unknown> }
    ).xreadgroup(...args)) as [string, [string, string[]][]][] | null;
    if (!res || res.length === 0) return [];
    return decodeEntries(res[0]![1]);
  }
}

function decodeEntries(entries: [string, string[] | null][]): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const [streamId, fields] of entries) {
    if (!fields) continue; // trimmed away while pending
    const idx = fields.indexOf('event');
    const raw = idx >= 0 ? fields[idx + 1] : undefined;
    if (raw === undefined) {
      out.push({ streamId, error: 'entry has no event field' });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      out.push({ streamId, error: 'entry is not JSON' });
      continue;
    }
    const parsed = lvsEventSchema.safeParse(json);
    out.push(parsed.success ? { streamId, event: parsed.data } : { streamId, error: parsed.error.message });
  }
  return out;
}
