import type { Cluster } from '../config/inventory.js';
import { realServerKey } from '../core/ipvs/service-id.js';
import {
  type ActiveDirector,
  type DirectorEvidence,
  findActiveDirector,
} from '../core/policy/active-director.js';
import { type ApprovalSnapshot, makeSnapshot, tableSnapshotLines } from '../core/policy/approval-snapshot.js';
import {
  type CapacityChange,
  checkCapacityFloor,
  type ServingServer,
} from '../core/policy/capacity-floor.js';
import { directorDrift } from '../core/policy/director-drift.js';
import { holdsVip } from '../core/policy/interface-addresses.js';
import { persistStep } from './ipvs-steps.js';
import type { Observed } from './observed.js';
import type { Blocker, SafetyCheck, Step } from './plan.js';
import type { Read } from './reads.js';
import { membersOfService, type ServiceRef, serviceRef, tableService } from './refs.js';

/** What every table-changing plan reads from every director: heartbeat, addresses, table. */
export function directorReads(cluster: Cluster): Read[] {
  return cluster.directors.flatMap((d): Read[] => [
    ...(cluster.heartbeat ? [{ kind: 'heartbeat', host: d.name } as const] : []),
    { kind: 'addresses', host: d.name },
    { kind: 'ipvs-table', host: d.name },
  ]);
}

/** Every VIP of the cluster's virtual services, each once. */
export function clusterVips(cluster: Cluster): string[] {
  return [...new Set(cluster.virtualServices.map((vs) => serviceRef(vs).vip))];
}

export function evidenceOf(
  cluster: Cluster,
  observed: Observed,
  vips: readonly string[],
): DirectorEvidence[] {
  return cluster.directors.map((d) => {
    const failed =
      observed.failure({ kind: 'addresses', host: d.name }) ??
      (cluster.heartbeat ? observed.failure({ kind: 'heartbeat', host: d.name }) : null);
    const addresses = observed.value({ kind: 'addresses', host: d.name }) ?? [];
    return {
      name: d.name,
      preferred: d.preferred,
      unreachable: failed,
      resources: cluster.heartbeat ? observed.value({ kind: 'heartbeat', host: d.name }) : null,
      holdsVips: vips.filter((v) => holdsVip(addresses, v)),
    };
  });
}

export interface ActiveDecision {
  decision: ActiveDirector;
  safety: SafetyCheck;
  blockers: Blocker[];
}

/** Which director to change, for plans touching `services`, with its safety line. */
export function decideActive(
  cluster: Cluster,
  observed: Observed,
  services: readonly ServiceRef[],
): ActiveDecision {
  const vips = [...new Set(services.map((s) => s.vip))];
  if (cluster.directors.length === 1 && !cluster.heartbeat) {
    // One director, no failover: it is the active one whoever holds the VIP.
    const only = cluster.directors[0]!;
    const failure = observed.failure({ kind: 'ipvs-table', host: only.name });
    const decision: ActiveDirector = failure
      ? { ok: false, code: 'NO_ACTIVE_DIRECTOR', message: `${only.name} could not be read: ${failure}` }
      : { ok: true, active: only.name, standby: [], evidence: `${only.name} is the cluster's only director` };
    return withSafety(decision);
  }
  return withSafety(findActiveDirector(evidenceOf(cluster, observed, vips), vips));
}

function withSafety(decision: ActiveDirector): ActiveDecision {
  if (decision.ok) {
    return {
      decision,
      safety: { name: 'active director', state: 'pass', detail: `${decision.active} (${decision.evidence})` },
      blockers: [],
    };
  }
  return {
    decision,
    safety: { name: 'active director', state: 'fail', detail: decision.message },
    blockers: [{ code: decision.code, message: decision.message, overridable: false }],
  };
}

/** Drift of each standby from the active director, as warnings (drift never blocks a fix). */
export function driftSafety(
  cluster: Cluster,
  observed: Observed,
  active: string,
  standby: readonly string[],
): SafetyCheck[] {
  const activeTable = observed.value({ kind: 'ipvs-table', host: active });
  if (!activeTable) return [];
  const services = cluster.virtualServices.map((vs) => serviceRef(vs).key);
  return standby.map((name): SafetyCheck => {
    const table = observed.value({ kind: 'ipvs-table', host: name });
    if (!table) {
      const why = observed.failure({ kind: 'ipvs-table', host: name }) ?? 'not read';
      return { name: 'drift', state: 'warn', detail: `${name} (standby) could not be compared: ${why}` };
    }
    const drift = directorDrift({ active, activeTable, standby: name, standbyTable: table, services });
    if (drift.kind === 'in-sync') {
      return { name: 'drift', state: 'pass', detail: `${name} (standby) has the same table as ${active}` };
    }
    return { name: 'drift', state: drift.kind === 'drift' ? 'warn' : 'pass', detail: drift.summary };
  });
}

/**
 * The standbys that get a copy of a change to `service`: with `ipvs.syncStandby`, each standby
 * that has the service loaded. One that loads its table on takeover (from the rules file) has
 * nothing to change; the rules file carries the change to it.
 */
export function syncedStandbys(
  cluster: Cluster,
  observed: Observed,
  standby: readonly string[],
  service: ServiceRef,
): string[] {
  if (!cluster.ipvs.syncStandby) return [];
  return standby.filter((name) => tableService(observed.value({ kind: 'ipvs-table', host: name }), service));
}

/** Where the rules file is written: the active director, and each standby when kept in sync. */
export function rulesFileHosts(cluster: Cluster, active: string, standby: readonly string[]): string[] {
  return cluster.ipvs.syncStandby ? [active, ...standby] : [active];
}

/** Save the active director's table to the rules file, on each director that keeps it. */
export function persistSteps(
  cluster: Cluster,
  active: string,
  standby: readonly string[],
  phase = '',
): Step[] {
  return rulesFileHosts(cluster, active, standby).map((host) =>
    persistStep(host, active, cluster.ipvs.rulesFile, phase),
  );
}

export function snapshotOf(
  observed: Observed,
  active: string | null,
  services: readonly ServiceRef[],
): ApprovalSnapshot {
  const table = active ? observed.value({ kind: 'ipvs-table', host: active }) : null;
  const keys = [...new Set(services.map((s) => s.key))];
  return makeSnapshot(
    table ? tableSnapshotLines(table, keys, active) : [`active director: ${active ?? 'none'}`],
  );
}

/**
 * The capacity floor of `service` on the active director for `changes`: a safety line, and a
 * blocker (overridable) when the floor would be crossed.
 */
export function floorSafety(
  cluster: Cluster,
  observed: Observed,
  active: string,
  service: ServiceRef,
  changes: readonly CapacityChange[],
): { safety: SafetyCheck; blockers: Blocker[] } {
  const table = observed.value({ kind: 'ipvs-table', host: active });
  const members = membersOfService(cluster, service.name);
  const names = new Map(members.map((m) => [m.realServer.key, m.realServer.name]));
  const serving: ServingServer[] = (tableService(table, service)?.realServers ?? []).map((rs) => {
    const key = realServerKey(rs);
    return { key, label: names.get(key) ?? key, weight: rs.weight };
  });
  const configuredWeight = members.reduce((sum, m) => sum + m.weight, 0);
  const check = checkCapacityFloor({
    floor: cluster.policy.capacityFloor,
    configuredWeight,
    serving,
    changes,
  });
  const detail = `${service.label}: ${check.summary}`;
  if (check.ok) return { safety: { name: 'capacity floor', state: 'pass', detail }, blockers: [] };
  return {
    safety: { name: 'capacity floor', state: 'fail', detail },
    blockers: [{ code: 'CAPACITY_FLOOR', message: detail, overridable: true }],
  };
}
