import type { Redis } from 'ioredis';
import { z } from 'zod';
import { actionEvent, type Incident } from '../core/incidents/index.js';
import type { EventStore } from './event-store.js';
import type { IncidentStore } from './incident-store.js';
import { LuaScript } from './lua-script.js';

/** A mon silence: `disable service GROUP SERVICE` (or `disable watch GROUP`) until `until`. */
export const silenceSchema = z.object({
  cluster: z.string().min(1),
  group: z.string().min(1),
  service: z.string().min(1).optional(),
  /** GROUP or GROUP:SERVICE. */
  target: z.string().min(1),
  /** Slack user id. */
  by: z.string().min(1),
  reason: z.string().max(500).optional(),
  at: z.number().int().nonnegative(),
  /** When mon is told to enable it again; every silence has one. */
  until: z.number().int().nonnegative(),
  /** Asked "until resolved": `until` is then the inventory's maxSilence, the hard end. */
  untilResolved: z.boolean(),
  /**
   * How mon keeps it quiet. `disable` (the default): mon stops checking until `enable`.
   * `ack` (a service silenced until resolved): mon keeps checking but sends no alert until the
   * service recovers, then clears the ack itself and sends its upalert, which resolves the
   * incident and ends the silence; a disabled service would never be seen recovering.
   */
  heldBy: z.enum(['disable', 'ack']).optional(),
});
export type Silence = z.infer<typeof silenceSchema>;

export function silenceTarget(group: string, service?: string): string {
  return service === undefined ? group : `${group}:${service}`;
}

/** Whether the silence keeps the incident's service quiet (a watch silence covers all its services). */
export function silenceCovers(silence: Pick<Silence, 'group' | 'service'>, incident: Incident): boolean {
  return (
    incident.group === silence.group &&
    (silence.service === undefined || incident.service === silence.service)
  );
}

// Deletes the silence only if it is still the one that started at ARGV[2]: a re-enable job of a
// silence that was replaced since (silenced again, longer) must not end the new one.
const END_IF_SAME = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
if cjson.decode(raw).at ~= tonumber(ARGV[2]) then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return raw
`);

/**
 * The silences in force, one hash per cluster (target → silence), so /lvs status and every
 * bot process see the same ones. The end of each is a delayed job (src/queues/silence-queue.ts).
 */
export class SilenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lvs',
  ) {}

  private key(cluster: string): string {
    return `${this.prefix}:{${cluster}}:silences`;
  }

  /** Stores the silence (replacing one of the same target); returns the one it replaced. */
  async put(silence: Silence): Promise<Silence | undefined> {
    const key = this.key(silence.cluster);
    const [[, old]] = (await this.redis
      .multi()
      .hget(key, silence.target)
      .hset(key, silence.target, JSON.stringify(silence))
      .exec()) as [[Error | null, string | null]];
    return old ? parse(old) : undefined;
  }

  async get(cluster: string, target: string): Promise<Silence | undefined> {
    const raw = await this.redis.hget(this.key(cluster), target);
    return raw ? parse(raw) : undefined;
  }

  /** The cluster's silences, soonest end first. */
  async list(cluster: string): Promise<Silence[]> {
    const all = await this.redis.hvals(this.key(cluster));
    return all
      .map(parse)
      .filter((s): s is Silence => s !== undefined)
      .sort((a, b) => a.until - b.until);
  }

  /** Removes the silence if it is still the one started at `at`; returns it when it was. */
  async end(cluster: string, target: string, at: number): Promise<Silence | undefined> {
    const raw = await END_IF_SAME.run(this.redis, [this.key(cluster)], [target, String(at)]);
    return typeof raw === 'string' ? parse(raw) : undefined;
  }
}

function parse(raw: string): Silence | undefined {
  try {
    const r = silenceSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tells the incidents the silence covers that it started or ended (an info event each, so
 * their messages are updated like any other change). Resolved incidents inside the reopen
 * window count too: mon keeps the service disabled after a resolution.
 */
export async function announceSilence(
  stores: { incidents: IncidentStore; events: EventStore },
  silence: Silence,
  change: { type: 'silence' } | { type: 'unsilence'; why: 'asked' | 'expired' | 'resolved'; by?: string },
  now = Date.now(),
): Promise<Incident[]> {
  const covered = (await stores.incidents.active(silence.cluster, now)).filter((i) =>
    change.type === 'silence' ? silenceCovers(silence, i) : i.silence?.target === silence.target,
  );
  for (const incident of covered) {
    const action =
      change.type === 'silence'
        ? {
            type: 'silence' as const,
            incident: incident.id,
            by: silence.by,
            target: silence.target,
            until: silence.until,
            untilResolved: silence.untilResolved,
            ...(silence.reason !== undefined && { reason: silence.reason }),
          }
        : {
            type: 'unsilence' as const,
            incident: incident.id,
            target: silence.target,
            why: change.why,
            ...(change.by !== undefined && { by: change.by }),
          };
    await stores.events.append(
      actionEvent(incident, action, `${change.type}-${incident.id}-${silence.target}-${silence.at}`, now),
    );
  }
  return covered;
}

/**
 * The end of a silence once mon enabled the service again: it leaves the store (only if it
 * is still the same silence) and its incidents are told. Returns false when it had already
 * ended or was replaced, so two bot processes never announce one end twice.
 */
export async function finishSilence(
  stores: { incidents: IncidentStore; events: EventStore; silences: SilenceStore },
  silence: Silence,
  why: 'asked' | 'expired' | 'resolved',
  by?: string,
): Promise<boolean> {
  const ended = await stores.silences.end(silence.cluster, silence.target, silence.at);
  if (!ended) return false;
  await announceSilence(stores, ended, { type: 'unsilence', why, ...(by !== undefined && { by }) });
  return true;
}
