import type { EscalationStep, SlackAudience, SlackDirectory } from '../../config/inventory.js';
import { formatDuration, type Incident } from '../../core/incidents/index.js';

/**
 * When an incident escalates and what the escalation says: plain functions of the incident,
 * the cluster's policy and the time, so the schedule is tested without Redis or Slack.
 */

/** The acknowledgement as the incident carries it (src/core/incidents/incident.ts `ack`). */
export interface AckView {
  by: string;
  at: number;
  comment?: string;
  monTold: boolean;
}

/** The incident fields escalation reads (`ack` is set by an acknowledgement, cleared on reopen). */
export type EscalatedIncident = Incident & { ack?: AckView | undefined };

export function ackOf(incident: Incident): AckView | undefined {
  return (incident as EscalatedIncident).ack;
}

/**
 * The start of the incident's current episode: it opened, or it reopened (the same incident
 * coming back within the reopen window), as the event says. A reopened incident escalates
 * again, so the episode is part of every escalation job's id; its schedule counts from when the
 * bot learned of the episode (scheduleStart), which for a late event is much later.
 */
export function episodeStart(incident: Incident): number {
  const reopened = incident.timeline.filter((t) => t.type === 'reopened').at(-1);
  return reopened ? Math.max(reopened.at, incident.openedAt) : incident.openedAt;
}

/**
 * When the schedule of an episode counts from: when the bot learned of it, not when it
 * happened. Most events arrive within seconds of happening, but a heartbeat log replayed from
 * its start or an alert held in mon's spool arrives long after; counting from the event's own
 * time would make every step and every reminder of its years "due" at once, though nobody
 * could have acknowledged what nobody had been shown. `learnedAt` is the ingest's time of the
 * event that opened or reopened the episode (never later than now).
 */
export function scheduleStart(learnedAt: number, now: number): number {
  return Math.min(learnedAt, now);
}

/** When step `n` (0-based) is due: each step's `after` counts from the one before, the first from `from` (scheduleStart). */
export function stepDueAt(steps: readonly EscalationStep[], from: number, n: number): number | undefined {
  if (n < 0 || n >= steps.length) return undefined;
  let at = from;
  for (let i = 0; i <= n; i++) at += steps[i]!.after;
  return at;
}

/** When reminder `n` (1-based) is due: every `remindEvery` after `from` (scheduleStart). */
export function reminderDueAt(from: number, remindEvery: number, n: number): number {
  return from + remindEvery * Math.max(1, n);
}

/**
 * When the next step or reminder is due, once the one before (due at `previousDue`) fired at
 * `firedAt`: `spacing` after the one before was due, as planned; but when that time has
 * already passed (the one before fired late: no bot was running, Slack was down), `spacing`
 * after it fired. So a schedule that fell behind sends one late message (the catch-up) and
 * goes on at its usual pace from there, never a burst of everything it missed.
 */
export function nextDueAt(previousDue: number, spacing: number, firedAt: number): number {
  const planned = previousDue + spacing;
  return planned > firedAt ? planned : firedAt + spacing;
}

export type EscalationVerdict =
  | { act: true }
  | { act: false; why: 'gone' | 'resolved' | 'acknowledged' | 'silenced' | 'another episode' };

/**
 * Whether a step that fell due still escalates: only an open, unacknowledged incident of the
 * same episode that no silence covers now does. A silence is someone saying "we know, leave it
 * for this long": paging the on-call group over it would teach people to ignore pages. The
 * steps that fall due after the silence ended still escalate.
 */
export function shouldEscalate(
  incident: Incident | undefined,
  episode: number,
  now: number,
): EscalationVerdict {
  const still = stillOpen(incident, episode, now);
  if (still.act === false || !incident) return still;
  const ack = ackOf(incident);
  if (ack && ack.at >= episode) return { act: false, why: 'acknowledged' };
  return { act: true };
}

/** Whether a reminder that fell due is still sent: the incident is open (acknowledged or not), same episode, not silenced now. */
export function shouldRemind(
  incident: Incident | undefined,
  episode: number,
  now: number,
): EscalationVerdict {
  return stillOpen(incident, episode, now);
}

function stillOpen(incident: Incident | undefined, episode: number, now: number): EscalationVerdict {
  if (!incident) return { act: false, why: 'gone' };
  if (incident.state !== 'open') return { act: false, why: 'resolved' };
  if (episodeStart(incident) !== episode) return { act: false, why: 'another episode' };
  if (incident.silence && incident.silence.until > now) return { act: false, why: 'silenced' };
  return { act: true };
}

/** `<!subteam^S0ONCALL> <@U0ALICE>`: the mention that notifies them. */
export function mentionOf(audience: SlackAudience): string {
  return [...audience.usergroups.map((g) => `<!subteam^${g}>`), ...audience.users.map((u) => `<@${u}>`)].join(
    ' ',
  );
}

/** `@lvs-oncall, @alice`: the same audience in words, for the timeline (which is shown escaped). */
export function namesOf(audience: SlackAudience, directory: SlackDirectory): string {
  const name = (list: readonly { id: string; name: string }[], id: string) =>
    `@${list.find((e) => e.id === id)?.name ?? id}`;
  const names = [
    ...audience.usergroups.map((g) => name(directory.usergroups, g)),
    ...audience.users.map((u) => name(directory.users, u)),
  ];
  return names.length ? names.join(', ') : 'nobody (the step names no one)';
}

export interface EscalationText {
  /** The message that notifies (with mentions). */
  text: string;
  /** The timeline entry (plain words). */
  note: string;
}

export function escalationText(
  incident: Incident,
  steps: readonly EscalationStep[],
  n: number,
  now: number,
  directory: SlackDirectory,
): EscalationText {
  const step = steps[n]!;
  const level = steps.length > 1 ? ` (level ${n + 1} of ${steps.length})` : '';
  const open = formatDuration(now - episodeStart(incident));
  const mention = mentionOf(step.mention);
  const who = namesOf(step.mention, directory);
  return {
    text:
      `:rotating_light: ${mention || 'Nobody is named for this step;'} *${incident.id}* ${incident.title} ` +
      `has been open for ${open} and nobody acknowledged it${level}. ` +
      `Acknowledge it on the incident message or with \`/lvs ack ${incident.id}\`.`,
    note: `escalated to ${who} in #${directory.channels.find((c) => c.id === step.channel)?.name ?? step.channel}${level}: nobody acknowledged it within ${open}`,
  };
}

export function reminderText(
  incident: Incident,
  steps: readonly EscalationStep[],
  now: number,
  directory: SlackDirectory,
): EscalationText {
  const open = formatDuration(now - episodeStart(incident));
  const ack = ackOf(incident);
  // Whoever has it hears the reminder; without an owner, the last escalation step's audience.
  const audience: SlackAudience = ack
    ? { users: [ack.by], usergroups: [] }
    : (steps.at(-1)?.mention ?? { users: [], usergroups: [] });
  const holder = ack ? `acknowledged by <@${ack.by}>` : 'nobody acknowledged it';
  return {
    text: `:alarm_clock: ${mentionOf(audience)} *${incident.id}* ${incident.title} is still open after ${open} (${holder}).`,
    note: `reminder: still open after ${open}; ${namesOf(audience, directory)} reminded`,
  };
}
