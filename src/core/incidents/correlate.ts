import type { IncidentAction, LvsEvent } from '../events/event.js';
import { formatDuration } from './format.js';
import {
  type CorrelationOptions,
  defaultCorrelationOptions,
  type Incident,
  type TimelineEntry,
  type TimelineType,
} from './incident.js';

/** What applying one event decided. The store writes `changed`; the notifiers render it. */
export type Decision =
  | { type: 'opened'; incident: Incident }
  | { type: 'updated'; incident: Incident; why: TimelineType }
  | { type: 'ignored'; reason: string };

const SEEN_IDS_KEPT = 500;

/** The key that groups events into one incident. */
export function incidentKey(event: LvsEvent): string | undefined {
  switch (event.kind) {
    case 'failover':
      return `${event.cluster}/failover`;
    case 'security':
      return `${event.cluster}/security/${event.host ?? event.node ?? 'cluster'}`;
    case 'alert': {
      if (event.group || event.service) {
        return `${event.cluster}/alert/${event.group ?? '-'}/${event.service ?? '-'}`;
      }
      if (event.host) return `${event.cluster}/alert/host/${event.host}`;
      return undefined;
    }
    case 'job':
      return undefined;
  }
}

/** Phases of a failover that start an incident on their own. */
const OPENING_PHASES = new Set([
  'node-dead',
  'link-dead',
  'standby-requested',
  'takeover-started',
  'releasing',
  'shutdown',
  'node-restart',
  'fault',
  'became-master',
  'became-backup',
]);

/**
 * Applies one event to the incidents of its cluster. Pure: `incidents` are the cluster's open
 * incidents and those resolved recently (inside the reopen and settle windows); the caller
 * stores what comes back. The same event applied twice changes nothing.
 */
export function applyEvent(
  incidents: readonly Incident[],
  event: LvsEvent,
  newId: () => string,
  opts: CorrelationOptions = defaultCorrelationOptions,
): Decision {
  const key = incidentKey(event);
  if (!key) return { type: 'ignored', reason: `a ${event.kind} event opens no incident` };
  if (incidents.some((i) => i.seenEventIds.includes(event.id))) {
    return { type: 'ignored', reason: `event ${event.id} was already applied` };
  }
  if (event.action) return applyAction(incidents, event, event.action, opts);
  if (event.kind === 'failover') return applyFailover(incidents, event, key, newId, opts);

  const existing = latestWithKey(incidents, key);

  // An up event always goes to its own incident, even during a failover.
  if (event.status === 'up') {
    if (!existing || existing.state === 'resolved') {
      return { type: 'ignored', reason: 'recovery of a service with no open incident' };
    }
    const next = touch(existing, event, opts);
    next.state = 'resolved';
    next.resolvedAt = event.at;
    next.lastStatus = 'up';
    delete next.ack;
    next.transitions = recentTransitions([...existing.transitions, event.at], event.at, opts);
    markFlapping(next, event, opts);
    addEntry(
      next,
      event,
      'resolved',
      `recovered after ${formatDuration(event.at - next.openedAt)}: ${event.summary}`,
      opts,
    );
    return { type: 'updated', incident: next, why: 'resolved' };
  }

  if (event.status === 'info') {
    if (existing && existing.state === 'open') {
      const next = touch(existing, event, opts);
      addEntry(next, event, 'note', event.summary, opts);
      return { type: 'updated', incident: next, why: 'note' };
    }
    return { type: 'ignored', reason: 'an info event with no open incident' };
  }

  // down
  if (existing && existing.state === 'open') {
    const next = touch(existing, event, opts);
    next.count += 1;
    next.summary = event.summary || next.summary;
    addEntry(next, event, 'repeat', `still down (${next.count} alerts): ${event.summary}`, opts);
    return { type: 'updated', incident: next, why: 'repeat' };
  }

  const failover = activeFailover(incidents, event.at, opts);
  if (failover && event.kind === 'alert') {
    const next = touch(failover, event, opts);
    next.count += 1;
    addEntry(
      next,
      event,
      'folded',
      `during the failover: ${describeAlert(event)} reported down: ${event.summary}`,
      opts,
    );
    return { type: 'updated', incident: next, why: 'folded' };
  }

  const dependency = openDependency(incidents, event);
  if (dependency) {
    const next = touch(dependency, event, opts);
    next.count += 1;
    addEntry(
      next,
      event,
      'dependency-down',
      `${describeAlert(event)} is down because ${dependency.group}:${dependency.service} is down`,
      opts,
    );
    return { type: 'updated', incident: next, why: 'dependency-down' };
  }

  if (
    existing &&
    existing.state === 'resolved' &&
    event.at - (existing.resolvedAt ?? 0) <= opts.reopenWindowMs
  ) {
    const next = touch(existing, event, opts);
    next.state = 'open';
    delete next.resolvedAt;
    delete next.ack;
    next.lastStatus = 'down';
    next.count += 1;
    next.summary = event.summary || next.summary;
    next.transitions = recentTransitions([...existing.transitions, event.at], event.at, opts);
    addEntry(next, event, 'reopened', `down again: ${event.summary}`, opts);
    markFlapping(next, event, opts);
    return { type: 'updated', incident: next, why: next.kind === 'flapping' ? 'flapping' : 'reopened' };
  }

  const incident: Incident = {
    id: newId(),
    key,
    cluster: event.cluster,
    kind: event.kind === 'security' ? 'security' : 'outage',
    state: 'open',
    title: titleFor(event),
    ...(event.group !== undefined && { group: event.group }),
    ...(event.service !== undefined && { service: event.service }),
    ...(event.host !== undefined && { host: event.host }),
    ...(event.target !== undefined && { target: event.target }),
    openedAt: event.at,
    lastSeenAt: event.at,
    count: 1,
    transitions: [event.at],
    lastStatus: 'down',
    summary: event.summary,
    timeline: [],
    version: 1,
    seenEventIds: [event.id],
  };
  addEntry(incident, event, 'opened', event.summary || 'down', opts);
  return { type: 'opened', incident };
}

function applyFailover(
  incidents: readonly Incident[],
  event: LvsEvent,
  key: string,
  newId: () => string,
  opts: CorrelationOptions,
): Decision {
  const current = activeFailover(incidents, event.at, opts);
  const phase = event.phase ?? 'other';
  const text = event.node ? `${event.node}: ${event.summary}` : event.summary;
  if (current) {
    const next = touch(current, event, opts);
    next.count += 1;
    next.phase = phase;
    if (phase === 'takeover-complete' || phase === 'became-master') {
      next.state = 'resolved';
      next.resolvedAt = event.at;
      next.lastStatus = 'up';
      delete next.ack;
    } else if (next.state === 'resolved' && OPENING_PHASES.has(phase)) {
      // A new step after the takeover settled (a failback, say) reopens the same incident.
      next.state = 'open';
      delete next.resolvedAt;
      delete next.ack;
      next.lastStatus = 'down';
    }
    addEntry(next, event, 'failover-step', text, opts);
    return { type: 'updated', incident: next, why: 'failover-step' };
  }
  if (!OPENING_PHASES.has(phase)) {
    return { type: 'ignored', reason: `failover phase ${phase} outside a failover` };
  }
  const incident: Incident = {
    id: newId(),
    key,
    cluster: event.cluster,
    kind: 'failover',
    state: 'open',
    title: `Director failover in ${event.cluster}`,
    ...(event.node !== undefined && { node: event.node }),
    phase,
    openedAt: event.at,
    lastSeenAt: event.at,
    count: 1,
    transitions: [event.at],
    lastStatus: 'down',
    summary: text,
    timeline: [],
    version: 1,
    seenEventIds: [event.id],
  };
  addEntry(incident, event, 'failover-step', text, opts);
  return { type: 'opened', incident };
}

/**
 * A person's action on the incident it names: an ack is taken while the incident is open (a
 * second one replaces the first, so an ack retried once mon answers records that mon was
 * told); a silence and its end are recorded whatever the state, since the service stays
 * disabled in mon until its end.
 */
function applyAction(
  incidents: readonly Incident[],
  event: LvsEvent,
  action: IncidentAction,
  opts: CorrelationOptions,
): Decision {
  const incident = incidents.find((i) => i.id === action.incident);
  if (!incident)
    return { type: 'ignored', reason: `${action.type} of an unknown incident ${action.incident}` };
  switch (action.type) {
    case 'ack': {
      if (incident.state !== 'open') {
        return { type: 'ignored', reason: `ack of ${incident.id}, which is already resolved` };
      }
      const next = touch(incident, event, opts);
      next.ack = {
        by: action.by,
        at: event.at,
        ...(action.comment !== undefined && { comment: action.comment }),
        monTold: action.monTold,
      };
      const comment = action.comment ? `: ${action.comment}` : '';
      const mon = action.monTold ? '' : ' (mon was not told)';
      addEntry(next, event, 'acknowledged', `acknowledged by <@${action.by}>${comment}${mon}`, opts);
      return { type: 'updated', incident: next, why: 'acknowledged' };
    }
    case 'silence': {
      const next = touch(incident, event, opts);
      next.silence = {
        by: action.by,
        at: event.at,
        target: action.target,
        until: action.until,
        untilResolved: action.untilResolved,
        ...(action.reason !== undefined && { reason: action.reason }),
      };
      const end = action.untilResolved ? 'until resolved, at the latest ' : 'until ';
      const reason = action.reason ? `: ${action.reason}` : '';
      addEntry(
        next,
        event,
        'silenced',
        `${action.target} silenced in mon by <@${action.by}> ${end}${new Date(action.until).toISOString()}${reason}`,
        opts,
      );
      return { type: 'updated', incident: next, why: 'silenced' };
    }
    case 'unsilence': {
      if (incident.silence?.target !== action.target) {
        return { type: 'ignored', reason: `${incident.id} has no silence of ${action.target}` };
      }
      const next = touch(incident, event, opts);
      delete next.silence;
      const why =
        action.why === 'asked'
          ? `by <@${action.by ?? 'someone'}>`
          : action.why === 'expired'
            ? '(its time was up)'
            : '(the incident resolved)';
      addEntry(next, event, 'unsilenced', `${action.target} enabled in mon again ${why}`, opts);
      return { type: 'updated', incident: next, why: 'unsilenced' };
    }
  }
}

/** The cluster's failover incident that is still in progress or settled only moments ago. */
function activeFailover(incidents: readonly Incident[], at: number, opts: CorrelationOptions) {
  return incidents
    .filter((i) => i.kind === 'failover')
    .filter((i) => i.state === 'open' || at - i.lastSeenAt <= opts.failoverSettleMs)
    .sort((a, b) => b.lastSeenAt - a.lastSeenAt)[0];
}

function openDependency(incidents: readonly Incident[], event: LvsEvent): Incident | undefined {
  for (const dep of event.dependsOn ?? []) {
    const [group, service] = dep.split(':');
    const found = incidents.find(
      (i) => i.state === 'open' && i.kind !== 'failover' && i.group === group && i.service === service,
    );
    if (found) return found;
  }
  return undefined;
}

function latestWithKey(incidents: readonly Incident[], key: string): Incident | undefined {
  return incidents.filter((i) => i.key === key).sort((a, b) => b.lastSeenAt - a.lastSeenAt)[0];
}

/** A copy of the incident with the event recorded as seen and the version bumped. */
function touch(incident: Incident, event: LvsEvent, _opts: CorrelationOptions): Incident {
  return {
    ...incident,
    timeline: [...incident.timeline],
    transitions: [...incident.transitions],
    lastSeenAt: Math.max(incident.lastSeenAt, event.at),
    version: incident.version + 1,
    seenEventIds: [...incident.seenEventIds, event.id].slice(-SEEN_IDS_KEPT),
  };
}

function addEntry(
  incident: Incident,
  event: LvsEvent,
  type: TimelineType,
  text: string,
  opts: CorrelationOptions,
): void {
  const entry: TimelineEntry = { at: event.at, type, text, eventId: event.id };
  incident.timeline.push(entry);
  if (incident.timeline.length > opts.maxTimeline) {
    incident.timeline.splice(1, incident.timeline.length - opts.maxTimeline);
  }
}

function recentTransitions(times: number[], now: number, opts: CorrelationOptions): number[] {
  return times.filter((t) => now - t <= opts.flapWindowMs);
}

function markFlapping(incident: Incident, event: LvsEvent, opts: CorrelationOptions): void {
  if (incident.kind === 'outage' && incident.transitions.length >= opts.flapThreshold) {
    incident.kind = 'flapping';
    incident.title = `Flapping: ${incident.title.replace(/^Flapping: /, '')}`;
    addEntry(
      incident,
      event,
      'flapping',
      `${incident.transitions.length} state changes in ${formatDuration(opts.flapWindowMs)}: flapping`,
      opts,
    );
  }
}

function describeAlert(event: LvsEvent): string {
  const parts = [event.group, event.service].filter(Boolean).join(':');
  const rs = event.target?.realServer;
  return rs ? `${parts || event.host} (${rs})` : parts || event.host || 'a service';
}

function titleFor(event: LvsEvent): string {
  if (event.kind === 'security') return `Security: ${event.summary}`;
  const what = describeAlert(event);
  const vip = event.target?.vip ? ` behind ${event.target.vip}:${event.target.port ?? ''}` : '';
  return `${what} down${vip}`;
}
