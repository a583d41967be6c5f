import type { Redis } from 'ioredis';
import type { LvsEvent } from '../core/events/event.js';
import {
  applyEvent,
  type CorrelationOptions,
  type Decision,
  defaultCorrelationOptions,
  type Incident,
  incidentKey,
} from '../core/incidents/index.js';
import { Keys } from './keys.js';

const MAX_ATTEMPTS = 20;
/** How long an applied event id is remembered: longer than any redelivery. */
const APPLIED_TTL_SECONDS = 7 * 86_400;
/**
 * How long a resolved incident is kept (its record, its key's revision, and the Slack message
 * refs of its notifications): `/lvs incidents` and `/lvs incident ID` show it until then.
 * Without it every incident ever opened stayed in Redis for good (the soak, docs/bench.md).
 */
export const INCIDENT_RETENTION_SECONDS = 30 * 86_400;

/** A stable lane for a key (FNV-1a), so one key's events stay in order on one connection. */
function laneOf(key: string, lanes: number): number {
  if (lanes <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

/** The incident keys of the services an event depends on (mon's `depend`, GROUP:SERVICE). */
function dependencyKeys(event: LvsEvent): string[] {
  return (event.dependsOn ?? []).flatMap((dep) => {
    const [group, service] = dep.split(':');
    return group && service ? [`${event.cluster}/alert/${group}/${service}`] : [];
  });
}

export class IncidentConflictError extends Error {
  readonly code = 'INCIDENT_CONFLICT';
  constructor(cluster: string, attempts: number) {
    super(`incidents of cluster ${cluster} kept changing under us (${attempts} attempts)`);
    this.name = 'IncidentConflictError';
  }
}

/**
 * Incidents in Redis, safe with several bot processes. An event is applied to the incidents
 * it can touch (the latest one with its key, the cluster's recent failovers, the services it
 * depends on) under an optimistic lock on those keys' revisions, and retried when another
 * process wrote one of them in between. Events about different services never contend, so a
 * storm of 500 services applies in parallel; each event is marked applied in the same
 * transaction, so a redelivery changes nothing.
 */
export class IncidentStore {
  private readonly lanes: { redis: Redis; queue: Promise<unknown> }[];

  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
    private readonly opts: CorrelationOptions = defaultCorrelationOptions,
    /**
     * Connections to apply events on, so that events about different services apply in
     * parallel (default: the one connection). Events with the same incident key always go to
     * the same connection, in the order they were given.
     */
    applyConnections: readonly Redis[] = [redis],
  ) {
    this.lanes = (applyConnections.length > 0 ? applyConnections : [redis]).map((r) => ({
      redis: r,
      queue: Promise.resolve(),
    }));
  }

  /**
   * Applies one event. WATCH is per connection, so each connection applies one event at a
   * time; other connections and other processes are fenced by WATCH.
   */
  apply(event: LvsEvent): Promise<Decision> {
    const lane = this.lanes[laneOf(incidentKey(event) ?? event.id, this.lanes.length)]!;
    const run = lane.queue.then(() => this.applyNow(event, lane.redis));
    lane.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(event: LvsEvent, redis: Redis): Promise<Decision> {
    const cluster = event.cluster;
    const key = incidentKey(event);
    if (!key) return applyEvent([], event, () => '', this.opts);
    const appliedKey = this.keys.appliedEvent(cluster, event.id);
    const lookKeys = [key, ...dependencyKeys(event)];
    const watched = [
      appliedKey,
      this.keys.failoverIncidents(cluster),
      this.keys.incidentKeyRev(cluster, `${cluster}/failover`),
      ...lookKeys.map((k) => this.keys.incidentKeyRev(cluster, k)),
    ];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await redis.watch(...watched);
      if ((await redis.exists(appliedKey)) === 1) {
        await redis.unwatch();
        return { type: 'ignored', reason: `event ${event.id} was already applied` };
      }
      const relevant = await this.relevant(cluster, lookKeys, event.at, redis);
      const decision = applyEvent(relevant, event, () => '', this.opts);
      if (decision.type === 'ignored') {
        await redis.unwatch();
        return decision;
      }
      let incident = decision.incident;
      if (decision.type === 'opened') {
        const n = await redis.incr(this.keys.incidentSeq(cluster));
        incident = { ...incident, id: `${cluster}-${n}` };
      }
      const keep = this.keepWindowMs();
      const multi = redis
        .multi()
        .set(this.keys.incident(cluster, incident.id), JSON.stringify(incident))
        .zadd(this.keys.activeIncidents(cluster), incident.lastSeenAt, incident.id)
        .zadd(this.keys.allIncidents(cluster), 'NX', incident.openedAt, incident.id)
        .hset(this.keys.incidentByKey(cluster), incident.key, incident.id)
        .incr(this.keys.incidentKeyRev(cluster, incident.key))
        .set(appliedKey, incident.id, 'EX', APPLIED_TTL_SECONDS)
        .incr(this.keys.incidentRev(cluster));
      if (incident.kind === 'failover') {
        multi.zadd(this.keys.failoverIncidents(cluster), incident.lastSeenAt, incident.id);
      }
      // A key's revision lives as long as its latest incident may (a service that is gone from
      // mon.cf leaves nothing behind once its last incident has expired).
      multi.expire(this.keys.incidentKeyRev(cluster, incident.key), INCIDENT_RETENTION_SECONDS);
      // Resolved incidents leave the active sets once both windows have passed, and Redis after
      // the retention (SET above cleared any expiry, so a reopened incident is kept again).
      if (incident.state === 'resolved') {
        multi.zremrangebyscore(this.keys.activeIncidents(cluster), '-inf', incident.lastSeenAt - keep);
        multi.zremrangebyscore(this.keys.failoverIncidents(cluster), '-inf', incident.lastSeenAt - keep);
        multi.expire(this.keys.incident(cluster, incident.id), INCIDENT_RETENTION_SECONDS);
        multi.zremrangebyscore(
          this.keys.allIncidents(cluster),
          '-inf',
          incident.lastSeenAt - INCIDENT_RETENTION_SECONDS * 1000,
        );
      }
      const res = await multi.exec();
      if (res !== null) {
        return decision.type === 'opened' ? { type: 'opened', incident } : { ...decision, incident };
      }
    }
    throw new IncidentConflictError(cluster, MAX_ATTEMPTS);
  }

  /** The incidents one event can touch: the latest of each key asked for, and recent failovers. */
  private async relevant(
    cluster: string,
    incidentKeys: string[],
    now: number,
    redis: Redis,
  ): Promise<Incident[]> {
    const [byKey, failovers] = await Promise.all([
      redis.hmget(this.keys.incidentByKey(cluster), ...incidentKeys),
      redis.zrange(this.keys.failoverIncidents(cluster), '0', '-1'),
    ]);
    const ids = [...new Set([...byKey.filter((id): id is string => id !== null), ...failovers])];
    const loaded = await this.load(cluster, ids, redis);
    const horizon = now - this.keepWindowMs();
    return loaded.filter((i) => i.state === 'open' || i.lastSeenAt >= horizon || i.kind !== 'failover');
  }

  /** The incident an event was applied to, when it was (the processor re-notifies after a crash). */
  async appliedTo(cluster: string, eventId: string): Promise<Incident | undefined> {
    const id = await this.redis.get(this.keys.appliedEvent(cluster, eventId));
    return id === null ? undefined : this.get(cluster, id);
  }

  /** Open incidents and recently resolved ones of the cluster. */
  async active(cluster: string, now = Date.now()): Promise<Incident[]> {
    const ids = await this.redis.zrange(this.keys.activeIncidents(cluster), '0', '-1');
    const loaded = await this.load(cluster, ids);
    const horizon = now - this.keepWindowMs();
    return loaded.filter((i) => i.state === 'open' || i.lastSeenAt >= horizon);
  }

  async open(cluster: string): Promise<Incident[]> {
    return (await this.active(cluster)).filter((i) => i.state === 'open');
  }

  async get(cluster: string, id: string): Promise<Incident | undefined> {
    return (await this.load(cluster, [id]))[0];
  }

  /** Several incidents of a cluster at once (those that exist), in chunks of 500 per round trip. */
  async getMany(cluster: string, ids: readonly string[]): Promise<Incident[]> {
    const out: Incident[] = [];
    for (let i = 0; i < ids.length; i += 500) out.push(...(await this.load(cluster, ids.slice(i, i + 500))));
    return out;
  }

  /** The most recent incidents of the cluster, newest first. */
  async recent(cluster: string, limit = 20): Promise<Incident[]> {
    const ids = await this.redis.zrevrange(this.keys.allIncidents(cluster), '0', String(limit - 1));
    return this.load(cluster, ids);
  }

  private async load(cluster: string, ids: string[], redis = this.redis): Promise<Incident[]> {
    if (ids.length === 0) return [];
    const raws = await redis.mget(...ids.map((id) => this.keys.incident(cluster, id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Incident);
  }

  private keepWindowMs(): number {
    return Math.max(this.opts.reopenWindowMs, this.opts.failoverSettleMs, this.opts.flapWindowMs);
  }
}
