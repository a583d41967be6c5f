import type { Cluster, PlaybookName } from '../config/inventory.js';
import { buildStep } from './build-step.js';
import { drain } from './drain.js';
import { forceFailback } from './force-failback.js';
import type { Plan } from './plan.js';
import type { Read } from './reads.js';
import { remountFileset } from './remount-fileset.js';
import { removeRealServer } from './remove-real-server.js';
import { restoreRealServer } from './restore-real-server.js';
import { reweight } from './reweight.js';
import { saveRules } from './save-rules.js';
import type { PlanInput, Playbook, PlaybookTarget, TargetOf } from './target.js';

/** Every playbook, by the name the inventory's policy and the job data use. */
export const PLAYBOOKS: { [N in PlaybookName]: Playbook<TargetOf<N>> } = {
  'remove-real-server': removeRealServer,
  'restore-real-server': restoreRealServer,
  reweight,
  drain,
  'force-failback': forceFailback,
  'remount-fileset': remountFileset,
  'save-rules': saveRules,
  'build-step': buildStep,
};

function playbookOf<T extends PlaybookTarget>(target: T): Playbook<T> {
  return PLAYBOOKS[target.playbook] as unknown as Playbook<T>;
}

/** What must be read from the hosts before `target` can be planned. */
export function readsFor(cluster: Cluster, target: PlaybookTarget): Read[] {
  return playbookOf(target).reads(cluster, target);
}

/** The plan for `target` given what was read. Pure. */
export function planFor(input: PlanInput): Plan {
  return playbookOf(input.target).plan(input);
}
