import { z } from 'zod';

/**
 * The one normalized event. A mon alert, a heartbeat log line, a keepalived notification and
 * a job's result all become this shape at the edge (src/ingest); everything after handles it.
 */
export const eventSourceSchema = z.enum(['mon', 'heartbeat', 'keepalived', 'job', 'security']);
export type EventSource = z.infer<typeof eventSourceSchema>;

/** What the event is about: a service check, a director failover, a job, a security matter. */
export const eventKindSchema = z.enum(['alert', 'failover', 'job', 'security']);
export type EventKind = z.infer<typeof eventKindSchema>;

/** down: something failed; up: it recovered; info: a step worth recording. */
export const eventStatusSchema = z.enum(['down', 'up', 'info']);
export type EventStatus = z.infer<typeof eventStatusSchema>;

/** Failover phases, from heartbeat's and keepalived's points of view. */
export const failoverPhaseSchema = z.enum([
  'node-dead',
  'link-dead',
  'link-up',
  'standby-requested',
  'takeover-started',
  'acquiring',
  'releasing',
  'takeover-complete',
  'released',
  'node-restart',
  'shutdown',
  'became-master',
  'became-backup',
  'fault',
  'other',
]);
export type FailoverPhase = z.infer<typeof failoverPhaseSchema>;

export const eventTargetSchema = z.object({
  protocol: z.enum(['tcp', 'udp', 'fwm']).optional(),
  vip: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  realServer: z.string().optional(),
  realServerPort: z.number().int().min(0).max(65535).optional(),
  weight: z.number().int().min(0).max(65535).optional(),
  forwarding: z.enum(['dr', 'nat', 'tun']).optional(),
});
export type EventTarget = z.infer<typeof eventTargetSchema>;

/**
 * Something a person did to an incident from Slack (acknowledge, silence, unsilence). It
 * travels as an info event so every bot process and the message agree; the incident it names
 * takes the new state (src/core/incidents/correlate.ts).
 */
export const incidentActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ack'),
    incident: z.string().min(1).max(200),
    by: z.string().min(1).max(100),
    comment: z.string().max(500).optional(),
    monTold: z.boolean(),
  }),
  z.object({
    type: z.literal('silence'),
    incident: z.string().min(1).max(200),
    by: z.string().min(1).max(100),
    /** GROUP or GROUP:SERVICE, as mon was told. */
    target: z.string().min(1).max(260),
    until: z.number().int().nonnegative(),
    untilResolved: z.boolean(),
    reason: z.string().max(500).optional(),
  }),
  z.object({
    type: z.literal('unsilence'),
    incident: z.string().min(1).max(200),
    target: z.string().min(1).max(260),
    /** Who ended it; absent when its time was up or the incident resolved. */
    by: z.string().min(1).max(100).optional(),
    why: z.enum(['asked', 'expired', 'resolved']),
  }),
]);
export type IncidentAction = z.infer<typeof incidentActionSchema>;

export const lvsEventSchema = z.object({
  /** Unique per occurrence; a resend of the same alert carries the same id (deduplicated). */
  id: z.string().min(1).max(200),
  source: eventSourceSchema,
  kind: eventKindSchema,
  status: eventStatusSchema,
  cluster: z.string().min(1),
  /** mon's names: hostgroup, service, the hosts that failed. */
  group: z.string().optional(),
  service: z.string().optional(),
  host: z.string().optional(),
  /** The heartbeat/keepalived node the event is about. */
  node: z.string().optional(),
  phase: failoverPhaseSchema.optional(),
  target: eventTargetSchema.optional(),
  /** Services this one depends on (mon's `depend`), as GROUP:SERVICE. */
  dependsOn: z.array(z.string()).optional(),
  /** Set on the info events of a person's action on an incident. */
  action: incidentActionSchema.optional(),
  summary: z.string().max(4000),
  detail: z.string().max(20000).optional(),
  /** When it happened (epoch ms), as the source says. */
  at: z.number().int().nonnegative(),
  /** When the bot accepted it (epoch ms). */
  receivedAt: z.number().int().nonnegative(),
});
export type LvsEvent = z.infer<typeof lvsEventSchema>;
