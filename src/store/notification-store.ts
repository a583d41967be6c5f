import type { Redis } from 'ioredis';
import { INCIDENT_RETENTION_SECONDS } from './incident-store.js';
import { Keys } from './keys.js';

/**
 * Where the notifiers remember what they delivered, so that a retry, a redelivery or a
 * restarted worker never posts twice: per incident and channel, the Slack message (ts), the
 * version it shows, the version fully delivered (thread included), and a claim marker set
 * before a post (a claim without a ts means "a post may have gone out: look before posting").
 */
export interface MessageRef {
  ts?: string;
  /** The incident version the message shows. */
  shown: number;
  /** The version delivered completely (message and thread). */
  delivered: number;
  /** When a post was first attempted (epoch ms). */
  claimedAt?: number;
  /** 'digest': the incident is listed in a storm digest instead of its own message. */
  mode: 'own' | 'digest';
  digestId?: string;
}

/** A storm digest: one message listing a cluster's incidents in a channel during a storm. */
export interface Digest {
  id: string;
  open: boolean;
  openedAt: number;
  /** When the storm was declared over. */
  closedAt?: number;
  ts?: string;
  claimedAt?: number;
  /** A fingerprint of what the message shows, to skip updates that change nothing. */
  rendered?: string;
}

/** A thread reply: claimed (a post may have gone out) or posted. */
export type ThreadMark = { claimedAt: number; ts?: undefined } | { ts: string; claimedAt?: undefined };

// KEYS: digest hash, digest seq, opened zset, the incident's ref, members key prefix (id appended).
// ARGV: incident id, version, threshold, since, now, how long the ref and the members are kept (s).
const JOIN_STORM = `
local id
if redis.call('HGET', KEYS[1], 'open') == '1' then
  id = redis.call('HGET', KEYS[1], 'id')
else
  local since = tonumber(ARGV[4])
  local closedAt = tonumber(redis.call('HGET', KEYS[1], 'closedAt') or '0')
  if closedAt > since then since = closedAt end
  if redis.call('ZCOUNT', KEYS[3], since, '+inf') <= tonumber(ARGV[3]) then return false end
  id = tostring(redis.call('INCR', KEYS[2]))
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'id', id, 'open', '1', 'openedAt', ARGV[5])
end
redis.call('ZADD', KEYS[5] .. id .. ':members', 'NX', ARGV[5], ARGV[1])
redis.call('EXPIRE', KEYS[5] .. id .. ':members', ARGV[6])
redis.call('HSET', KEYS[4], 'mode', 'digest', 'digestId', id, 'shown', ARGV[2], 'delivered', ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[6])
return id
`;

const CLOSE_DIGEST = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('ZCARD', KEYS[2]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'open', '0', 'closedAt', ARGV[3])
return 1
`;

export class NotificationStore {
  constructor(
    private readonly redis: Redis,
    readonly keys = new Keys(),
  ) {}

  async ref(cluster: string, incidentId: string, channel: string): Promise<MessageRef> {
    const h = await this.redis.hgetall(this.keys.notifyRef(cluster, incidentId, channel));
    return {
      ...(h.ts && { ts: h.ts }),
      shown: Number(h.shown ?? 0),
      delivered: Number(h.delivered ?? 0),
      ...(h.claimedAt && { claimedAt: Number(h.claimedAt) }),
      mode: h.mode === 'digest' ? 'digest' : 'own',
      ...(h.digestId && { digestId: h.digestId }),
    };
  }

  /**
   * Marks that a post is about to be made. Returns when an earlier attempt claimed it (that
   * attempt may have posted before dying), or undefined when this is the first attempt.
   */
  async claimPost(
    cluster: string,
    incidentId: string,
    channel: string,
    now = Date.now(),
  ): Promise<number | undefined> {
    const key = this.keys.notifyRef(cluster, incidentId, channel);
    const [[, set], [, previous]] = (await this.redis
      .multi()
      .hsetnx(key, 'claimedAt', String(now))
      .hget(key, 'claimedAt')
      .expire(key, INCIDENT_RETENTION_SECONDS)
      .exec()) as [[null, number], [null, string]];
    return set === 1 ? undefined : Number(previous);
  }

  async setPosted(
    cluster: string,
    incidentId: string,
    channel: string,
    ts: string,
    shown: number,
  ): Promise<void> {
    await this.writeKept(this.keys.notifyRef(cluster, incidentId, channel), {
      ts,
      shown: String(shown),
      mode: 'own',
    });
  }

  async setShown(cluster: string, incidentId: string, channel: string, shown: number): Promise<void> {
    await this.writeKept(this.keys.notifyRef(cluster, incidentId, channel), { shown: String(shown) });
  }

  async setDelivered(cluster: string, incidentId: string, channel: string, version: number): Promise<void> {
    await this.writeKept(this.keys.notifyRef(cluster, incidentId, channel), { delivered: String(version) });
  }

  /**
   * Writes fields of an incident's message ref or thread marks, kept as long as the incident
   * is (INCIDENT_RETENTION_SECONDS from the last write): a message of an incident that is
   * gone from Redis is never edited again, so its ref would only take room.
   */
  private async writeKept(key: string, fields: Record<string, string>): Promise<void> {
    await this.redis.multi().hset(key, fields).expire(key, INCIDENT_RETENTION_SECONDS).exec();
  }

  /** Forgets the message (it was deleted, or the storm digest that listed the incident closed). */
  async resetRef(cluster: string, incidentId: string, channel: string): Promise<void> {
    await this.redis.del(
      this.keys.notifyRef(cluster, incidentId, channel),
      this.keys.notifyThread(cluster, incidentId, channel),
    );
  }

  async threadMarks(cluster: string, incidentId: string, channel: string): Promise<Map<string, ThreadMark>> {
    const h = await this.redis.hgetall(this.keys.notifyThread(cluster, incidentId, channel));
    const marks = new Map<string, ThreadMark>();
    for (const [entry, value] of Object.entries(h)) {
      if (value.startsWith('t:')) marks.set(entry, { ts: value.slice(2) });
      else marks.set(entry, { claimedAt: Number(value.slice(2)) });
    }
    return marks;
  }

  async claimThreadEntry(
    cluster: string,
    incidentId: string,
    channel: string,
    entry: string,
    now = Date.now(),
  ) {
    const key = this.keys.notifyThread(cluster, incidentId, channel);
    await this.redis.multi().hsetnx(key, entry, `c:${now}`).expire(key, INCIDENT_RETENTION_SECONDS).exec();
  }

  async setThreadEntryPosted(
    cluster: string,
    incidentId: string,
    channel: string,
    entry: string,
    ts: string,
  ) {
    await this.writeKept(this.keys.notifyThread(cluster, incidentId, channel), { [entry]: `t:${ts}` });
  }

  // ---- storms ------------------------------------------------------------------------------

  /** Records that an incident opened for a channel (done when its first notification is queued). */
  async noteOpened(
    cluster: string,
    channel: string,
    incidentId: string,
    at: number,
    keepMs: number,
  ): Promise<void> {
    const key = this.keys.notifyOpened(cluster, channel);
    await this.redis
      .multi()
      .zadd(key, at, incidentId)
      .zremrangebyscore(key, '-inf', at - keepMs)
      .pexpire(key, keepMs)
      .exec();
  }

  async openedSince(cluster: string, channel: string, since: number): Promise<number> {
    return this.redis.zcount(this.keys.notifyOpened(cluster, channel), since, '+inf');
  }

  async digest(cluster: string, channel: string): Promise<Digest | undefined> {
    const h = await this.redis.hgetall(this.keys.notifyDigest(cluster, channel));
    if (!h.id) return undefined;
    return {
      id: h.id,
      open: h.open === '1',
      openedAt: Number(h.openedAt ?? 0),
      ...(h.closedAt && { closedAt: Number(h.closedAt) }),
      ...(h.ts && { ts: h.ts }),
      ...(h.claimedAt && { claimedAt: Number(h.claimedAt) }),
      ...(h.rendered && { rendered: h.rendered }),
    };
  }

  /**
   * Lists the incident in the cluster's open storm digest for the channel, opening one when
   * more than `threshold` incidents opened for the channel since `since` (and since the last
   * storm ended). Atomic, so a storm never splits into two digests. Returns the digest id, or
   * undefined when there is no storm (the incident gets a message of its own).
   */
  async joinStorm(
    cluster: string,
    channel: string,
    incidentId: string,
    version: number,
    storm: { threshold: number; since: number },
    now = Date.now(),
  ): Promise<string | undefined> {
    const id = (await this.redis.eval(
      JOIN_STORM,
      5,
      this.keys.notifyDigest(cluster, channel),
      this.keys.notifyDigestSeq(cluster),
      this.keys.notifyOpened(cluster, channel),
      this.keys.notifyRef(cluster, incidentId, channel),
      this.keys.notifyDigestMembersPrefix(cluster, channel),
      incidentId,
      String(version),
      String(storm.threshold),
      String(storm.since),
      String(now),
      String(INCIDENT_RETENTION_SECONDS),
    )) as string | null;
    return id ?? undefined;
  }

  async digestMembers(cluster: string, channel: string, digestId: string): Promise<string[]> {
    return this.redis.zrange(this.keys.notifyDigestMembers(cluster, channel, digestId), '0', '-1');
  }

  /** As claimPost, for the digest message. */
  async claimDigestPost(cluster: string, channel: string, now = Date.now()): Promise<number | undefined> {
    const key = this.keys.notifyDigest(cluster, channel);
    const [[, set], [, previous]] = (await this.redis
      .multi()
      .hsetnx(key, 'claimedAt', String(now))
      .hget(key, 'claimedAt')
      .expire(key, INCIDENT_RETENTION_SECONDS)
      .exec()) as [[null, number], [null, string]];
    return set === 1 ? undefined : Number(previous);
  }

  async setDigestPosted(cluster: string, channel: string, ts: string): Promise<void> {
    await this.redis.hset(this.keys.notifyDigest(cluster, channel), 'ts', ts);
  }

  async setDigestRendered(cluster: string, channel: string, rendered: string): Promise<void> {
    await this.redis.hset(this.keys.notifyDigest(cluster, channel), 'rendered', rendered);
  }

  /**
   * The storm is over: the next incident of the cluster gets its own message again. Only
   * when the digest still has the `members` it was rendered with: one that joined meanwhile
   * keeps it open (its own refresh comes next). Returns whether it closed.
   */
  async closeDigest(
    cluster: string,
    channel: string,
    digestId: string,
    members: number,
    now = Date.now(),
  ): Promise<boolean> {
    const closed = await this.redis.eval(
      CLOSE_DIGEST,
      2,
      this.keys.notifyDigest(cluster, channel),
      this.keys.notifyDigestMembers(cluster, channel, digestId),
      digestId,
      String(members),
      String(now),
    );
    return closed === 1;
  }

  // ---- counters ----------------------------------------------------------------------------

  /** Adds to a shared counter (`sent:slack`, `ratelimited:slack`, `failed:webhook`, …). */
  async count(field: string, by = 1): Promise<void> {
    await this.redis.hincrby(this.keys.notifyMetrics(), field, by);
  }

  async counters(): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.notifyMetrics());
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }
}
