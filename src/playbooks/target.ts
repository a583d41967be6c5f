import type { BuildStepRequest } from '../build/apply-job.js';
import type { Cluster, Fileset } from '../config/inventory.js';
import type { Observed } from './observed.js';
import type { Plan } from './plan.js';
import type { Read } from './reads.js';
import type { Member } from './refs.js';

/**
 * What a playbook acts on, resolved against the inventory (names are already checked and
 * canonical when a job is queued; the worker maps them to inventory entries).
 */
export type PlaybookTarget =
  | { playbook: 'remove-real-server'; realServer: string; members: Member[] }
  | {
      playbook: 'restore-real-server';
      realServer: string;
      members: Member[];
      /** Null: the inventory's weight. `/lvs undrain` passes the weight kept by the drain. */
      weight: number | null;
    }
  | { playbook: 'reweight'; realServer: string; members: Member[]; weight: number }
  | {
      playbook: 'drain';
      realServer: string;
      members: Member[];
      timeoutMs: number;
      intervalMs: number;
      /** Remove the real server once it has no active connections. */
      remove: boolean;
    }
  | { playbook: 'force-failback'; timeoutMs: number; intervalMs: number }
  | { playbook: 'remount-fileset'; fileset: Fileset; hosts: readonly string[]; force: boolean }
  | { playbook: 'save-rules' }
  | Omit<BuildStepRequest, 'cluster'>;

export type TargetOf<N extends PlaybookTarget['playbook']> = Extract<PlaybookTarget, { playbook: N }>;

export interface PlanInput<T extends PlaybookTarget = PlaybookTarget> {
  cluster: Cluster;
  target: T;
  observed: Observed;
}

/** A playbook: the reads it needs to plan, and the plan it makes of them. */
export interface Playbook<T extends PlaybookTarget = PlaybookTarget> {
  name: T['playbook'];
  reads(cluster: Cluster, target: T): Read[];
  plan(input: PlanInput<T>): Plan;
}
