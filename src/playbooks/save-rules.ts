import { decideActive, directorReads, driftSafety, persistSteps, snapshotOf } from './cluster-state.js';
import { PlanDraft } from './plan-draft.js';
import { serviceRef } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

/** `save-rules`: the active director's table, saved to `ipvs.rulesFile` (as `ipvsadm-save -n`). */
export const saveRules: Playbook<TargetOf<'save-rules'>> = {
  name: 'save-rules',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, observed }) {
    const draft = new PlanDraft('save-rules', cluster, `Save the IPVS table to ${cluster.ipvs.rulesFile}`);
    const services = cluster.virtualServices.map(serviceRef);
    const { decision, safety, blockers } = decideActive(cluster, observed, services);
    draft.safety.push(safety);
    for (const b of blockers) draft.block(b);
    if (!decision.ok) return draft.finish(observed);
    draft.activeDirector = decision.active;
    draft.snapshot = snapshotOf(observed, decision.active, services);
    draft.safety.push(...driftSafety(cluster, observed, decision.active, decision.standby));
    draft.steps.push(
      ...persistSteps(cluster, decision.active, decision.standby).map((s) => ({
        ...s,
        required: true,
        onlyAfterChange: false,
      })),
    );
    return draft.finish(observed);
  },
};
