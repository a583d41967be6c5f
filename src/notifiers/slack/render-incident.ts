import type { Incident, TimelineEntry } from '../../core/incidents/index.js';
import { formatDuration } from '../../core/incidents/index.js';

/** A Slack message body: fallback text and Block Kit blocks. */
export interface SlackMessage {
  text: string;
  // Block Kit JSON, kept as plain objects: the local Slack and Slack validate it.
  blocks: Record<string, unknown>[];
}

const EMOJI: Record<string, string> = {
  'outage:open': ':red_circle:',
  'outage:resolved': ':large_green_circle:',
  'flapping:open': ':large_orange_circle:',
  'flapping:resolved': ':large_green_circle:',
  'failover:open': ':arrows_counterclockwise:',
  'failover:resolved': ':white_check_mark:',
  'security:open': ':rotating_light:',
  'security:resolved': ':white_check_mark:',
};

/** Slack's mrkdwn needs &, < and > escaped in user-supplied text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function slackDate(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{date_short_pretty} {time_secs}|${new Date(ms).toISOString()}>`;
}

/** "16:42" in the reader's own time zone, with UTC as the fallback text. */
function slackTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{time}|${new Date(ms).toISOString().slice(11, 16)} UTC>`;
}

function stateLabel(incident: Incident, now: number): string {
  if (incident.state === 'resolved') {
    const d = (incident.resolvedAt ?? now) - incident.openedAt;
    return incident.kind === 'failover'
      ? `completed in ${formatDuration(d)}`
      : `resolved after ${formatDuration(d)}`;
  }
  if (incident.kind === 'failover') return 'in progress';
  return `open for ${formatDuration(now - incident.openedAt)}`;
}

/**
 * The one message of an incident in a channel, edited in place as the incident changes.
 * Buttons carry the incident id and, where the alert named one, the real server and VIP.
 */
export function renderIncident(incident: Incident, now = Date.now()): SlackMessage {
  const emoji = EMOJI[`${incident.kind}:${incident.state}`] ?? ':grey_question:';
  const status = stateLabel(incident, now);
  const title = escapeMrkdwn(clip(incident.title, 200));
  const text = `${incident.state === 'resolved' ? 'Resolved' : 'Open'}: ${incident.title} (${status})`;

  const fields: string[] = [`*Cluster*\n${escapeMrkdwn(incident.cluster)}`];
  const t = incident.target;
  if (t?.vip) fields.push(`*Virtual service*\n${t.protocol ?? 'tcp'} ${t.vip}${t.port ? `:${t.port}` : ''}`);
  if (t?.realServer)
    fields.push(`*Real server*\n${t.realServer}${t.realServerPort ? `:${t.realServerPort}` : ''}`);
  if (incident.group || incident.service) {
    fields.push(`*mon*\n${escapeMrkdwn([incident.group, incident.service].filter(Boolean).join(' / '))}`);
  }
  if (incident.node) fields.push(`*Director*\n${escapeMrkdwn(incident.node)}`);
  fields.push(`*Since*\n${slackDate(incident.openedAt)}`);
  if (incident.kind !== 'failover') fields.push(`*Alerts*\n${incident.count}`);

  const blocks: Record<string, unknown>[] = [
    {
      type: 'section',
      block_id: 'lvs_incident_head',
      text: { type: 'mrkdwn', text: clip(`${emoji} *${title}*\n${escapeMrkdwn(status)}`, 3000) },
    },
    {
      type: 'section',
      block_id: 'lvs_incident_fields',
      fields: fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: clip(f, 2000) })),
    },
  ];
  if (incident.summary) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(incident.summary), 3000) }],
    });
  }
  const people = peopleLines(incident);
  if (people.length > 0) {
    blocks.push({
      type: 'context',
      block_id: 'lvs_incident_people',
      elements: people.map((text) => ({ type: 'mrkdwn', text: clip(text, 3000) })),
    });
  }
  const actions = actionsFor(incident);
  if (actions.length > 0)
    blocks.push({ type: 'actions', block_id: 'lvs_incident_actions', elements: actions });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${incident.id} · last seen ${slackDate(incident.lastSeenAt)} · timeline in thread · \`/lvs incident ${incident.id}\``,
      },
    ],
  });
  return { text: clip(text, 3000), blocks };
}

function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger') {
  return {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label, emoji: true },
    value: clip(value, 2000),
    ...(style && { style }),
  };
}

/** Who acknowledged the incident and the silence covering it, one line each. */
function peopleLines(incident: Incident): string[] {
  const out: string[] = [];
  const ack = incident.ack;
  if (ack) {
    const comment = ack.comment ? `: ${escapeMrkdwn(clip(ack.comment, 300))}` : '';
    const mon = ack.monTold ? '' : ' · :warning: mon was not told; use Retry ack in mon';
    out.push(`:eyes: Acknowledged by <@${ack.by}> at ${slackTime(ack.at)}${comment}${mon}`);
  }
  const silence = incident.silence;
  if (silence) {
    const end = silence.untilResolved
      ? `until resolved (at the latest ${slackDate(silence.until)})`
      : `until ${slackDate(silence.until)}`;
    const reason = silence.reason ? `: ${escapeMrkdwn(clip(silence.reason, 300))}` : '';
    out.push(`:no_bell: ${escapeMrkdwn(silence.target)} silenced in mon by <@${silence.by}> ${end}${reason}`);
  }
  return out;
}

/** The Silence menu's choices; "custom" opens a modal that asks for a duration. */
export const SILENCE_CHOICES = [
  { value: '30m', label: '30 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '4h', label: '4 hours' },
  { value: 'resolved', label: 'Until resolved' },
  { value: 'custom', label: 'Custom…' },
] as const;

/**
 * A Silence menu option's value: the choice and the incident, which is all the menu carries
 * (an option value holds at most 150 characters; the cluster is the id's prefix).
 */
export function silenceOptionValue(choice: string, incidentId: string): string {
  return `${choice} ${incidentId}`;
}

function silenceMenu(incident: Incident): Record<string, unknown> | undefined {
  if (!incident.group || silenceOptionValue('resolved', incident.id).length > 150) return undefined;
  return {
    type: 'static_select',
    action_id: 'lvs_silence',
    placeholder: { type: 'plain_text', text: 'Silence in mon…', emoji: true },
    options: SILENCE_CHOICES.map((c) => ({
      text: { type: 'plain_text', text: c.label, emoji: true },
      value: silenceOptionValue(c.value, incident.id),
    })),
  };
}

function actionsFor(incident: Incident): Record<string, unknown>[] {
  const value = JSON.stringify({
    incident: incident.id,
    cluster: incident.cluster,
    ...(incident.target?.realServer && { server: incident.target.realServer }),
    ...(incident.target?.vip && { vip: `${incident.target.vip}:${incident.target.port ?? ''}` }),
  });
  // A silence outlives its incident's resolution (mon keeps the service disabled): Unsilence stays.
  const unsilence = incident.silence ? [button('lvs_unsilence', 'Unsilence', value)] : [];
  if (incident.state !== 'open') return unsilence;
  const out: Record<string, unknown>[] = [];
  if (!incident.ack) out.push(button('lvs_ack', 'Acknowledge', value, 'primary'));
  else if (!incident.ack.monTold) out.push(button('lvs_ack', 'Retry ack in mon', value));
  if (incident.silence) out.push(...unsilence);
  else {
    const menu = silenceMenu(incident);
    if (menu) out.push(menu);
  }
  if (incident.kind !== 'failover' && incident.target?.realServer) {
    out.push(button('lvs_remove', 'Remove from VIP', value, 'danger'));
    out.push(button('lvs_drain', 'Drain', value));
  }
  if (incident.kind === 'failover') out.push(button('lvs_failback', 'Force failback', value));
  return out;
}

/** A thread reply for one timeline entry. */
export function renderTimelineEntry(incident: Incident, entry: TimelineEntry): SlackMessage {
  const text = `${entry.type}: ${entry.text}`;
  return {
    text: clip(`${incident.id} ${text}`, 3000),
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: clip(`${slackDate(entry.at)} · *${entry.type}* · ${escapeMrkdwn(entry.text)}`, 3000),
          },
        ],
      },
    ],
  };
}
