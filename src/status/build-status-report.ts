import type { Cluster } from '../config/inventory.js';
import type { RealServer as TableRealServer } from '../core/ipvs/model.js';
import { realServerKey } from '../core/ipvs/service-id.js';
import { directorDrift } from '../core/policy/director-drift.js';
import { clusterVips, decideActive, evidenceOf } from '../playbooks/cluster-state.js';
import type { Observed } from '../playbooks/observed.js';
import { inventoryForwarding, membersByService, serviceRef, tableService } from '../playbooks/refs.js';
import type { StatusReport } from './status-report.js';

/** The cluster's status from what was read on its directors (pure). */
export function buildStatusReport(
  cluster: Cluster,
  observed: Observed,
  timing: { readAt: number; durationMs: number },
): StatusReport {
  const vips = clusterVips(cluster);
  const evidence = evidenceOf(cluster, observed, vips);
  const refs = cluster.virtualServices.map(serviceRef);
  const { decision } = decideActive(cluster, observed, refs);
  const activeName = decision.ok ? decision.active : undefined;
  // Without a clear active director, show the preferred one's table: it says what it says.
  const shownFrom =
    activeName ?? cluster.directors.find((d) => d.preferred)?.name ?? cluster.directors[0]!.name;
  const table = observed.value({ kind: 'ipvs-table', host: shownFrom });

  const membersOf = membersByService(cluster);
  const services = cluster.virtualServices.map((vs) => {
    const ref = serviceRef(vs);
    const inTable = tableService(table, ref);
    const members = membersOf.get(vs.name) ?? [];
    const known = new Set(members.map((m) => m.realServer.key));
    // By key, once: a service of 1,000 real servers looked up row by row is a million compares.
    const rows = new Map<string, TableRealServer>();
    for (const r of inTable?.realServers ?? []) {
      const key = realServerKey(r);
      if (!rows.has(key)) rows.set(key, r);
    }
    return {
      name: vs.name,
      label: ref.label.replace(/^[^(]*\(|\)$/g, ''),
      scheduler: inTable?.scheduler ?? vs.scheduler,
      inTable: inTable !== undefined,
      realServers: members.map((m) => {
        const rs = rows.get(m.realServer.key);
        return {
          name: m.realServer.name,
          address: m.realServer.address,
          port: m.realServer.port,
          weight: rs?.weight ?? null,
          activeConns: rs?.activeConns ?? null,
          inactiveConns: rs?.inactiveConns ?? null,
          forwarding: rs ? inventoryForwarding(rs) : null,
          state: !rs ? ('removed' as const) : rs.weight === 0 ? ('drained' as const) : ('up' as const),
          expectedWeight: m.weight,
        };
      }),
      unknown: [...rows.keys()].filter((k) => !known.has(k)),
    };
  });

  const drift: StatusReport['drift'] = [];
  if (activeName && table) {
    for (const d of cluster.directors.filter((x) => x.name !== activeName)) {
      const standbyTable = observed.value({ kind: 'ipvs-table', host: d.name });
      if (!standbyTable) {
        drift.push({ standby: d.name, kind: 'unknown', summary: `${d.name}'s table could not be read` });
        continue;
      }
      const res = directorDrift({
        active: activeName,
        activeTable: table,
        standby: d.name,
        standbyTable,
        services: refs.map((r) => r.key),
      });
      drift.push({
        standby: d.name,
        kind: res.kind,
        summary: res.kind === 'in-sync' ? `${d.name} (standby) has the same table` : res.summary,
      });
    }
  }

  return {
    cluster: cluster.name,
    readAt: timing.readAt,
    durationMs: timing.durationMs,
    directors: evidence.map((e) => ({
      name: e.name,
      preferred: e.preferred,
      error: e.unreachable ?? observed.failure({ kind: 'ipvs-table', host: e.name }),
      holdsVips: e.holdsVips,
      resources: e.resources,
    })),
    active: decision.ok
      ? { ok: true, name: decision.active, evidence: decision.evidence }
      : { ok: false, code: decision.code, message: decision.message },
    services,
    drift,
  };
}
