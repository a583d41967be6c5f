import { directorReads, floorSafety, syncedStandbys } from './cluster-state.js';
import { addStep, weightStep } from './ipvs-steps.js';
import { addPersistSteps, startMemberPlan } from './member-plan.js';
import type { Observed } from './observed.js';
import type { Step } from './plan.js';
import { inventoryForwarding, type Member, tableRealServer } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

/**
 * `restore-real-server`: put the real server back with the inventory's weight and forwarding
 * (`ipvsadm -a`), or correct them (`ipvsadm -e`) when it is in the table otherwise; `/lvs
 * undrain` uses it with the weight the drain kept.
 */
export const restoreRealServer: Playbook<TargetOf<'restore-real-server'>> = {
  name: 'restore-real-server',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, target, observed }) {
    const services = target.members.map((m) => m.service.label).join(', ');
    const start = startMemberPlan(
      'restore-real-server',
      cluster,
      observed,
      target.members,
      `Restore ${target.realServer} in ${services}`,
    );
    const { draft, active, standby, table } = start;
    if (active === null || table === null) return draft.finish(observed);
    for (const member of target.members) {
      const weight = target.weight ?? member.weight;
      const floor = floorSafety(cluster, observed, active, member.service, [
        { kind: 'put-in', key: member.realServer.key, label: member.realServer.name, weight },
      ]);
      draft.safety.push(floor.safety);
      for (const b of floor.blockers) draft.block(b);
      draft.steps.push(restoreStep(observed, active, active, member, weight));
      for (const other of syncedStandbys(cluster, observed, standby, member.service)) {
        draft.steps.push(restoreStep(observed, other, active, member, weight));
      }
    }
    addPersistSteps(draft, cluster, active, standby);
    draft.undo = `/lvs remove ${target.realServer} takes it out again`;
    return draft.finish(observed);
  },
};

function restoreStep(
  observed: Observed,
  director: string,
  active: string,
  member: Member,
  weight: number,
): Step {
  const rs = tableRealServer(
    observed.value({ kind: 'ipvs-table', host: director }),
    member.service,
    member.realServer,
  );
  if (!rs) return addStep(director, active, member, weight, member.forwarding);
  return weightStep(
    director,
    active,
    member,
    { weight, forwarding: member.forwarding },
    { weight: rs.weight, forwarding: inventoryForwarding(rs) },
    `add:${member.service.name}:${director}`,
  );
}
