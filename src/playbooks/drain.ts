import { formatDuration } from '../core/duration.js';
import { directorReads, floorSafety, syncedStandbys } from './cluster-state.js';
import { removeStep, weightStep } from './ipvs-steps.js';
import { addPersistSteps, startMemberPlan } from './member-plan.js';
import type { Step } from './plan.js';
import { inventoryForwarding, type Member, tableRealServer } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

/**
 * `drain`: weight 0 (no new connections), then wait until the real server's active connections
 * reach 0 or the timeout passes, reporting the count as progress; then, when asked, remove it.
 * The weight it had is kept (`plan.remember`), so `/lvs undrain` restores exactly that.
 */
export const drain: Playbook<TargetOf<'drain'>> = {
  name: 'drain',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, target, observed }) {
    const services = target.members.map((m) => m.service.label).join(', ');
    const start = startMemberPlan(
      'drain',
      cluster,
      observed,
      target.members,
      `Drain ${target.realServer} from ${services}${target.remove ? ', then remove it' : ''}`,
    );
    const { draft, active, standby, table } = start;
    if (active === null || table === null) return draft.finish(observed);
    const inTable: Member[] = [];
    const removals: Step[] = [];
    for (const member of target.members) {
      const rs = tableRealServer(table, member.service, member.realServer);
      if (!rs) {
        if (target.remove) {
          // The end state is already there: nothing to drain, nothing to remove.
          removals.push(removeStep(active, active, member, null));
        } else {
          draft.block({
            code: 'NOT_IN_TABLE',
            message: `${member.realServer.name} is not in ${member.service.label} on ${active}: there is nothing to drain; /lvs restore ${member.realServer.name} puts it back`,
            overridable: false,
          });
        }
        continue;
      }
      inTable.push(member);
      const changes = target.remove
        ? [{ kind: 'take-out' as const, key: member.realServer.key }]
        : [{ kind: 'set-weight' as const, key: member.realServer.key, weight: 0 }];
      const floor = floorSafety(cluster, observed, active, member.service, changes);
      draft.safety.push(floor.safety);
      for (const b of floor.blockers) draft.block(b);
      if (rs.weight > 0) {
        draft.remember.push({
          realServer: member.realServer.name,
          service: member.service.name,
          weight: rs.weight,
        });
      }
      const forwarding = inventoryForwarding(rs);
      // No automatic rollback: a drain that stops half way leaves the server drained, which is
      // safe; /lvs undrain gives the weight back when people decide to.
      draft.steps.push({
        ...weightStep(
          active,
          active,
          member,
          { weight: 0, forwarding },
          { weight: rs.weight, forwarding },
          `drain:${member.service.name}:${active}`,
        ),
        rollback: [],
      });
      for (const other of syncedStandbys(cluster, observed, standby, member.service)) {
        const theirs = tableRealServer(
          observed.value({ kind: 'ipvs-table', host: other }),
          member.service,
          member.realServer,
        );
        if (!theirs) continue;
        const f = inventoryForwarding(theirs);
        draft.steps.push({
          ...weightStep(
            other,
            active,
            member,
            { weight: 0, forwarding: f },
            { weight: theirs.weight, forwarding: f },
            `drain:${member.service.name}:${other}`,
          ),
          rollback: [],
        });
      }
      if (target.remove) {
        removals.push(removeStep(active, active, member, { weight: rs.weight, forwarding }));
        for (const other of syncedStandbys(cluster, observed, standby, member.service)) {
          const theirs = tableRealServer(
            observed.value({ kind: 'ipvs-table', host: other }),
            member.service,
            member.realServer,
          );
          removals.push(
            removeStep(
              other,
              active,
              member,
              theirs ? { weight: theirs.weight, forwarding: inventoryForwarding(theirs) } : null,
            ),
          );
        }
      }
    }
    if (inTable.length > 0) {
      addPersistSteps(draft, cluster, active, standby, 'drained');
      const idle = {
        kind: 'no-active-connections',
        director: active,
        members: inTable.map((m) => ({ service: m.service, realServer: m.realServer })),
      } as const;
      const weights = draft.remember.map((r) => `${r.service} ${r.weight}`).join(', ');
      draft.steps.push({
        id: 'wait-drained',
        title: `Wait until ${target.realServer} has no active connections on ${active} (at most ${formatDuration(target.timeoutMs)}, every ${formatDuration(target.intervalMs)})`,
        doneWhen: idle,
        actions: [],
        wait: {
          check: idle,
          timeoutMs: target.timeoutMs,
          intervalMs: target.intervalMs,
          onTimeout:
            `${target.realServer} still has active connections after ${formatDuration(target.timeoutMs)}; it stays at weight 0 ` +
            `(drained${target.remove ? ', not removed' : ''}). /lvs undrain ${target.realServer} restores its weight${weights ? ` (${weights})` : ''}; ` +
            `/lvs remove ${target.realServer} takes it out anyway.`,
        },
        verify: [],
        rollback: [],
        required: true,
        onlyAfterChange: false,
      });
    }
    if (removals.length > 0) {
      draft.steps.push(...removals);
      addPersistSteps(draft, cluster, active, standby, 'removed');
    }
    const kept = draft.remember.map((r) => `${r.service} ${r.weight}`).join(', ');
    draft.undo = `/lvs undrain ${target.realServer} restores the weight it had${kept ? ` (${kept})` : ''}`;
    return draft.finish(observed);
  },
};
