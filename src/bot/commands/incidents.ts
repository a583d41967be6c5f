import type { Cluster } from '../../config/inventory.js';
import type { Command } from '../../core/commands/index.js';
import { formatDuration, type Incident } from '../../core/incidents/index.js';
import { downtimesFor } from '../../core/mon/dtlog.js';
import type { AuditRecord } from '../../queues/job-audit.js';
import { ackOf } from '../escalation/escalation-plan.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import type { BotServices, CommandHandler, Invocation, Outcome } from './handle-command.js';
import { assembleTimeline, type DowntimeSource, jobsOfIncident, timelineText } from './incident-timeline.js';

/** Where `/lvs incident ID` finds what the incident itself does not hold. */
export interface TimelineSources {
  /** The newest job audit records, newest first (JobProducer.recent). */
  recentJobs?: (limit: number) => Promise<AuditRecord[]>;
  /** mon's downtime log of the cluster's mon host, read-only; never throws (says why instead). */
  downtime?: (cluster: Cluster) => Promise<DowntimeSource>;
  now?: () => number;
}

/** How many recent jobs are searched for the incident's (the audit keeps 90 days; this is the newest). */
const JOBS_SEARCHED = 500;

/** The incident's silence as the other incident actions record it (src/core/incidents/incident.ts `silence`). */
function silenceOf(
  incident: Incident,
): { until: number; target: string; untilResolved: boolean } | undefined {
  return (incident as Incident & { silence?: { until: number; target: string; untilResolved: boolean } })
    .silence;
}

/** `/lvs incidents` and `/lvs incident ID`. */
export function incidentsHandler(sources: TimelineSources = {}): CommandHandler {
  return async (services, inv, command: Command): Promise<Outcome> => {
    if (command.name === 'incidents') return listIncidents(services, sources);
    if (command.name === 'incident') return showIncident(services, inv, command.id, sources);
    return { ack: problem(`/lvs ${command.name} is not an incident command`) };
  };
}

function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** Open incidents per cluster: who has them, since when, how many alerts. */
async function listIncidents(services: BotServices, sources: TimelineSources): Promise<Outcome> {
  const now = (sources.now ?? Date.now)();
  const blocks: Record<string, unknown>[] = [];
  const text: string[] = [];
  let total = 0;
  for (const cluster of services.inventory.clusters) {
    const open = (await services.incidents.open(cluster.name)).sort((a, b) => a.openedAt - b.openedAt);
    if (open.length === 0) continue;
    total += open.length;
    const unacked = open.filter((i) => !ackOf(i)).length;
    const head = `*Cluster ${cluster.name}*: ${open.length} open${unacked ? `, ${unacked} not acknowledged` : ''}`;
    const lines = open.map((i) => {
      const ack = ackOf(i);
      const who = ack ? `<@${ack.by}> has it (since ${formatDuration(now - ack.at)})` : '*nobody has it*';
      const silence = silenceOf(i);
      const quiet =
        silence && silence.until > now ? ` · silenced ${formatDuration(silence.until - now)} more` : '';
      return `• *${i.id}* ${i.title} · open ${formatDuration(now - i.openedAt)} · ${i.count} alert(s) · ${who}${quiet}`;
    });
    text.push(head, ...lines);
    // A section holds 3000 characters: one per cluster head, the lines in chunks.
    blocks.push(mrkdwn(head));
    let chunk = '';
    for (const l of lines) {
      if (chunk && chunk.length + l.length + 1 > 2900) {
        blocks.push(mrkdwn(chunk));
        chunk = '';
      }
      chunk = chunk ? `${chunk}\n${l}` : l.slice(0, 2900);
    }
    if (chunk) blocks.push(mrkdwn(chunk));
  }
  if (total === 0) return { ack: ephemeral('No open incidents.') };
  const header = `*Open incidents: ${total}* · \`/lvs incident ID\` for a timeline`;
  const shown = [mrkdwn(header), ...blocks];
  // Slack takes 50 blocks a message; with more clusters than that, the rest is counted.
  const limited =
    shown.length > 50
      ? [...shown.slice(0, 49), mrkdwn(`… ${shown.length - 49} more section(s) not shown`)]
      : shown;
  return { ack: ephemeral([header, ...text].join('\n').slice(0, 3900), limited) };
}

function clusterOfId(services: BotServices, id: string): Cluster | undefined {
  const name = id.slice(0, id.lastIndexOf('-'));
  return services.inventory.clusters.find((c) => c.name === name);
}

async function showIncident(
  services: BotServices,
  _inv: Invocation,
  id: string,
  sources: TimelineSources,
): Promise<Outcome> {
  const cluster = clusterOfId(services, id);
  const incident = cluster ? await services.incidents.get(cluster.name, id) : undefined;
  if (!cluster || !incident) return { ack: problem(`no incident ${id}; see /lvs incidents`) };
  const build = async (): Promise<Reply> => {
    const now = (sources.now ?? Date.now)();
    const records = sources.recentJobs ? await sources.recentJobs(JOBS_SEARCHED) : [];
    const downtime = await readDowntime(cluster, sources);
    const timeline = assembleTimeline({
      incident,
      jobs: jobsOfIncident(records, incident, cluster, now),
      ...(downtime && { downtime: withinIncident(downtime, incident, now) }),
      now,
    });
    const chunks = timelineText(timeline);
    const blocks = [
      mrkdwn(`*${timeline.title}*`),
      ...chunks.map(mrkdwn),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: [timeline.duration, ...timeline.notes].join(' · ') }],
      },
    ];
    const text = [`*${timeline.title}*`, ...chunks, timeline.duration, ...timeline.notes].join('\n');
    return ephemeral(text.slice(0, 3900), blocks);
  };
  // Reading mon's downtime log goes over SSH and may take longer than Slack's 3 s.
  if (sources.downtime && cluster.mon && incident.group) {
    return {
      ack: ephemeral(
        `Reading the timeline of ${incident.id} (jobs, and mon's downtime log on ${cluster.mon.host})…`,
      ),
      later: build,
    };
  }
  return { ack: await build() };
}

async function readDowntime(cluster: Cluster, sources: TimelineSources): Promise<DowntimeSource | undefined> {
  if (!cluster.mon || !sources.downtime) return undefined;
  try {
    return await sources.downtime(cluster);
  } catch (error) {
    return { read: false, why: error instanceof Error ? error.message : String(error) };
  }
}

/** Only mon's lines for the incident's group (and service), inside its time span. */
function withinIncident(source: DowntimeSource, incident: Incident, now: number): DowntimeSource {
  if (!source.read || !incident.group) return source;
  return {
    ...source,
    entries: downtimesFor(source.entries, {
      group: incident.group,
      service: incident.service,
      fromMs: incident.openedAt - 60_000,
      toMs: (incident.resolvedAt ?? now) + 60_000,
    }),
  };
}
