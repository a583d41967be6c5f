import type { EventStatus, FailoverPhase, LvsEvent } from '../../core/events/event.js';
import type { HeartbeatEvent, HeartbeatEventKind } from '../schemas/heartbeat-event.js';
import { directorIn } from './find-in-cluster.js';
import { clip, epochMs, type NormalizeContext } from './normalize-context.js';
import { resolveCluster } from './resolve-cluster.js';

type Step = { phase: FailoverPhase; status: EventStatus; says: (e: HeartbeatEvent['event']) => string };

const list = (xs: string[] | undefined) => (xs && xs.length > 0 ? `: ${xs.join(' ')}` : '');

const STEPS: Record<HeartbeatEventKind, Step> = {
  'node-dead': { phase: 'node-dead', status: 'down', says: () => 'is dead' },
  'link-dead': { phase: 'link-dead', status: 'down', says: (e) => `link ${e.iface ?? ''} is dead` },
  'link-up': { phase: 'link-up', status: 'up', says: (e) => `link ${e.iface ?? ''} is up` },
  'standby-requested': { phase: 'standby-requested', status: 'info', says: () => 'asked to go standby' },
  'standby-cancelled': { phase: 'other', status: 'info', says: () => 'standby request cancelled' },
  'takeover-started': {
    phase: 'takeover-started',
    status: 'info',
    says: (e) =>
      e.from
        ? `taking over the resources of ${e.from}`
        : `taking over resource group${e.group ? ` ${e.group}` : ''}`,
  },
  acquiring: { phase: 'acquiring', status: 'info', says: (e) => `acquiring resources${list(e.resources)}` },
  releasing: { phase: 'releasing', status: 'down', says: (e) => `releasing resources${list(e.resources)}` },
  'takeover-complete': { phase: 'takeover-complete', status: 'up', says: () => 'takeover complete' },
  released: { phase: 'released', status: 'info', says: () => 'gave up its resources' },
  'node-restart': { phase: 'node-restart', status: 'info', says: () => 'heartbeat restarted' },
  shutdown: {
    phase: 'shutdown',
    status: 'down',
    says: (e) =>
      e.shutdown === 'complete'
        ? 'heartbeat has stopped'
        : e.shutdown === 'peer-notice'
          ? 'announced that its heartbeat stops'
          : 'heartbeat is shutting down',
  },
  'late-heartbeat': {
    phase: 'other',
    status: 'info',
    says: (e) =>
      `late heartbeat${e.intervalMs !== undefined ? ` (${e.intervalMs} ms)` : ''}${e.pastDeadtime ? ', past deadtime' : ''}`,
  },
  'local-status': { phase: 'other', status: 'info', says: (e) => `local status now ${e.status ?? '?'}` },
  'node-status': { phase: 'other', status: 'info', says: (e) => `status ${e.status ?? '?'}` },
};

/**
 * One typed ha-log line (from `lvs-chatops follow-halog`) as a failover step. The node it is
 * about must be a director of the cluster, by name or heartbeat node name (422 otherwise).
 */
export function normalizeHeartbeat(body: HeartbeatEvent, ctx: NormalizeContext): LvsEvent {
  const { inventory } = ctx;
  const e = body.event;
  const cluster = resolveCluster(inventory, body.cluster, { names: [e.node, body.hostname] });
  const director = directorIn(inventory, cluster, e.node, 'event.node');
  let step = STEPS[e.kind];
  // "Status update for node X: status dead" says what "node X: is dead" says.
  if (e.kind === 'node-status' && e.status === 'dead') step = STEPS['node-dead'];
  return {
    id: body.id,
    source: 'heartbeat',
    kind: 'failover',
    status: step.status,
    cluster: cluster.name,
    node: director.name,
    phase: step.phase,
    // The incident shows it as `NODE: summary`.
    summary: clip(step.says(e).trim(), 4000),
    detail: clip(body.line, 20_000),
    at: epochMs(e.at, ctx.receivedAt),
    receivedAt: ctx.receivedAt,
  };
}
