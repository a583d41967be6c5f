import { directorReads, floorSafety, syncedStandbys } from './cluster-state.js';
import { removeStep } from './ipvs-steps.js';
import { addPersistSteps, startMemberPlan } from './member-plan.js';
import { inventoryForwarding, tableRealServer } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

/**
 * `remove-real-server`: `ipvsadm -d` on the active director (and on each standby that has the
 * service loaded, when `ipvs.syncStandby`), then the rules file. What the HOWTO's lvs.alert did
 * on a down alert, with the capacity floor in front of it.
 */
export const removeRealServer: Playbook<TargetOf<'remove-real-server'>> = {
  name: 'remove-real-server',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, target, observed }) {
    const services = target.members.map((m) => m.service.label).join(', ');
    const start = startMemberPlan(
      'remove-real-server',
      cluster,
      observed,
      target.members,
      `Remove ${target.realServer} from ${services}`,
    );
    const { draft, active, standby, table } = start;
    if (active === null || table === null) return draft.finish(observed);
    for (const member of target.members) {
      const floor = floorSafety(cluster, observed, active, member.service, [
        { kind: 'take-out', key: member.realServer.key },
      ]);
      draft.safety.push(floor.safety);
      for (const b of floor.blockers) draft.block(b);
      const rs = tableRealServer(table, member.service, member.realServer);
      draft.steps.push(
        removeStep(
          active,
          active,
          member,
          rs ? { weight: rs.weight, forwarding: inventoryForwarding(rs) } : null,
        ),
      );
      for (const other of syncedStandbys(cluster, observed, standby, member.service)) {
        const theirs = tableRealServer(
          observed.value({ kind: 'ipvs-table', host: other }),
          member.service,
          member.realServer,
        );
        draft.steps.push(
          removeStep(
            other,
            active,
            member,
            theirs ? { weight: theirs.weight, forwarding: inventoryForwarding(theirs) } : null,
          ),
        );
      }
    }
    addPersistSteps(draft, cluster, active, standby);
    draft.undo = `/lvs restore ${target.realServer} puts it back`;
    return draft.finish(observed);
  },
};
