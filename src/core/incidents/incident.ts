import type { EventTarget, FailoverPhase, LvsEvent } from '../events/event.js';

export type IncidentKind = 'outage' | 'failover' | 'flapping' | 'security';
export type IncidentState = 'open' | 'resolved';

export type TimelineType =
  | 'opened'
  | 'repeat'
  | 'resolved'
  | 'reopened'
  | 'flapping'
  | 'folded'
  | 'dependency-down'
  | 'failover-step'
  | 'acknowledged'
  | 'silenced'
  | 'unsilenced'
  | 'note';

export interface TimelineEntry {
  at: number;
  type: TimelineType;
  text: string;
  eventId?: string;
}

/** Who took the incident, and whether mon was told (mon's own `ack`, so it stops re-alerting). */
export interface IncidentAck {
  /** Slack user id. */
  by: string;
  at: number;
  comment?: string;
  monTold: boolean;
}

/** The mon silence (`disable service` / `disable watch`) covering the incident's service. */
export interface IncidentSilence {
  by: string;
  at: number;
  /** GROUP or GROUP:SERVICE, as mon was told. */
  target: string;
  /** When mon is told to enable it again; an "until resolved" silence ends here at the latest. */
  until: number;
  untilResolved: boolean;
  reason?: string;
}

/**
 * One incident: everything that belongs to one outage, failover or security matter, shown
 * as one Slack message per channel that is edited in place. `version` grows on every change
 * a reader would see, so a notifier can tell a stale delivery from a fresh one.
 */
export interface Incident {
  id: string;
  key: string;
  cluster: string;
  kind: IncidentKind;
  state: IncidentState;
  title: string;
  group?: string;
  service?: string;
  host?: string;
  target?: EventTarget;
  /** For failovers: the node that failed or gave up its resources, and the last phase seen. */
  node?: string;
  phase?: FailoverPhase;
  openedAt: number;
  lastSeenAt: number;
  resolvedAt?: number;
  /** Events that belong to this incident (repeats included). */
  count: number;
  /** Times of down/up transitions inside the flapping window. */
  transitions: number[];
  lastStatus: 'down' | 'up';
  summary: string;
  /** Set by an acknowledgement; cleared when the incident resolves or reopens. */
  ack?: IncidentAck;
  /** Set while a silence covers the incident's service. */
  silence?: IncidentSilence;
  timeline: TimelineEntry[];
  version: number;
  /** Event ids already applied, most recent last, so a redelivery changes nothing. */
  seenEventIds: string[];
}

export interface CorrelationOptions {
  /** N down/up transitions inside flapWindowMs make an incident "flapping". */
  flapThreshold: number;
  flapWindowMs: number;
  /** A key that resolved less than this ago reopens the same incident rather than a new one. */
  reopenWindowMs: number;
  /** How long after a failover's last step other events of the cluster still fold under it. */
  failoverSettleMs: number;
  /** The most timeline entries kept on an incident (the oldest are dropped, counted in a note). */
  maxTimeline: number;
}

export const defaultCorrelationOptions: CorrelationOptions = {
  flapThreshold: 4,
  flapWindowMs: 10 * 60_000,
  reopenWindowMs: 10 * 60_000,
  failoverSettleMs: 60_000,
  maxTimeline: 200,
};

export function durationOf(incident: Incident): number | undefined {
  return incident.resolvedAt === undefined ? undefined : incident.resolvedAt - incident.openedAt;
}

export type IncidentEvent = LvsEvent;
