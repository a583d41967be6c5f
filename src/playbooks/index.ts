/**
 * Playbooks: each one a plan (pure data: steps with "already done" tests, argv for a named
 * host, waits, verification, rollback) made from the inventory and what was read from the
 * hosts, and a dry-run rendering for the approval message. Workers run the plans.
 */
export {
  type Check,
  type CheckResult,
  type CheckState,
  describeCheck,
  evaluateCheck,
  readsOf,
} from './checks.js';
export { clusterVips, directorReads } from './cluster-state.js';
export { HB_STANDBY, HB_TAKEOVER } from './force-failback.js';
export { Observed, type ReadOutcome } from './observed.js';
export {
  type Blocker,
  type BlockerCode,
  canRun,
  type Plan,
  type RememberedWeight,
  type RemoteCommand,
  type SafetyCheck,
  type Step,
  type Wait,
} from './plan.js';
export { PLAYBOOKS, planFor, readsFor } from './playbooks.js';
export {
  type MountEntry,
  parseMounts,
  parseRead,
  type Read,
  type ReadKind,
  type ReadOutput,
  type ReadValues,
  readCommand,
  readKey,
} from './reads.js';
export {
  type Member,
  memberOf,
  membersOfService,
  type RealServerRef,
  type ServiceRef,
  serviceRef,
} from './refs.js';
export { displayCommand, type PlanFormat, renderPlan } from './render-plan.js';
export type { PlanInput, Playbook, PlaybookTarget, TargetOf } from './target.js';
