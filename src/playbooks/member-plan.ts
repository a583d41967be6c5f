import type { Cluster, PlaybookName } from '../config/inventory.js';
import type { IpvsTable } from '../core/ipvs/model.js';
import { decideActive, driftSafety, persistSteps, snapshotOf } from './cluster-state.js';
import type { Observed } from './observed.js';
import { PlanDraft } from './plan-draft.js';
import { type Member, tableService } from './refs.js';

export interface MemberPlanStart {
  draft: PlanDraft;
  /** Null when no active director could be decided (the draft says why). */
  active: string | null;
  standby: string[];
  table: IpvsTable | null;
}

/**
 * The common start of the plans that change one real server's entries (remove, restore,
 * reweight, drain): decide the active director, compare the standby, take the snapshot the
 * approver will see, and check that each virtual service is loaded on the active director.
 */
export function startMemberPlan(
  playbook: PlaybookName,
  cluster: Cluster,
  observed: Observed,
  members: readonly Member[],
  title: string,
): MemberPlanStart {
  const draft = new PlanDraft(playbook, cluster, title);
  const services = members.map((m) => m.service);
  const { decision, safety, blockers } = decideActive(cluster, observed, services);
  draft.safety.push(safety);
  for (const b of blockers) draft.block(b);
  if (!decision.ok) {
    draft.snapshot = snapshotOf(observed, null, services);
    return { draft, active: null, standby: [], table: null };
  }
  const active = decision.active;
  draft.activeDirector = active;
  draft.activeFor = [...new Set(services.map((s) => s.vip))];
  draft.snapshot = snapshotOf(observed, active, services);
  const table = observed.value({ kind: 'ipvs-table', host: active });
  if (!table) {
    const why = observed.failure({ kind: 'ipvs-table', host: active }) ?? 'not read';
    draft.block({
      code: 'DIRECTOR_UNREADABLE',
      message: `${active}'s IPVS table could not be read: ${why}`,
      overridable: false,
    });
    return { draft, active, standby: decision.standby, table: null };
  }
  draft.safety.push(...driftSafety(cluster, observed, active, decision.standby));
  for (const service of new Set(services)) {
    if (!tableService(table, service)) {
      draft.block({
        code: 'SERVICE_NOT_LOADED',
        message: `${service.label} is not in ${active}'s table; load the cluster's rules (ipvsadm -R) or check the inventory`,
        overridable: false,
      });
    }
  }
  return { draft, active, standby: decision.standby, table };
}

/** Ends a member plan: save the rules on the directors that keep them, when something changed. */
export function addPersistSteps(
  draft: PlanDraft,
  cluster: Cluster,
  active: string,
  standby: readonly string[],
  phase = '',
): void {
  draft.steps.push(...persistSteps(cluster, active, standby, phase));
}
