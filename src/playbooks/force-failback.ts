import { formatDuration } from '../core/duration.js';
import type { Check } from './checks.js';
import { evaluateCheck } from './checks.js';
import { decideActive, directorReads, driftSafety, snapshotOf } from './cluster-state.js';
import { PlanDraft } from './plan-draft.js';
import { serviceRef } from './refs.js';
import type { Playbook, TargetOf } from './target.js';

export const HB_TAKEOVER = '/usr/share/heartbeat/hb_takeover';
export const HB_STANDBY = '/usr/share/heartbeat/hb_standby';

/**
 * `force-failback`: give the resources back to the preferred director. `hb_takeover local` on
 * it asks the peer to release what belongs to it (the peer runs `hb_standby foreign`), which
 * is a failback and nothing more: a peer's own resource groups stay where they are. Verified
 * by the VIPs on the preferred director (and on no other), heartbeat's `cl_status rscstatus`
 * there, and its IPVS table holding the cluster's virtual services.
 */
export const forceFailback: Playbook<TargetOf<'force-failback'>> = {
  name: 'force-failback',
  reads: (cluster) => directorReads(cluster),
  plan({ cluster, target, observed }) {
    const preferred = cluster.directors.find((d) => d.preferred) ?? cluster.directors[0]!;
    const others = cluster.directors.filter((d) => d !== preferred).map((d) => d.name);
    const draft = new PlanDraft(
      'force-failback',
      cluster,
      `Give the resources back to ${preferred.name} (preferred)`,
    );
    const services = cluster.virtualServices.map(serviceRef);
    const vips = [...new Set(services.map((s) => s.vip))];
    if (!cluster.heartbeat) {
      draft.block({
        code: 'NO_HEARTBEAT',
        message: `cluster ${cluster.name} has no heartbeat section: there is no failover to undo`,
        overridable: false,
      });
    }
    if (others.length === 0) {
      draft.block({
        code: 'NO_HEARTBEAT',
        message: `cluster ${cluster.name} has one director (${preferred.name}): there is nothing to fail back from`,
        overridable: false,
      });
    }
    const { decision, safety } = decideActive(cluster, observed, services);
    draft.activeDirector = decision.ok ? decision.active : null;
    draft.safety.push(safety);
    if (!decision.ok && decision.code !== 'NO_ACTIVE_DIRECTOR') {
      // A failover under way or two holders: taking over now would make it worse.
      draft.block({ code: decision.code, message: decision.message, overridable: false });
    }
    if (decision.ok) draft.safety.push(...driftSafety(cluster, observed, decision.active, decision.standby));
    const resources = observed.get({ kind: 'heartbeat', host: preferred.name });
    if (cluster.heartbeat) {
      if (!resources?.ok) {
        const why = resources ? resources.error : 'not read';
        draft.block({
          code: 'HOST_UNREADABLE',
          message: `${preferred.name}'s heartbeat could not be read: ${why}`,
          overridable: false,
        });
      } else if (resources.value === 'stopped') {
        draft.block({
          code: 'HEARTBEAT_STOPPED',
          message: `heartbeat is stopped on ${preferred.name}; start it there first (it takes its resources back itself when auto_failback is on)`,
          overridable: false,
        });
      } else {
        draft.safety.push({
          name: 'heartbeat',
          state: 'pass',
          detail: `heartbeat runs on ${preferred.name} (resources ${resources.value})`,
        });
      }
    }
    draft.snapshot = snapshotOf(observed, draft.activeDirector, []);
    const holds: Check = {
      kind: 'holds-resources',
      director: preferred.name,
      others,
      vips,
      services,
      heartbeat: cluster.heartbeat !== undefined,
    };
    draft.steps.push({
      id: 'takeover',
      title: `Take the resources over on ${preferred.name} (hb_takeover local: ${others.join(', ')} releases them)`,
      doneWhen: holds,
      actions: [
        { host: preferred.name, argv: [HB_TAKEOVER, 'local'], judge: { kind: 'exit', okCodes: [0] } },
      ],
      wait: {
        check: { kind: 'holds-vips', director: preferred.name, others, vips },
        timeoutMs: target.timeoutMs,
        intervalMs: target.intervalMs,
        onTimeout:
          `${preferred.name} did not take the resources back within ${formatDuration(target.timeoutMs)}. ` +
          `Look at heartbeat's log on both directors (ha-log); heartbeat may still finish the failback by itself.`,
      },
      verify: [holds],
      rollback: [],
      required: true,
      onlyAfterChange: false,
    });
    if (evaluateCheck(holds, observed).state === 'pass') {
      draft.safety.push({
        name: 'heartbeat',
        state: 'pass',
        detail: `${preferred.name} already holds the resources`,
      });
    }
    draft.undo = `${HB_STANDBY} local on ${preferred.name} hands them to ${others.join(', ') || 'the peer'} again`;
    return draft.finish(observed);
  },
};
