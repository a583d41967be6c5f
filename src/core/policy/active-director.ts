/**
 * Which director is active: the one that holds the VIPs (not on lo), confirmed by heartbeat's
 * own view (`cl_status rscstatus`). Playbooks change only that director's table; the standby
 * gets a copy only when the inventory keeps both in sync. When the evidence disagrees (no
 * holder, two holders, heartbeat in transition) nothing is changed: the operator is told why.
 */

import type { ResourceStatus } from '../heartbeat/cl-status.js';

/** `cl_status rscstatus`, or `stopped` when heartbeat does not run there. */
export type HeartbeatResources = ResourceStatus | 'stopped';

export interface DirectorEvidence {
  name: string;
  preferred: boolean;
  /** Why the director could not be read; then `resources` and `holdsVips` are unknown. */
  unreachable: string | null;
  /** Null when heartbeat is not part of the cluster (or was not read). */
  resources: HeartbeatResources | null;
  /** Which of the VIPs asked about this director holds (not on lo). */
  holdsVips: string[];
}

export type ActiveDirectorCode = 'NO_ACTIVE_DIRECTOR' | 'SPLIT_BRAIN' | 'FAILOVER_IN_PROGRESS';

export type ActiveDirector =
  | { ok: true; active: string; standby: string[]; evidence: string }
  | { ok: false; code: ActiveDirectorCode; message: string };

const HOLDING: ReadonlySet<HeartbeatResources | null> = new Set(['all', 'local', 'foreign']);

function describe(d: DirectorEvidence): string {
  if (d.unreachable !== null) return `${d.name} unreachable (${d.unreachable})`;
  const vip = d.holdsVips.length > 0 ? `holds ${d.holdsVips.join(', ')}` : 'holds no VIP';
  return d.resources === null ? `${d.name} ${vip}` : `${d.name} ${vip}, heartbeat resources ${d.resources}`;
}

/**
 * Decides the active director of a cluster for the given VIPs. A director counts as active when
 * it holds every VIP; heartbeat, when present, must agree (it holds resources, and is not in
 * transition anywhere).
 */
export function findActiveDirector(
  directors: readonly DirectorEvidence[],
  vips: readonly string[],
): ActiveDirector {
  const all = directors.map(describe).join('; ');
  const transition = directors.find((d) => d.resources === 'transition');
  if (transition) {
    return {
      ok: false,
      code: 'FAILOVER_IN_PROGRESS',
      message: `heartbeat on ${transition.name} is in transition (a failover is under way); try again when it settles (${all})`,
    };
  }
  const holders = directors.filter((d) => d.unreachable === null && d.holdsVips.length > 0);
  if (holders.length > 1) {
    return {
      ok: false,
      code: 'SPLIT_BRAIN',
      message: `more than one director holds a VIP (${all}): split brain; fix heartbeat before changing any table`,
    };
  }
  const [holder] = holders;
  if (!holder) {
    const unreachable = directors.filter((d) => d.unreachable !== null);
    const hint =
      unreachable.length > 0
        ? `; ${unreachable.map((d) => d.name).join(', ')} could not be read and may hold it`
        : '';
    return {
      ok: false,
      code: 'NO_ACTIVE_DIRECTOR',
      message: `no director holds ${vips.join(', ')} (${all})${hint}`,
    };
  }
  const missing = vips.filter((v) => !holder.holdsVips.includes(v));
  if (missing.length > 0) {
    return {
      ok: false,
      code: 'SPLIT_BRAIN',
      message: `${holder.name} holds ${holder.holdsVips.join(', ')} but not ${missing.join(', ')} (${all}); the VIPs should move together`,
    };
  }
  if (holder.resources !== null && !HOLDING.has(holder.resources)) {
    return {
      ok: false,
      code: 'FAILOVER_IN_PROGRESS',
      message: `${holder.name} holds the VIP but its heartbeat says resources ${holder.resources} (${all}); try again when the failover settles`,
    };
  }
  return {
    ok: true,
    active: holder.name,
    standby: directors.filter((d) => d !== holder).map((d) => d.name),
    evidence: all,
  };
}
