import type { PlaybookName } from '../config/inventory.js';
import type { IpvsadmOp } from '../core/ipvs/commands.js';
import type { ApprovalSnapshot } from '../core/policy/approval-snapshot.js';
import type { Check } from './checks.js';
import type { Read } from './reads.js';

/**
 * A plan: what a playbook will do, as pure data. Built from the inventory and what was read
 * from the hosts; rendered for the approver (the dry run) and run step by step by a worker.
 */

/** One command on one host, as argv (quoted by the SSH executor, never a shell string). */
export interface RemoteCommand {
  host: string;
  argv: string[];
  /**
   * How its exit is judged: ipvsadm's messages map to outcomes ("No such destination" on a
   * remove means already done); anything else succeeds with one of `okCodes`.
   */
  judge: { kind: 'ipvsadm'; op: IpvsadmOp } | { kind: 'exit'; okCodes: number[] };
  /** Fed to the command's stdin: the fresh output of a read (the rules to persist). */
  stdinFrom?: Read;
  /** Fed to the command's stdin as it is (a generated file's content). */
  stdin?: string;
  timeoutMs?: number;
}

export interface Wait {
  check: Check;
  timeoutMs: number;
  intervalMs: number;
  /** What a timeout means for the operator, after what was last seen. */
  onTimeout: string;
}

export interface Step {
  /** Unique in the plan; the audit record keeps each step's state under it. */
  id: string;
  title: string;
  /** When true before acting, the step is already done and is skipped. */
  doneWhen: Check | null;
  actions: RemoteCommand[];
  /** Polled after the actions until it holds (drain, failback). */
  wait: Wait | null;
  /** Must hold after the step; re-read from the hosts. */
  verify: Check[];
  /** Undoes the step when a later required step fails; shown to the approver as the way back. */
  rollback: RemoteCommand[];
  /** A failed optional step (the standby's copy, the rules file) is reported, not fatal. */
  required: boolean;
  /** Runs only when an earlier step of the job changed something (saving the rules). */
  onlyAfterChange: boolean;
}

export interface SafetyCheck {
  name: 'active director' | 'capacity floor' | 'drift' | 'mount point' | 'heartbeat' | 'table';
  state: 'pass' | 'warn' | 'fail';
  detail: string;
}

export type BlockerCode =
  | 'CAPACITY_FLOOR'
  | 'NO_ACTIVE_DIRECTOR'
  | 'SPLIT_BRAIN'
  | 'FAILOVER_IN_PROGRESS'
  | 'DIRECTOR_UNREADABLE'
  | 'NOT_IN_TABLE'
  | 'SERVICE_NOT_LOADED'
  | 'HEARTBEAT_STOPPED'
  | 'NO_HEARTBEAT'
  | 'MOUNT_POINT_BUSY'
  | 'HOST_UNREADABLE';

/** Why the plan may not run as it stands. */
export interface Blocker {
  code: BlockerCode;
  message: string;
  /** Only the capacity floor may be crossed, and only with an approver's explicit override. */
  overridable: boolean;
}

export interface Plan {
  playbook: PlaybookName;
  cluster: string;
  /** `Drain web-2 from web (TCP 10.0.0.100:80)`. */
  title: string;
  activeDirector: string | null;
  safety: SafetyCheck[];
  /** Empty when the plan can run. Overridable blockers run only with an override approval. */
  blockers: Blocker[];
  steps: Step[];
  /** What the approver sees; compared again when the job runs. */
  snapshot: ApprovalSnapshot;
  /** The real-server weights a drain must keep for `/lvs undrain` (taken before it sets 0). */
  remember: RememberedWeight[];
  /** How people undo the whole playbook afterwards (`/lvs undrain web-2 …`), when there is a way. */
  undo: string | null;
  /** Every step is already done: running the plan changes nothing. */
  alreadyDone: boolean;
  /** The steps that were already done when the plan was made (they will be skipped). */
  doneWhenPlanned: string[];
  /**
   * The VIPs `activeDirector` was decided for: while the job runs, the worker decides again
   * for them (src/playbooks/director-guard.ts) and never acts on, or reports success against,
   * a director that no longer holds them. Absent: the plan does not depend on one director.
   */
  activeFor?: string[];
  /** Where the steps made on the new active director start, after a failover the job followed. */
  continuedAt?: number;
  /** What the job followed, for its result: `lb1 failed over to lb2 during the drain; continued on lb2`. */
  failovers?: string[];
}

export interface RememberedWeight {
  realServer: string;
  service: string;
  weight: number;
}

/** True when nothing but an override the approver granted stands in the way. */
export function canRun(plan: Plan, override: boolean): boolean {
  return plan.blockers.every((b) => override && b.overridable);
}
