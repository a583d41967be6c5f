import type { Cluster, Inventory } from '../../config/inventory.js';
import type { Command } from '../../core/commands/index.js';
import { actionEvent, formatDuration, type Incident } from '../../core/incidents/index.js';
import type { IncidentHook } from '../../ingest/event-processor.js';
import type { Logger } from '../../log/logger.js';
import { setDisabledInMon, withMon } from '../../mon/connect-mon.js';
import type { SilenceScheduler } from '../../queues/silence-queue.js';
import type { EventStore } from '../../store/event-store.js';
import type { IncidentStore } from '../../store/incident-store.js';
import {
  announceSilence,
  finishSilence,
  type Silence,
  type SilenceStore,
  silenceCovers,
  silenceTarget,
} from '../../store/silence-store.js';
import { authorize, clusterFor } from '../access.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import type { BotServices, CommandHandler, Invocation } from './handle-command.js';

export interface AckSilenceDeps {
  events: EventStore;
  silences: SilenceStore;
  scheduler: SilenceScheduler;
  logger: Logger;
  monTimeoutMs?: number;
}

/** Who asks and from where; `channel` is undefined for a click on a message the bot posted. */
export interface Asker {
  user: string;
  channel?: string;
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** The cluster of an incident id (`lab-12` → `lab`). */
function clusterOfIncident(services: BotServices, id: string): Cluster | undefined {
  const name = id.slice(0, id.lastIndexOf('-'));
  return services.inventory.clusters.find((c) => c.name === name);
}

/** The same decision as every command's (decideAccess): the operator role of the cluster acted on. */
async function refuseAsker(
  services: BotServices,
  cluster: Cluster,
  asker: Asker,
  action: string,
): Promise<Reply | undefined> {
  const decision = await authorize(services.members, asker.user, 'change', action, [cluster]);
  return decision.allowed ? undefined : problem(decision.reason);
}

/**
 * Acknowledges an incident: tells mon (`ack GROUP SERVICE COMMENT`, so it stops re-alerting
 * until the service recovers) and records the ack on the incident, even when mon cannot be
 * reached; the message then says mon was not told and offers a retry. The Ack button and
 * `/lvs ack` both come here.
 */
export async function acknowledge(
  deps: AckSilenceDeps,
  services: BotServices,
  asker: Asker,
  id: string,
  comment?: string,
): Promise<Reply> {
  const cluster = clusterOfIncident(services, id);
  const incident = cluster ? await services.incidents.get(cluster.name, id) : undefined;
  if (!cluster || !incident) return problem(`No incident ${id}; see /lvs incidents.`);
  const refused = await refuseAsker(services, cluster, asker, `acknowledge ${incident.id}`);
  if (refused) return refused;
  if (incident.state !== 'open')
    return problem(`${incident.id} is already resolved; nothing to acknowledge.`);
  if (incident.ack?.monTold && incident.ack.by !== asker.user) {
    return problem(
      `${incident.id} was already acknowledged by <@${incident.ack.by}> at ${utc(incident.ack.at)}.`,
    );
  }
  let monTold = false;
  let monNote = '';
  if (cluster.mon && incident.group && incident.service) {
    const group = incident.group;
    const service = incident.service;
    try {
      const reply = await withMon(
        cluster.mon,
        (mon) => mon.ack(group, service, `${asker.user} via Slack${comment ? `: ${comment}` : ''}`),
        deps.monTimeoutMs,
      );
      monTold = reply.status.ok;
      monNote = reply.status.ok
        ? ' mon was told: it stops re-alerting until the service recovers.'
        : ` mon was not told: it answered "${reply.status.text}".`;
    } catch (err) {
      monNote = ` mon was not told (${(err as Error).message}); use Retry ack in mon on the message, or /lvs ack ${incident.id} again.`;
    }
  }
  const now = Date.now();
  await deps.events.append(
    actionEvent(
      incident,
      {
        type: 'ack',
        incident: incident.id,
        by: asker.user,
        monTold,
        ...(comment !== undefined && { comment }),
      },
      `ack-${incident.id}-${asker.user}-${now}`,
      now,
    ),
  );
  deps.logger.info({ incident: incident.id, user: asker.user, monTold }, 'incident acknowledged');
  return ephemeral(`You acknowledged ${incident.id}.${monNote}`);
}

export interface SilenceRequest {
  group: string;
  service?: string;
  /** Absent: until resolved (the inventory's maxSilence is then the end). */
  durationMs?: number;
  reason?: string;
}

function unsilenceButton(cluster: string, target: string): Record<string, unknown> {
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: 'lvs_unsilence',
        text: { type: 'plain_text', text: 'Unsilence' },
        value: JSON.stringify({ cluster, target }),
      },
    ],
  };
}

/**
 * Silences a mon group or service: checks the duration against the inventory's maxSilence
 * and the name against mon's own watches, sends mon `disable`, stores the silence and
 * schedules its end. Any refusal changes nothing.
 */
export async function silence(
  deps: AckSilenceDeps,
  services: BotServices,
  asker: Asker,
  cluster: Cluster,
  req: SilenceRequest,
): Promise<Reply> {
  const target = silenceTarget(req.group, req.service);
  const refused = await refuseAsker(services, cluster, asker, `silence ${target}`);
  if (refused) return refused;
  const max = cluster.policy.maxSilence;
  if (req.durationMs !== undefined && (!Number.isFinite(req.durationMs) || req.durationMs <= 0)) {
    return problem(`A silence needs a positive duration (e.g. 30m, 1h, 4h). Nothing was silenced.`);
  }
  if (req.durationMs !== undefined && req.durationMs > max) {
    return problem(
      `${formatDuration(req.durationMs)} is longer than cluster ${cluster.name}'s longest silence (${formatDuration(max)}, policy.maxSilence). Nothing was silenced.`,
    );
  }
  if (!cluster.mon) {
    return problem(`Cluster ${cluster.name} has no mon in the inventory; there is nothing to silence.`);
  }
  const mon = cluster.mon;
  let watches: { group: string; service: string }[];
  try {
    watches = await withMon(mon, (c) => c.watches(), deps.monTimeoutMs);
  } catch (err) {
    return problem(
      `mon of cluster ${cluster.name} cannot be reached (${(err as Error).message}). Nothing was silenced.`,
    );
  }
  const known = watches.some(
    (w) => w.group === req.group && (req.service === undefined || w.service === req.service),
  );
  if (!known) {
    const elsewhere = await otherClusterWith(services, cluster, req.group);
    const groups = [...new Set(watches.map((w) => w.group))].join(', ');
    return problem(
      `mon of cluster ${cluster.name} does not watch ${target}${elsewhere ? ` (it is a group of cluster ${elsewhere.name}; use /lvs in <#${elsewhere.slack.channel}>)` : ''}; it watches: ${groups || 'nothing'}. Nothing was silenced.`,
    );
  }
  const now = Date.now();
  const until = now + (req.durationMs ?? max);
  // A service silenced until resolved is acked in mon, not disabled: mon goes on checking it,
  // so its recovery is seen (and ends the silence); a disabled service never recovers.
  const heldBy = req.durationMs === undefined && req.service !== undefined ? 'ack' : 'disable';
  let reply: Awaited<ReturnType<typeof setDisabledInMon>>;
  try {
    reply =
      heldBy === 'ack'
        ? await withMon(
            mon,
            (c) =>
              c.ack(
                req.group,
                req.service!,
                `silenced until resolved by ${asker.user}${req.reason ? `: ${req.reason}` : ''}`,
              ),
            deps.monTimeoutMs,
          )
        : await setDisabledInMon(mon, req, true, deps.monTimeoutMs);
  } catch (err) {
    return problem(
      `mon of cluster ${cluster.name} cannot be reached (${(err as Error).message}). Nothing was silenced.`,
    );
  }
  if (!reply.status.ok) {
    return problem(
      `mon refused to ${heldBy === 'ack' ? 'ack' : 'disable'} ${target}: "${reply.status.text}". Nothing was silenced.`,
    );
  }
  const record: Silence = {
    cluster: cluster.name,
    group: req.group,
    ...(req.service !== undefined && { service: req.service }),
    target,
    by: asker.user,
    ...(req.reason !== undefined && { reason: req.reason }),
    at: now,
    until,
    untilResolved: req.durationMs === undefined,
    heldBy,
  };
  try {
    await deps.scheduler.schedule(record, now);
    const replaced = await deps.silences.put(record);
    if (replaced) await deps.scheduler.cancel(replaced);
  } catch (err) {
    // Without a scheduled end the silence must not stay: mon is told to enable it again
    // (an ack cannot be taken back in mon; it ends when the service recovers).
    if (heldBy === 'disable')
      await setDisabledInMon(mon, req, false, deps.monTimeoutMs).catch(() => undefined);
    throw err;
  }
  await announceSilence(
    { incidents: services.incidents, events: deps.events },
    record,
    { type: 'silence' },
    now,
  );
  deps.logger.info({ cluster: cluster.name, target, until, user: asker.user }, 'silenced in mon');
  const end = record.untilResolved
    ? `until its incident resolves, at the latest ${utc(until)} (${formatDuration(max)})`
    : `for ${formatDuration(until - now)}, until ${utc(until)}`;
  const how =
    heldBy === 'ack'
      ? ' (mon acked it: it keeps checking, sends no alert until the service recovers, then clears the ack itself)'
      : '';
  const text = `Silenced ${target} in mon ${end}${how}. /lvs unsilence ${target} ends it early.`;
  return ephemeral(text, [
    { type: 'section', text: { type: 'mrkdwn', text } },
    unsilenceButton(cluster.name, target),
  ]);
}

async function otherClusterWith(
  services: BotServices,
  cluster: Cluster,
  group: string,
): Promise<Cluster | undefined> {
  for (const other of services.inventory.clusters) {
    if (other.name === cluster.name) continue;
    if ((await services.incidents.recent(other.name, 50)).some((i) => i.group === group)) return other;
  }
  return undefined;
}

/** Ends a silence early: mon enables the service again, then the silence and its scheduled end go. */
export async function unsilence(
  deps: AckSilenceDeps,
  services: BotServices,
  asker: Asker,
  cluster: Cluster,
  target: string,
): Promise<Reply> {
  const refused = await refuseAsker(services, cluster, asker, `unsilence ${target}`);
  if (refused) return refused;
  const current = await deps.silences.get(cluster.name, target);
  if (!current) {
    const all = (await deps.silences.list(cluster.name)).map((s) => s.target);
    return problem(
      `${target} is not silenced in cluster ${cluster.name}${all.length ? `; silenced: ${all.join(', ')}` : ''}.`,
    );
  }
  if (cluster.mon && current.heldBy !== 'ack') {
    let reply: Awaited<ReturnType<typeof setDisabledInMon>>;
    try {
      reply = await setDisabledInMon(cluster.mon, current, false, deps.monTimeoutMs);
    } catch (err) {
      return problem(
        `mon of cluster ${cluster.name} cannot be reached (${(err as Error).message}); ${target} stays silenced until ${utc(current.until)}. Try again.`,
      );
    }
    if (!reply.status.ok)
      deps.logger.warn({ target, mon: reply.status.text }, 'unsilence: mon refused the enable');
  }
  await finishSilence({ ...deps, incidents: services.incidents }, current, 'asked', asker.user);
  await deps.scheduler.cancel(current);
  deps.logger.info({ cluster: cluster.name, target, user: asker.user }, 'unsilenced in mon');
  return ephemeral(
    current.heldBy === 'ack'
      ? `${target} is no longer silenced here. mon has no command to take back an ack: it stays quiet about this failure until the service recovers, and alerts on the next one.`
      : `${target} is enabled in mon again.`,
  );
}

/**
 * The slash commands `/lvs ack`, `/lvs silence`, `/lvs unsilence`. mon is asked after the
 * ack (Slack wants an answer within 3 s; an unreachable mon takes that long to time out).
 */
export function ackSilenceHandler(deps: AckSilenceDeps): CommandHandler {
  return async (services: BotServices, inv: Invocation, command: Command) => {
    const asker = { user: inv.user, channel: inv.channel };
    if (command.name === 'ack') {
      return {
        ack: ephemeral(`Acknowledging ${command.id}…`),
        later: () => acknowledge(deps, services, asker, command.id, command.comment),
      };
    }
    if (command.name !== 'silence' && command.name !== 'unsilence') {
      return { ack: problem(`/lvs ${command.name} is not handled here.`) };
    }
    const cluster = clusterFor(services.inventory, inv.channel);
    if (!cluster) {
      return {
        ack: problem(
          `Use /lvs ${command.name} in the channel of the cluster whose mon watches ${command.group}.`,
        ),
      };
    }
    const target = silenceTarget(command.group, command.service);
    if (command.name === 'unsilence') {
      return {
        ack: ephemeral(`Enabling ${target} in mon…`),
        later: () => unsilence(deps, services, asker, cluster, target),
      };
    }
    const req: SilenceRequest = {
      group: command.group,
      ...(command.service !== undefined && { service: command.service }),
      durationMs: command.durationMs,
      ...(command.reason !== undefined && { reason: command.reason }),
    };
    return {
      ack: ephemeral(`Silencing ${target} in mon…`),
      later: () => silence(deps, services, asker, cluster, req),
    };
  };
}

/** The silence request the Silence menu of an incident makes. */
export function silenceOfIncident(
  incident: Incident,
  durationMs: number | undefined,
  reason?: string,
): SilenceRequest | undefined {
  if (!incident.group) return undefined;
  return {
    group: incident.group,
    ...(incident.service !== undefined && { service: incident.service }),
    ...(durationMs !== undefined && { durationMs }),
    ...(reason !== undefined && { reason }),
  };
}

/**
 * Ends the silences "until resolved" that cover an incident once it resolves (mon's upalert
 * after an ack-held silence, or a recovery seen otherwise): a disable-held one is enabled in
 * mon again. Runs as an event-processor hook in every bot; ending a silence is idempotent.
 */
export function endSilencesOnResolve(deps: {
  silences: SilenceStore;
  incidents: IncidentStore;
  events: EventStore;
  inventory: () => Inventory;
  logger: Logger;
  monTimeoutMs?: number;
}): IncidentHook {
  return {
    afterApply: async (_event, incident) => {
      if (incident.state !== 'resolved' || incident.group === undefined) return;
      try {
        const cluster = deps.inventory().clusters.find((c) => c.name === incident.cluster);
        for (const silence of await deps.silences.list(incident.cluster)) {
          if (!silence.untilResolved || !silenceCovers(silence, incident)) continue;
          if (silence.heldBy !== 'ack' && cluster?.mon) {
            await setDisabledInMon(cluster.mon, silence, false, deps.monTimeoutMs);
          }
          if (await finishSilence(deps, silence, 'resolved')) {
            deps.logger.info(
              { incident: incident.id, target: silence.target },
              'silence ended: its incident resolved',
            );
          }
        }
      } catch (err) {
        // The silence's own end (a delayed job) still comes; the incident is not held up.
        deps.logger.warn(
          { incident: incident.id, err: (err as Error).message },
          'could not end a silence on resolve',
        );
      }
    },
  };
}
