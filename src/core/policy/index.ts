/**
 * Safety decisions, pure: the capacity floor, the approval snapshot and its re-check at run
 * time, which director is active, drift between the directors, the cap on automatic actions,
 * and which manual changes need an approval (and a typed confirmation).
 */
export {
  type ActiveDirector,
  type ActiveDirectorCode,
  type DirectorEvidence,
  findActiveDirector,
  type HeartbeatResources,
} from './active-director.js';
export {
  type ApprovalPolicy,
  type ApprovalRule,
  approvalRuleFor,
  type ChangeAsked,
  DEFAULT_TYPED_CONFIRMATION,
  TYPED_CONFIRMATION_CASES,
  type TypedConfirmationCase,
  typedNameMatches,
} from './approval-rule.js';
export {
  type ApprovalSnapshot,
  makeSnapshot,
  type RecheckResult,
  recheckSnapshot,
  tableSnapshotLines,
} from './approval-snapshot.js';
export { AUTO_CAP_WINDOW_MS, type AutoCapDecision, checkAutoCap } from './auto-cap.js';
export {
  type CapacityChange,
  type CapacityCheck,
  type CapacityFloor,
  type CapacityLevel,
  checkCapacityFloor,
  type ServingServer,
} from './capacity-floor.js';
export { type DirectorDrift, directorDrift } from './director-drift.js';
export { holdsVip, type InterfaceAddress, parseInterfaceAddresses } from './interface-addresses.js';
