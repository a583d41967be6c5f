import type { Incident } from '../../core/incidents/index.js';
import { formatDuration } from '../../core/incidents/index.js';
import { escapeMrkdwn, type SlackMessage } from './render-incident.js';

/** Slack's limit on a section's text. */
const SECTION_CHARS = 3000;
/** Section blocks of lines (Slack allows 50 blocks in a message; 3 are the head and the foot). */
const MAX_SECTIONS = 45;
const MAX_LINE = 300;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a line is about: the real server (or host) the incidents share, else the incident itself. */
function subjectOf(incident: Incident): string {
  return incident.target?.realServer ?? incident.host ?? incident.group ?? incident.id;
}

function single(incident: Incident, now: number): string {
  const open = incident.state === 'open';
  const emoji = open
    ? incident.kind === 'flapping'
      ? ':large_orange_circle:'
      : ':red_circle:'
    : ':large_green_circle:';
  const state = open
    ? plural(incident.count, 'alert')
    : `resolved after ${formatDuration((incident.resolvedAt ?? now) - incident.openedAt)}`;
  return `${emoji} \`${incident.id}\` ${escapeMrkdwn(clip(incident.title, 120))} (${state})`;
}

/** Several incidents of one real server: one line naming their services. */
function grouped(subject: string, incidents: Incident[]): string {
  const open = incidents.filter((i) => i.state === 'open');
  const emoji = open.length > 0 ? ':red_circle:' : ':large_green_circle:';
  const services = incidents
    .map((i) => `${i.service ?? i.group ?? i.id}${i.state === 'open' ? '' : ' (ok)'}`)
    .join(', ');
  const alerts = incidents.reduce((sum, i) => sum + i.count, 0);
  const counts =
    open.length === incidents.length
      ? `${open.length} down`
      : `${open.length} down, ${incidents.length - open.length} resolved`;
  return clip(
    `${emoji} *${escapeMrkdwn(subject)}*: ${escapeMrkdwn(services)} (${counts}; ${plural(alerts, 'alert')})`,
    MAX_LINE,
  );
}

/**
 * The storm digest: one message for many incidents of a cluster in a channel, edited in place
 * as they change. One line per real server (its incidents' services named on it), those with
 * something still down first; each incident keeps its own record (`/lvs incident ID`), only
 * its Slack message is shared.
 */
export function renderStorm(
  cluster: string,
  incidents: readonly Incident[],
  openedAt: number,
  now = Date.now(),
): SlackMessage {
  const bySubject = new Map<string, Incident[]>();
  for (const i of incidents) {
    const key = subjectOf(i);
    const list = bySubject.get(key);
    if (list) list.push(i);
    else bySubject.set(key, [i]);
  }
  const groups = [...bySubject.entries()].map(([subject, list]) => ({
    subject,
    list: list.sort((a, b) => a.openedAt - b.openedAt),
    open: list.some((i) => i.state === 'open'),
    first: Math.min(...list.map((i) => i.openedAt)),
  }));
  groups.sort(
    (a, b) => Number(b.open) - Number(a.open) || a.first - b.first || a.subject.localeCompare(b.subject),
  );
  const lines = groups.map((g) =>
    g.list.length === 1 ? single(g.list[0]!, now) : grouped(g.subject, g.list),
  );

  const open = incidents.filter((i) => i.state === 'open').length;
  const resolved = incidents.length - open;
  const over = open === 0 && incidents.length > 0;
  const alerts = incidents.reduce((sum, i) => sum + i.count, 0);
  const servers = groups.length;
  const head = over
    ? `:large_green_circle: *Alert storm in ${escapeMrkdwn(cluster)} is over*: all ${incidents.length} incidents resolved`
    : `:rotating_light: *Alert storm in ${escapeMrkdwn(cluster)}*: ${incidents.length} incidents on ${plural(servers, 'host')}, ${open} open, ${resolved} resolved`;
  const sub = `${plural(alerts, 'alert')} since <!date^${Math.floor(openedAt / 1000)}^{time_secs}|${new Date(openedAt).toISOString()}> (${formatDuration(now - openedAt)}). Too many at once for a message each: they are listed here and this message is kept up to date.`;

  const sections: string[] = [];
  let current = '';
  let shown = 0;
  for (const l of lines) {
    if (current.length + l.length + 1 > SECTION_CHARS) {
      if (sections.length + 1 >= MAX_SECTIONS) break;
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${l}` : l;
    shown++;
  }
  if (current) sections.push(current);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', block_id: 'lvs_storm_head', text: { type: 'mrkdwn', text: clip(head, 3000) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: clip(sub, 3000) }] },
    ...sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  ];
  const hidden = lines.length - shown;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${hidden > 0 ? `… and ${plural(hidden, 'more host')}. ` : ''}\`/lvs incidents\` lists them; \`/lvs incident ID\` shows one's timeline.`,
      },
    ],
  });
  const text = over
    ? `Alert storm in ${cluster} is over: all ${incidents.length} incidents resolved`
    : `Alert storm in ${cluster}: ${incidents.length} incidents on ${plural(servers, 'host')}, ${open} open`;
  return { text, blocks };
}
