import type { Cluster, PlaybookName } from '../config/inventory.js';
import { type ApprovalSnapshot, makeSnapshot } from '../core/policy/approval-snapshot.js';
import { evaluateCheck } from './checks.js';
import type { Observed } from './observed.js';
import type { Blocker, Plan, RememberedWeight, SafetyCheck, Step } from './plan.js';

/** A plan being put together by a playbook; `finish` decides whether it is already done. */
export class PlanDraft {
  readonly safety: SafetyCheck[] = [];
  readonly blockers: Blocker[] = [];
  readonly steps: Step[] = [];
  readonly remember: RememberedWeight[] = [];
  activeDirector: string | null = null;
  /** Set by plans that change the active director's table: the VIPs it was decided for. */
  activeFor: string[] | null = null;
  undo: string | null = null;
  snapshot: ApprovalSnapshot = makeSnapshot([]);

  constructor(
    private readonly playbook: PlaybookName,
    private readonly cluster: Cluster,
    private readonly title: string,
  ) {}

  block(blocker: Blocker): void {
    if (!this.blockers.some((b) => b.code === blocker.code && b.message === blocker.message)) {
      this.blockers.push(blocker);
    }
  }

  finish(observed: Observed): Plan {
    // Already done: every step that can tell is done, and the rest only follow a change.
    const done = this.steps
      .filter((s) => s.doneWhen !== null && evaluateCheck(s.doneWhen, observed).state === 'pass')
      .map((s) => s.id);
    const alreadyDone = done.length > 0 && this.steps.every((s) => s.onlyAfterChange || done.includes(s.id));
    return {
      playbook: this.playbook,
      cluster: this.cluster.name,
      title: this.title,
      activeDirector: this.activeDirector,
      safety: this.safety,
      blockers: this.blockers,
      steps: this.steps,
      snapshot: this.snapshot,
      remember: this.remember,
      undo: this.undo,
      alreadyDone,
      doneWhenPlanned: done,
      ...(this.activeFor && { activeFor: this.activeFor }),
    };
  }
}
