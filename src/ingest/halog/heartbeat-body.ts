import { hostname } from 'node:os';
import type { HaEvent } from '../../core/heartbeat/ha-event.js';
import type { HaLogLine } from '../../core/heartbeat/ha-log.js';
import type { HeartbeatEvent } from '../schemas/heartbeat-event.js';

export interface BodyContext {
  /** The node that writes this log (`uname -n` of the director), for lines that do not name one. */
  node: string;
  cluster?: string;
  file: string;
  agent: string;
}

/** The node an event is about: the one the line names, else the node writing the log. */
function nodeOf(event: HaEvent, local: string): string {
  switch (event.kind) {
    case 'node-dead':
    case 'link-dead':
    case 'link-up':
    case 'late-heartbeat':
    case 'node-restart':
    case 'node-status':
      return event.node;
    case 'takeover-started':
      return local;
    case 'takeover-complete':
    case 'released':
    case 'standby-requested':
      return event.node ?? local;
    case 'shutdown':
      return event.node ?? local;
    default:
      return local;
  }
}

/** The line's local wall-clock time as an ISO instant (the follower runs on the node that wrote it). */
function instant(time: string): string {
  const t = new Date(time);
  return Number.isNaN(t.getTime()) ? new Date().toISOString() : t.toISOString();
}

/**
 * The body for `POST /hooks/heartbeat` of one typed ha-log line, or undefined for a line
 * whose message we do not track. Its id is the line's place (file identity and offset), so a
 * line sent again after a restart is recognised by the ingest.
 */
export function heartbeatBody(
  line: HaLogLine,
  raw: string,
  where: { offset: number; inode: number; fingerprint: string },
  ctx: BodyContext,
): HeartbeatEvent | undefined {
  const e = line.event;
  if (e.kind === 'other') return undefined;
  const local = ctx.node || line.host || hostname();
  const event: HeartbeatEvent['event'] = {
    kind: e.kind,
    node: nodeOf(e, local),
    at: instant(line.time),
    level: line.level ?? 'info',
    program: line.program.slice(0, 100) || 'heartbeat',
    ...(line.pid !== null && line.pid > 0 && { pid: line.pid }),
  };
  if (e.kind === 'takeover-started' && e.group) event.group = e.group.slice(0, 1024);
  if (e.kind === 'takeover-started' && e.fromNode) event.from = e.fromNode.slice(0, 253);
  if (e.kind === 'shutdown') event.shutdown = e.phase;
  if (e.kind === 'acquiring' || e.kind === 'releasing') {
    event.group = e.node;
    event.resources = e.resources.slice(0, 100).map((r) => r.slice(0, 1024));
  }
  if (e.kind === 'link-dead' || e.kind === 'link-up') event.iface = e.iface.slice(0, 64);
  if (e.kind === 'late-heartbeat') {
    event.intervalMs = e.intervalMs;
    event.pastDeadtime = e.pastDeadtime;
  }
  if (e.kind === 'local-status' || e.kind === 'node-status') event.status = e.status.slice(0, 64);
  return {
    kind: 'heartbeat-event',
    version: 1,
    id: `halog.${(ctx.node || hostname()).replace(/[^A-Za-z0-9._-]/g, '_')}.${where.inode}.${where.fingerprint || 'empty'}.${where.offset}`.slice(
      0,
      128,
    ),
    time: new Date().toISOString(),
    hostname: hostname(),
    agent: ctx.agent,
    ...(ctx.cluster !== undefined && { cluster: ctx.cluster }),
    source: { file: ctx.file, offset: where.offset, inode: where.inode },
    line: raw.slice(0, 8192),
    event,
  };
}
