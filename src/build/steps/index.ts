export { type BuildOptions, type BuildService, type ServiceControl, SYSTEMD, SYSV } from './build-options.js';
export { buildStep, buildSteps, STEP_IDS, type StepId } from './build-steps.js';
export { evaluateCheck } from './evaluate-check.js';
export type {
  ApplyAction,
  ApplyPlan,
  BuildStep,
  CheckKind,
  CheckVerdict,
  CommandBlock,
  Probe,
  ProbeOutcome,
  StepCheck,
  StepFile,
} from './step-model.js';
