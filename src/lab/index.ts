/** The lab's API, for the CLI, the tests' global setup, the bench and the demo. */

export { type LabDownOptions, type LabDownReport, labDown } from './lab-down.js';
export { LabError, type LabErrorCode } from './lab-error.js';
export { breakHost, type FaultOptions, type FaultResult, healHost, waitForActive } from './lab-faults.js';
export { type LabOptions, type LabOptionsInput, labOptionsSchema } from './lab-options.js';
export {
  type DirectorName,
  type LabHostName,
  type LabPlan,
  planLab,
  type RealServerName,
} from './lab-plan.js';
export { labSsh, labSshOptions } from './lab-ssh.js';
export {
  formatLabStatus,
  type HostState,
  type LabHostStatus,
  type LabStatus,
  labStatus,
  openLab,
} from './lab-status.js';
export { type LabUpResult, labUp } from './lab-up.js';
export { probeVip, type VipProbe, vipOwner } from './vip-probe.js';
