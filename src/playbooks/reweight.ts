import { directorReads, floorSafety, syncedStandbys } from './cluster-state.js';
import { weightStep } from './ipvs-steps.js';
import { addPersistSteps, startMemberPlan } from './member-plan.js';
import { describeRealServer, inventoryForwarding, tableRealServer } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

/** `reweight`: `ipvsadm -e -w N`, keeping the forwarding the table has. */
export const reweight: Playbook<TargetOf<'reweight'>> = {
  name: 'reweight',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, target, observed }) {
    const services = target.members.map((m) => m.service.label).join(', ');
    const start = startMemberPlan(
      'reweight',
      cluster,
      observed,
      target.members,
      `Set ${target.realServer}'s weight to ${target.weight} in ${services}`,
    );
    const { draft, active, standby, table } = start;
    if (active === null || table === null) return draft.finish(observed);
    for (const member of target.members) {
      const rs = tableRealServer(table, member.service, member.realServer);
      if (!rs) {
        draft.block({
          code: 'NOT_IN_TABLE',
          message: `${describeRealServer(member.realServer)} is not in ${member.service.label} on ${active}; /lvs restore ${member.realServer.name} puts it back`,
          overridable: false,
        });
        continue;
      }
      const floor = floorSafety(cluster, observed, active, member.service, [
        { kind: 'set-weight', key: member.realServer.key, weight: target.weight },
      ]);
      draft.safety.push(floor.safety);
      for (const b of floor.blockers) draft.block(b);
      const forwarding = inventoryForwarding(rs);
      draft.steps.push(
        weightStep(
          active,
          active,
          member,
          { weight: target.weight, forwarding },
          { weight: rs.weight, forwarding },
        ),
      );
      for (const other of syncedStandbys(cluster, observed, standby, member.service)) {
        const theirs = tableRealServer(
          observed.value({ kind: 'ipvs-table', host: other }),
          member.service,
          member.realServer,
        );
        if (!theirs) continue;
        const f = inventoryForwarding(theirs);
        draft.steps.push(
          weightStep(
            other,
            active,
            member,
            { weight: target.weight, forwarding: f },
            { weight: theirs.weight, forwarding: f },
          ),
        );
      }
    }
    addPersistSteps(draft, cluster, active, standby);
    const before = target.members
      .map((m) => tableRealServer(table, m.service, m.realServer)?.weight)
      .filter((w): w is number => w !== undefined);
    if (before.length > 0 && before.every((w) => w === before[0])) {
      draft.undo = `/lvs weight ${target.realServer} ${before[0]} sets it back`;
    }
    return draft.finish(observed);
  },
};
