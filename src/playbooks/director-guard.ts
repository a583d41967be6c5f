import type { Cluster } from '../config/inventory.js';
import { findActiveDirector } from '../core/policy/active-director.js';
import { evidenceOf } from './cluster-state.js';
import type { Observed } from './observed.js';
import type { Plan } from './plan.js';
import type { Read } from './reads.js';

/**
 * What a running job checks about the active director before it acts, while it waits and
 * before it reports success: a plan is made for one director, and heartbeat may move the VIP
 * (and the table, from the rules file) to another in the middle of the job.
 */
export interface DirectorGuard {
  /** heartbeat's view and the addresses of every director (one batched command per director). */
  reads: Read[];
  /** The director the plan acts on. */
  director: string;
  check(observed: Observed): GuardVerdict;
}

export type GuardVerdict =
  | { kind: 'same' }
  /** A failover is under way (heartbeat in transition, no holder, two holders): act on nobody. */
  | { kind: 'unsettled'; message: string }
  /** Another director is active now, and the evidence agrees. */
  | { kind: 'moved'; from: string; to: string; evidence: string };

/** The guard of a plan that acts on the active director, or null for plans that do not. */
export function directorGuard(cluster: Cluster, plan: Plan): DirectorGuard | null {
  const director = plan.activeDirector;
  const vips = plan.activeFor;
  // One director without heartbeat cannot fail over; force-failback moves the VIP on purpose.
  if (director === null || !vips || vips.length === 0 || cluster.directors.length < 2) return null;
  const reads = cluster.directors.flatMap((d): Read[] => [
    ...(cluster.heartbeat ? [{ kind: 'heartbeat', host: d.name } as const] : []),
    { kind: 'addresses', host: d.name },
  ]);
  return {
    reads,
    director,
    check(observed) {
      const decision = findActiveDirector(evidenceOf(cluster, observed, vips), vips);
      if (!decision.ok) return { kind: 'unsettled', message: decision.message };
      if (decision.active === director) return { kind: 'same' };
      return { kind: 'moved', from: director, to: decision.active, evidence: decision.evidence };
    },
  };
}
