import type { Cluster } from '../../config/inventory.js';
import type { BuildOptions } from './build-options.js';
import { directorRealServerStep } from './sections/director-real-server.js';
import { directorVipStep } from './sections/director-vip.js';
import { failoverStep } from './sections/failover.js';
import { filesetStep } from './sections/fileset.js';
import { forwardingStep } from './sections/forwarding.js';
import { heartbeatStep } from './sections/heartbeat.js';
import { ipvsTableStep } from './sections/ipvs-table.js';
import { kernelStep } from './sections/kernel.js';
import { lvsAlertStep } from './sections/lvs-alert.js';
import { monCgiStep } from './sections/mon-cgi.js';
import { monConfigStep } from './sections/mon-config.js';
import { monInstallStep } from './sections/mon-install.js';
import { realServerVipStep } from './sections/real-server-vip.js';
import { workingOrderStep } from './sections/working-order.js';
import { type StepContext, stepContext } from './step-context.js';
import type { BuildStep } from './step-model.js';

/** The steps in the order of the classic setup's parts (docs/howto.md, 0 to 14), then the final check. */
const SECTIONS: ((ctx: StepContext) => BuildStep)[] = [
  forwardingStep,
  kernelStep,
  directorVipStep,
  ipvsTableStep,
  realServerVipStep,
  monInstallStep,
  monConfigStep,
  monCgiStep,
  lvsAlertStep,
  heartbeatStep,
  failoverStep,
  directorRealServerStep,
  filesetStep,
  workingOrderStep,
];

export const STEP_IDS = [
  'forwarding',
  'kernel',
  'director-vip',
  'ipvs-table',
  'real-server-vip',
  'mon-install',
  'mon-config',
  'mon-cgi',
  'lvs-alert',
  'heartbeat',
  'failover',
  'director-real-server',
  'fileset',
  'working-order',
] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Every step of the guided build, rendered for one cluster. Pure. */
export function buildSteps(cluster: Cluster, options: BuildOptions = {}): BuildStep[] {
  const ctx = stepContext(cluster, options);
  return SECTIONS.map((s) => s(ctx));
}

/** One step by id, or undefined. */
export function buildStep(cluster: Cluster, id: string, options: BuildOptions = {}): BuildStep | undefined {
  const at = (STEP_IDS as readonly string[]).indexOf(id);
  return at < 0 ? undefined : SECTIONS[at]!(stepContext(cluster, options));
}
