import type { Cluster } from '../../config/inventory.js';
import { formatDuration, type Incident, type TimelineType } from '../../core/incidents/index.js';
import type { MonDowntime } from '../../core/mon/index.js';
import type { AuditRecord } from '../../queues/job-audit.js';
import { ackOf } from '../escalation/escalation-plan.js';

/**
 * `/lvs incident ID` as data: the incident's own timeline, its acknowledgement, the jobs run
 * on its real server (or its cluster) while it lasted with who approved them and what they
 * printed, and mon's downtime log for the same service, in one list ordered by time. Pure:
 * the handler fetches, this decides what belongs and how it reads.
 */

export interface TimelineLine {
  at: number;
  /** alert, ack, silence, job, failover, mon, resolved, … */
  what: string;
  text: string;
}

/** mon's downtime log as the handler could read it: the lines, or why not. */
export type DowntimeSource =
  | { read: true; host: string; entries: MonDowntime[]; skipped: number }
  | { read: false; why: string };

export interface AssembledTimeline {
  title: string;
  lines: TimelineLine[];
  /** `Outage: 5m 3s` or `Open for 12m`. */
  duration: string;
  /** What could not be read (mon's host unreachable …): said, never fatal. */
  notes: string[];
}

/** Jobs queued this long after an incident resolved still belong to it (the clean-up). */
export const AFTER_RESOLVE_MS = 15 * 60_000;

/** Timeline entry types as the timeline names them (types added later show as themselves). */
const WHAT: Record<string, string> = {
  opened: 'alert',
  repeat: 'alert',
  resolved: 'resolved',
  reopened: 'alert',
  flapping: 'alert',
  folded: 'alert',
  'dependency-down': 'alert',
  'failover-step': 'failover',
  acknowledged: 'ack',
  silenced: 'silence',
  unsilenced: 'silence',
  note: 'note',
} satisfies Partial<Record<TimelineType | 'acknowledged' | 'silenced' | 'unsilenced', string>>;

/** Addresses and names of the real server the incident is about, to match jobs against. */
function incidentServers(incident: Incident, cluster: Cluster): Set<string> {
  const named = [incident.target?.realServer, incident.host].filter((x): x is string => !!x);
  const out = new Set<string>();
  for (const n of named) {
    for (const r of cluster.realServers) {
      if (r.name === n || r.address === n || n.split(/[\s,]+/).includes(r.address)) {
        out.add(r.name);
        out.add(r.address);
      }
    }
  }
  return out;
}

/**
 * The jobs of the incident: of its cluster, queued between its start and a little after its
 * end, on its real server (any job of the cluster when the incident names no real server, as
 * a failover does; a failback always).
 */
export function jobsOfIncident(
  records: readonly AuditRecord[],
  incident: Incident,
  cluster: Cluster,
  now: number,
): AuditRecord[] {
  const servers = incidentServers(incident, cluster);
  const until = (incident.resolvedAt ?? now) + AFTER_RESOLVE_MS;
  return records
    .filter((r) => r.cluster === incident.cluster && r.queuedAt >= incident.openedAt && r.queuedAt <= until)
    .filter((r) => {
      const target = 'realServer' in r.request ? r.request.realServer : undefined;
      if (target === undefined || servers.size === 0) return true;
      return servers.has(target);
    })
    .sort((a, b) => a.queuedAt - b.queuedAt);
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function jobLines(r: AuditRecord): TimelineLine[] {
  const title = r.plan?.title ?? r.playbook;
  const by = r.requestedBy.via === 'auto' ? 'the automatic policy' : `<@${r.requestedBy.user}>`;
  const out: TimelineLine[] = [
    {
      at: r.queuedAt,
      what: 'job',
      text: `${r.id} ${r.kind === 'plan' ? 'dry run of ' : ''}${title}, asked by ${by}: *${r.status}*${r.summary ? ` — ${clip(r.summary, 200)}` : ''}`,
    },
  ];
  if (r.approval) {
    out.push({
      at: r.approval.at,
      what: 'approval',
      text: `${r.id} approved by <@${r.approval.by}>${r.approval.override ? ' (overriding the capacity floor)' : ''}`,
    });
  }
  if (r.cancel) out.push({ at: r.cancel.at, what: 'job', text: `${r.id} cancelled by <@${r.cancel.by}>` });
  for (const s of r.steps) {
    const acted = s.commands.filter((c) => c.outcome !== 'ok' || s.acted);
    for (const c of acted.slice(0, 3)) {
      const output = (c.stdout || c.stderr).trim();
      out.push({
        at: c.startedAt,
        what: 'output',
        text: `${r.id} \`${clip(c.argv.join(' '), 120)}\` on ${c.host}: exit ${c.exitCode ?? c.signal ?? '?'}${output ? ` — ${clip(output, 160)}` : ''}`,
      });
    }
  }
  if (r.finishedAt !== null && r.kind === 'run') {
    out.push({ at: r.finishedAt, what: 'job', text: `${r.id} finished: ${r.status}` });
  }
  return out;
}

function downtimeLine(d: MonDowntime): TimelineLine {
  return {
    at: d.failedAt * 1000,
    what: 'mon',
    text: `downtime log: ${d.group}/${d.service} down ${formatDuration(d.downSeconds * 1000)}, back at ${new Date(d.upAt * 1000).toISOString().slice(11, 19)}${d.summary ? ` — ${clip(d.summary, 160)}` : ''}`,
  };
}

export function assembleTimeline(input: {
  incident: Incident;
  jobs: readonly AuditRecord[];
  downtime?: DowntimeSource;
  now: number;
}): AssembledTimeline {
  const { incident, now } = input;
  const lines: TimelineLine[] = incident.timeline.map((t) => ({
    at: t.at,
    what: WHAT[t.type] ?? t.type,
    text: t.text,
  }));
  const ack = ackOf(incident);
  if (ack && !incident.timeline.some((t) => t.type === 'acknowledged')) {
    lines.push({
      at: ack.at,
      what: 'ack',
      text: `acknowledged by <@${ack.by}>${ack.comment ? `: ${ack.comment}` : ''}${ack.monTold ? ' (mon was told)' : ''}`,
    });
  }
  for (const r of input.jobs) lines.push(...jobLines(r));
  const notes: string[] = [];
  const dt = input.downtime;
  if (dt?.read) {
    for (const d of dt.entries) lines.push(downtimeLine(d));
    if (dt.skipped > 0)
      notes.push(`${dt.skipped} line(s) of mon's downtime log on ${dt.host} were not in its format`);
  } else if (dt) {
    notes.push(`mon's downtime log was not read: ${dt.why}`);
  }
  // Stable: entries of the same millisecond keep the order they were recorded in.
  const ordered = lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.at - b.l.at || a.i - b.i);
  const duration =
    incident.resolvedAt !== undefined
      ? `Outage: ${formatDuration(incident.resolvedAt - incident.openedAt)}`
      : `Open for ${formatDuration(now - incident.openedAt)}`;
  return {
    title: `${incident.id} ${incident.title} (${incident.state})`,
    lines: ordered.map((x) => x.l),
    duration,
    notes,
  };
}

/** `14:03:07` in UTC: the timeline's clock. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * The timeline as Slack text chunks of at most `maxChars`, at most `maxLines` lines; what
 * does not fit is left out from the middle (the start and the end matter most) and counted.
 */
export function timelineText(t: AssembledTimeline, maxLines = 60, maxChars = 11_000): string[] {
  let lines = t.lines.map((l) => `\`${clock(l.at)}\` *${l.what}* ${l.text}`);
  let omitted = 0;
  const fits = (ls: string[]) => ls.length <= maxLines && ls.join('\n').length <= maxChars;
  if (!fits(lines)) {
    let keep = Math.min(maxLines, lines.length);
    const total = lines.length;
    let trimmed = lines;
    while (keep > 2) {
      const head = Math.ceil(keep / 2);
      const tail = keep - head;
      trimmed = [...lines.slice(0, head), ...lines.slice(total - tail)];
      if (fits(trimmed)) break;
      keep -= 1;
    }
    omitted = total - trimmed.length;
    const head = Math.ceil(trimmed.length / 2);
    lines = [
      ...trimmed.slice(0, head),
      `… ${omitted} more entr${omitted === 1 ? 'y' : 'ies'} not shown (every entry is in the incident message's thread) …`,
      ...trimmed.slice(head),
    ];
  }
  // Section blocks hold at most 3000 characters each.
  const chunks: string[] = [];
  let current = '';
  for (const l of lines) {
    const line = l.length > 2900 ? `${l.slice(0, 2899)}…` : l;
    if (current && current.length + 1 + line.length > 2900) {
      chunks.push(current);
      current = line;
    } else current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  return chunks;
}
