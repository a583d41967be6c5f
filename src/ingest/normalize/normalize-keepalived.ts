import type { EventStatus, EventTarget, FailoverPhase, LvsEvent } from '../../core/events/event.js';
import type { KeepalivedNotify, VrrpState } from '../schemas/keepalived-notify.js';
import { directorIn, realServerIn, virtualServiceIn } from './find-in-cluster.js';
import { epochMs, type NormalizeContext } from './normalize-context.js';
import { resolveCluster } from './resolve-cluster.js';

const VRRP: Record<VrrpState, { phase: FailoverPhase; status: EventStatus; says: string }> = {
  master: { phase: 'became-master', status: 'up', says: 'became MASTER' },
  backup: { phase: 'became-backup', status: 'info', says: 'became BACKUP' },
  fault: { phase: 'fault', status: 'down', says: 'entered FAULT state' },
  stop: { phase: 'shutdown', status: 'down', says: 'stopped VRRP' },
  deleted: { phase: 'shutdown', status: 'down', says: 'deleted the VRRP instance' },
};

/**
 * A keepalived notification as one event. VRRP state changes are failover steps of the
 * director that sent them (its hostname must be a director of the cluster); a real server's
 * notify_up/notify_down is an alert about that real server (by address, else by the NAME on
 * the notify line) in its virtual service.
 */
export function normalizeKeepalived(body: KeepalivedNotify, ctx: NormalizeContext): LvsEvent {
  const { inventory } = ctx;
  const at = epochMs(body.time, ctx.receivedAt);
  const base = { id: body.id, source: 'keepalived' as const, at, receivedAt: ctx.receivedAt };
  const event = body.event;
  if (event.type === 'vrrp') {
    const cluster = resolveCluster(inventory, body.cluster, { names: [body.hostname] });
    const director = directorIn(inventory, cluster, body.hostname, 'hostname');
    const step = VRRP[event.state];
    const what = event.scope === 'group' ? 'sync group' : 'instance';
    return {
      ...base,
      kind: 'failover',
      status: step.status,
      cluster: cluster.name,
      node: director.name,
      phase: step.phase,
      // The incident shows it as `NODE: summary`.
      summary: `${step.says} for VRRP ${what} ${event.name} (priority ${event.priority})`,
    };
  }
  const addresses = [event.virtual?.address, event.real?.address].filter((a): a is string => a !== undefined);
  const cluster = resolveCluster(inventory, body.cluster, { addresses, names: [event.name, body.hostname] });
  const realServer = event.real
    ? realServerIn(inventory, cluster, event.real.address, 'event.real')
    : realServerIn(inventory, cluster, event.name, 'event.name');
  const target: EventTarget = { realServer: realServer.name };
  let service = 'real-server';
  if (event.virtual) {
    const vs = virtualServiceIn(
      inventory,
      cluster,
      event.virtual.address,
      event.virtual.port,
      'event.virtual',
    );
    service = vs.name;
    target.vip = vs.vip;
    target.port = vs.port;
    target.protocol = vs.protocol === 'udp' ? 'udp' : 'tcp';
  }
  if (event.real?.port !== undefined) target.realServerPort = event.real.port;
  return {
    ...base,
    kind: 'alert',
    status: event.state,
    cluster: cluster.name,
    // One incident per real server and virtual service, as mon's group-per-server layout gives.
    group: realServer.name,
    service,
    host: realServer.name,
    target,
    summary: `keepalived on ${body.hostname}: real server ${realServer.name} is ${event.state.toUpperCase()}`,
  };
}
