/**
 * Who must agree before a change asked by a person runs, decided in one place for every way a
 * change is asked (`/lvs` commands, the guided build's Apply, the job producer's own check).
 *
 * The default is safe: every manual change needs an approver, unless the policy lists its
 * playbook under `notRequired`. The changes that can take a service down (named under
 * `typedConfirmation`) need more than a click: the approver types the target's name.
 */

/**
 * What `typedConfirmation` may name besides a playbook: a remount with `--force` (it unmounts
 * a fileset that is in use) and a change an approver lets go below the capacity floor.
 */
export const TYPED_CONFIRMATION_CASES = ['remount-force', 'capacity-override'] as const;
export type TypedConfirmationCase = (typeof TYPED_CONFIRMATION_CASES)[number];

/** Safe defaults: the changes that can take a service down. */
export const DEFAULT_TYPED_CONFIRMATION = ['force-failback', 'remount-force', 'capacity-override'] as const;

/** The part of a cluster's `policy.approval` this decision reads. */
export interface ApprovalPolicy {
  /** Playbooks that need an approval (default: all of them). */
  required: readonly string[];
  /** Playbooks that run on an operator's word alone; wins over `required`. */
  notRequired: readonly string[];
  /** Playbooks and cases whose approval must type the target's name. */
  typedConfirmation: readonly string[];
}

/** The change being asked, as far as the policy cares. */
export interface ChangeAsked {
  playbook: string;
  /** `remount --force`. */
  force?: boolean;
  /** The plan goes below the capacity floor and needs an approver's override. */
  belowFloor?: boolean;
}

export type ApprovalRule = { approval: 'none' } | { approval: 'click' | 'typed'; why: string };

export function approvalRuleFor(policy: ApprovalPolicy, change: ChangeAsked): ApprovalRule {
  const listed = policy.required.includes(change.playbook) && !policy.notRequired.includes(change.playbook);
  // Going below the floor always needs an approver, whatever the lists say.
  if (!listed && !change.belowFloor) return { approval: 'none' };
  const typed = typedBecause(policy, change);
  if (typed) return { approval: 'typed', why: typed };
  return {
    approval: 'click',
    why: listed ? `policy.approval.required names ${change.playbook}` : 'it goes below the capacity floor',
  };
}

function typedBecause(policy: ApprovalPolicy, change: ChangeAsked): string | undefined {
  const named = policy.typedConfirmation;
  if (named.includes(change.playbook)) return `policy.approval.typedConfirmation names ${change.playbook}`;
  if (change.force && change.playbook === 'remount-fileset' && named.includes('remount-force'))
    return 'policy.approval.typedConfirmation names remount-force';
  if (change.belowFloor && named.includes('capacity-override'))
    return 'policy.approval.typedConfirmation names capacity-override';
  return undefined;
}

/**
 * Does what the approver typed name the target? Exact after trimming: a near miss
 * (`web-20` for `web-2`) must not count.
 */
export function typedNameMatches(typed: string, target: string): boolean {
  return typed.trim() === target;
}
