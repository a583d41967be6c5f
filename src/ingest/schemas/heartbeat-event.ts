import { z } from 'zod';
import { envelopeShape } from './envelope.js';

/**
 * The body `lvs-chatops follow-halog FILE` posts to `POST /hooks/heartbeat`: one recognised
 * ha-log line, typed, with where it was read (file and byte offset), so the ingest can tell a
 * resend after a restart from a new event. Kinds use the failover phase names of
 * src/core/events where they mean the same thing.
 */
export const heartbeatEventKindSchema = z.enum([
  'node-dead', // WARN: node X: is dead
  'link-dead', // Link X:IF dead.
  'link-up', // Link X:IF up.
  'standby-requested', // X wants to go standby [...] / Going standby [...]
  'standby-cancelled', // No reply to standby request.  Standby request cancelled.
  'takeover-started', // Taking over resource group G
  'acquiring', // Acquiring resource group: NODE RES...
  'releasing', // Releasing resource group: NODE RES...
  'takeover-complete', // mach_down takeover complete [for node X].
  'released', // Dead node X gave up resources. / IP Address released
  'node-restart', // Heartbeat restart on node X
  'shutdown', // Heartbeat shutdown in progress.
  'late-heartbeat', // Late heartbeat: Node X: interval N ms [(> deadtime)]
  'local-status', // Local status now set to: 'up'|'active'
  'node-status', // Status update for node X: status S
]);
export type HeartbeatEventKind = z.infer<typeof heartbeatEventKindSchema>;

export const heartbeatEventSchema = z.object({
  kind: z.literal('heartbeat-event'),
  version: z.literal(1),
  ...envelopeShape,
  /** Where the line was read: the log file and the byte offset of the line's first byte. */
  source: z.object({
    file: z.string().min(1).max(4096),
    offset: z.number().int().nonnegative(),
    /** The file's inode, so an offset is not confused across a rotation. */
    inode: z.number().int().nonnegative().optional(),
  }),
  /** The line as it was in the log, without its newline. */
  line: z.string().max(8192),
  event: z.object({
    kind: heartbeatEventKindSchema,
    /** The node the event is about (for local events, the node that wrote the log). */
    node: z.string().min(1).max(253),
    /** When the line says it happened (ISO 8601); ha-log's syslog format has no year: the follower supplies it. */
    at: z.iso.datetime({ offset: true }),
    level: z.enum(['debug', 'info', 'notice', 'warn', 'error', 'crit']),
    /** Which writer: the daemon (`heartbeat: [pid]:`) or a resource script (`IPaddr(default)[pid]:`). */
    program: z.string().min(1).max(100),
    pid: z.number().int().positive().optional(),
    /** takeover-started: the group key; acquiring/releasing: the resources in order. */
    group: z.string().max(1024).optional(),
    resources: z.array(z.string().max(1024)).max(100).optional(),
    /** link-dead/link-up: the interface. */
    iface: z.string().max(64).optional(),
    /** late-heartbeat: the interval, and whether it was past deadtime (CRIT). */
    intervalMs: z.number().int().nonnegative().optional(),
    pastDeadtime: z.boolean().optional(),
    /** local-status/node-status: the status word (up, active, dead, ...). */
    status: z.string().max(64).optional(),
    /** shutdown: in progress, complete, or the peer's notice that it shuts down. */
    shutdown: z.enum(['in-progress', 'complete', 'peer-notice']).optional(),
    /** takeover-started: the node the resources are taken from (`Resources being acquired from X.`). */
    from: z.string().min(1).max(253).optional(),
  }),
});
export type HeartbeatEvent = z.infer<typeof heartbeatEventSchema>;
