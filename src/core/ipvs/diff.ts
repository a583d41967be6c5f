import type { IpvsTable, RealServer, ServiceId, VirtualService } from './model.js';
import { describeService, realServerKey, serviceKey } from './service-id.js';

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** One difference in configuration between two tables; counters and connection counts are not configuration. */
export type IpvsChange =
  | { kind: 'service-added'; service: VirtualService }
  | { kind: 'service-removed'; service: VirtualService }
  | { kind: 'service-changed'; service: ServiceId; changes: FieldChange[] }
  | { kind: 'real-server-added'; service: ServiceId; realServer: RealServer }
  | { kind: 'real-server-removed'; service: ServiceId; realServer: RealServer }
  | { kind: 'real-server-changed'; service: ServiceId; realServer: RealServer; changes: FieldChange[] };

function persistenceText(s: VirtualService): string {
  const p = s.persistence;
  if (!p) return 'off';
  return `${p.timeout}s mask ${p.netmask}${p.engine ? ` pe ${p.engine}` : ''}`;
}

function serviceChanges(a: VirtualService, b: VirtualService): FieldChange[] {
  const changes: FieldChange[] = [];
  const add = (field: string, before: string, after: string) => {
    if (before !== after) changes.push({ field, before, after });
  };
  // A listing that does not show the scheduler (null) cannot disagree about it.
  if (a.scheduler !== null && b.scheduler !== null) add('scheduler', a.scheduler, b.scheduler);
  add('schedFlags', a.schedFlags.join(',') || 'none', b.schedFlags.join(',') || 'none');
  add('persistence', persistenceText(a), persistenceText(b));
  add('ops', String(a.ops), String(b.ops));
  return changes;
}

// Modern kernels show a director-local real server as Route; older ones as Local.
function forwardingText(rs: RealServer): string {
  return rs.forwarding === 'local' ? 'dr' : rs.forwarding;
}

function serverChanges(a: RealServer, b: RealServer): FieldChange[] {
  const changes: FieldChange[] = [];
  if (a.weight !== b.weight)
    changes.push({ field: 'weight', before: String(a.weight), after: String(b.weight) });
  if (forwardingText(a) !== forwardingText(b)) {
    changes.push({ field: 'forwarding', before: forwardingText(a), after: forwardingText(b) });
  }
  // Tunnel details only appear in -S -n; compare them only when both sides show them.
  if (a.tunnel && b.tunnel) {
    const ta = `${a.tunnel.type}:${a.tunnel.port ?? '-'}:${a.tunnel.checksum ?? '-'}`;
    const tb = `${b.tunnel.type}:${b.tunnel.port ?? '-'}:${b.tunnel.checksum ?? '-'}`;
    if (ta !== tb) changes.push({ field: 'tunnel', before: ta, after: tb });
  }
  return changes;
}

/**
 * What changed in configuration from `before` to `after`: services and real servers added or
 * removed, and changed settings (scheduler, flags, persistence, ops; weight, forwarding).
 * Empty when the two configurations are the same, in whatever order they were listed.
 * Use it for drift between the two directors and for "the table changed since it was shown".
 */
export function diffIpvsTables(before: IpvsTable, after: IpvsTable): IpvsChange[] {
  const changes: IpvsChange[] = [];
  const afterByKey = new Map(after.services.map((s) => [serviceKey(s.id), s]));
  const beforeKeys = new Set<string>();
  for (const a of before.services) {
    const key = serviceKey(a.id);
    beforeKeys.add(key);
    const b = afterByKey.get(key);
    if (!b) {
      changes.push({ kind: 'service-removed', service: a });
      continue;
    }
    const sc = serviceChanges(a, b);
    if (sc.length > 0) changes.push({ kind: 'service-changed', service: a.id, changes: sc });
    const bServers = new Map(b.realServers.map((r) => [realServerKey(r), r]));
    const aKeys = new Set<string>();
    for (const ra of a.realServers) {
      const rk = realServerKey(ra);
      aKeys.add(rk);
      const rb = bServers.get(rk);
      if (!rb) {
        changes.push({ kind: 'real-server-removed', service: a.id, realServer: ra });
        continue;
      }
      const rc = serverChanges(ra, rb);
      if (rc.length > 0)
        changes.push({ kind: 'real-server-changed', service: a.id, realServer: rb, changes: rc });
    }
    for (const rb of b.realServers) {
      if (!aKeys.has(realServerKey(rb)))
        changes.push({ kind: 'real-server-added', service: a.id, realServer: rb });
    }
  }
  for (const b of after.services) {
    if (!beforeKeys.has(serviceKey(b.id))) changes.push({ kind: 'service-added', service: b });
  }
  return changes;
}

/** One line per change, for Slack and logs: `TCP 192.0.2.1:80: 10.0.0.2:80 weight 1 → 0`. */
export function describeIpvsChange(change: IpvsChange): string {
  switch (change.kind) {
    case 'service-added':
      return `${describeService(change.service.id)}: virtual service added (${change.service.realServers.length} real servers)`;
    case 'service-removed':
      return `${describeService(change.service.id)}: virtual service removed (had ${change.service.realServers.length} real servers)`;
    case 'service-changed':
      return `${describeService(change.service)}: ${change.changes.map((c) => `${c.field} ${c.before} → ${c.after}`).join(', ')}`;
    case 'real-server-added':
      return `${describeService(change.service)}: ${realServerKey(change.realServer)} added (${change.realServer.forwarding}, weight ${change.realServer.weight})`;
    case 'real-server-removed':
      return `${describeService(change.service)}: ${realServerKey(change.realServer)} removed`;
    case 'real-server-changed':
      return `${describeService(change.service)}: ${realServerKey(change.realServer)} ${change.changes.map((c) => `${c.field} ${c.before} → ${c.after}`).join(', ')}`;
  }
}
