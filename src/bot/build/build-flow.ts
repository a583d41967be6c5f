import type { WebClient } from '@slack/web-api';
import {
  BuildApplyError,
  type BuildStepRequest,
  buildStepRequest,
  buildStepSnapshotLines,
  shownJobAction,
} from '../../build/apply-job.js';
import { runChecks } from '../../build/run-checks.js';
import { type BuildOptions, type BuildStep, buildStep, buildSteps } from '../../build/steps/index.js';
import type { Cluster, Inventory } from '../../config/inventory.js';
import { approvalRuleFor } from '../../core/policy/approval-rule.js';
import { type ApprovalSnapshot, makeSnapshot } from '../../core/policy/approval-snapshot.js';
import type { Logger } from '../../log/logger.js';
import { type AuditRecord, FINAL_STATUSES } from '../../queues/job-audit.js';
import { JobError } from '../../queues/job-error.js';
import type { JobProducer } from '../../queues/job-producer.js';
import type { JobProgress } from '../../queues/job-progress.js';
import type { CommandRunner } from '../../ssh/command-runner.js';
import {
  type ApplyRecord,
  type BuildProgress,
  BuildProgressError,
  type BuildProgressStore,
} from '../../store/build-progress.js';
import { type GroupMembers, type Role, roleOf } from '../access.js';
import { type ClickOrigin, misplacedClick } from '../approvals/click-origin.js';
import { SKIP_INPUT, SKIP_VIEW, type SkipMetadata } from './build-action-ids.js';
import { renderApplyRequest, renderBuildMessage } from './render-build.js';

/** What the guided build needs from the rest of the bot. */
export interface BuildDeps {
  inventory: Inventory;
  progress: BuildProgressStore;
  /** Runs the checks' read-only probes (the SSH executor). */
  runner: CommandRunner;
  /** Queues an Apply as a `build-step` job and follows it (the JobProducer). */
  jobs: BuildJobs;
  logger: Logger;
  /** What the inventory does not say about a cluster's hosts (service manager, the bot's URL for slack.alert, …). */
  options?: (cluster: Cluster) => BuildOptions;
  /** Members of Slack user groups (for operators and approvers named by group). */
  members?: GroupMembers;
  /** Longest one check's probe may run. Default 15 s. */
  checkTimeoutMs?: number;
  /** How often a running Apply's job is looked at. Default 1 s (Slack allows about one edit a second). */
  followIntervalMs?: number;
  /** How long an Apply's job is followed before the bot stops watching it. Default 1 h. */
  applyFollowMs?: number;
}

/** What the guided build needs of the job system. */
export type BuildJobs = Pick<JobProducer, 'requestRun' | 'get'>;

/** Who decided an Apply the policy lets run without an approver. */
const POLICY = 'policy';

/** Where the build message is. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** A refusal or a notice for the one user who clicked. */
export class BuildRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildRefusal';
  }
}

/**
 * The guided build's behaviour, one method per thing a user can do; the Bolt handlers
 * (register-build-actions.ts) parse Slack's payloads and call these. Every change is written to
 * Redis first, then the build message is drawn again from what Redis holds.
 */
export class BuildFlow {
  /** Applies this process follows now (cluster/apply id): one follower each. */
  private readonly following = new Set<string>();

  constructor(
    private readonly deps: BuildDeps,
    private readonly client: WebClient,
  ) {}

  cluster(name: string): Cluster {
    const c = this.deps.inventory.clusters.find((x) => x.name === name);
    if (!c) throw new BuildRefusal(`cluster ${name} is not in the inventory`);
    return c;
  }

  steps(cluster: Cluster): BuildStep[] {
    return buildSteps(cluster, this.options(cluster));
  }

  private options(cluster: Cluster): BuildOptions {
    return this.deps.options?.(cluster) ?? {};
  }

  async role(cluster: Cluster, user: string): Promise<Role> {
    return roleOf(cluster, user, this.deps.members ?? (async () => []));
  }

  private async requireOperator(cluster: Cluster, user: string, what: string): Promise<void> {
    if ((await this.role(cluster, user)) === 'viewer')
      throw new BuildRefusal(
        `Only operators of ${cluster.name} may ${what}; ask someone in its operators or approvers list.`,
      );
  }

  /** `/lvs build`: starts or resumes the build and posts its message in the channel. */
  async open(cluster: Cluster, user: string, channel: string): Promise<MessageRef> {
    const steps = this.steps(cluster);
    const progress = await this.deps.progress.start(cluster.name, user, steps[0]!.id);
    const message = renderBuildMessage({ cluster, steps, progress });
    const posted = await this.client.chat.postMessage({ channel, ...message });
    const ref = { channel: posted.channel ?? channel, ts: posted.ts! };
    await this.deps.progress.setMessage(cluster.name, ref.channel, ref.ts);
    // An Apply whose follower went away (the bot restarted) is followed again from here.
    for (const a of Object.values(progress.applies))
      if (a.status === 'running' && a.job)
        void this.follow(cluster, a, a.decidedBy ?? a.requestedBy).catch((err) =>
          this.deps.logger.warn(
            { err: (err as Error).message, apply: a.id },
            'could not follow a build apply',
          ),
        );
    return ref;
  }

  async back(cluster: Cluster, step: string, user: string, at: MessageRef): Promise<void> {
    await this.requireOperator(cluster, user, 'move the build');
    const steps = this.steps(cluster);
    const i = steps.findIndex((s) => s.id === step);
    await this.deps.progress.goTo(cluster.name, steps[Math.max(0, i - 1)]!.id, user);
    await this.redraw(cluster, at);
  }

  async goTo(cluster: Cluster, step: string, user: string, at: MessageRef): Promise<void> {
    await this.requireOperator(cluster, user, 'move the build');
    if (!this.steps(cluster).some((s) => s.id === step)) throw new BuildRefusal(`there is no step ${step}`);
    await this.deps.progress.goTo(cluster.name, step, user);
    await this.redraw(cluster, at);
  }

  /**
   * Next: a step with checks moves on once its Check passed (or it was skipped with a
   * reason); a step without checks is marked done by moving on.
   */
  async next(cluster: Cluster, stepId: string, user: string, at: MessageRef): Promise<void> {
    await this.requireOperator(cluster, user, 'move the build');
    const steps = this.steps(cluster);
    const i = steps.findIndex((s) => s.id === stepId);
    const step = steps[i];
    if (!step) throw new BuildRefusal(`there is no step ${stepId}`);
    const progress = await this.current(cluster);
    const record = progress.steps[step.id];
    if (!record) {
      if (step.blocked)
        throw new BuildRefusal(
          `${step.title} cannot be done yet: ${step.blocked}. Skip it with a reason to go on.`,
        );
      if (step.checks.length > 0 && !progress.checks[step.id]?.pass) {
        throw new BuildRefusal(
          `${step.title} is not proven yet: press Check${step.apply ? ' (after Apply, or doing it by hand)' : ''}, or Skip it with a reason.`,
        );
      }
      await this.deps.progress.markDone(cluster.name, step.id, user);
    }
    const to = steps[Math.min(i + 1, steps.length - 1)]!;
    await this.deps.progress.goTo(cluster.name, to.id, user);
    await this.redraw(cluster, at);
  }

  async stop(cluster: Cluster, user: string, at: MessageRef): Promise<void> {
    await this.requireOperator(cluster, user, 'stop the build');
    await this.deps.progress.stop(cluster.name, user);
    await this.redraw(cluster, at);
  }

  /** Runs the step's checks over SSH (read-only), records them, and shows the evidence. */
  async check(cluster: Cluster, stepId: string, user: string, at: MessageRef): Promise<boolean> {
    // Read-only, but it logs in to every host of the step and writes its verdict into the build.
    await this.requireOperator(cluster, user, 'run a Check');
    const step = buildStep(cluster, stepId, this.options(cluster));
    if (!step) throw new BuildRefusal(`there is no step ${stepId}`);
    if (step.checks.length === 0) throw new BuildRefusal(`${step.title} has nothing to check on the hosts.`);
    const hosts = [...new Set(step.checks.flatMap((c) => c.probes.map((p) => p.host)))];
    await this.redraw(cluster, at, `Checking on ${hosts.join(', ')} (asked by <@${user}>)…`);
    const verdicts = await runChecks(step.checks, {
      runner: this.deps.runner,
      inventory: this.deps.inventory,
      cluster: cluster.name,
      timeoutMs: this.deps.checkTimeoutMs ?? 15_000,
    });
    const progress = await this.deps.progress.recordCheck(cluster.name, step.id, user, verdicts);
    const pass = progress.checks[step.id]?.pass ?? false;
    if (pass && progress.steps[step.id]?.status !== 'done')
      await this.deps.progress.markDone(cluster.name, step.id, user);
    this.deps.logger.info({ cluster: cluster.name, step: step.id, user, pass }, 'build check');
    await this.redraw(cluster, at);
    return pass;
  }

  /** Skip: asks why in a modal (the reason is recorded). */
  async askSkipReason(
    cluster: Cluster,
    stepId: string,
    user: string,
    at: MessageRef,
    triggerId: string,
  ): Promise<void> {
    await this.requireOperator(cluster, user, 'skip a step');
    const step = this.steps(cluster).find((s) => s.id === stepId);
    if (!step) throw new BuildRefusal(`there is no step ${stepId}`);
    const metadata: SkipMetadata = { c: cluster.name, s: step.id, ch: at.channel, ts: at.ts };
    await this.client.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        callback_id: SKIP_VIEW,
        private_metadata: JSON.stringify(metadata),
        title: { type: 'plain_text', text: 'Skip a step' },
        submit: { type: 'plain_text', text: 'Skip' },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `Skip *${step.section} ${step.title}* of ${cluster.name}? The reason is recorded with your name.`,
            },
          },
          {
            type: 'input',
            block_id: SKIP_INPUT.block,
            label: { type: 'plain_text', text: 'Why' },
            element: {
              type: 'plain_text_input',
              action_id: SKIP_INPUT.action,
              multiline: true,
              max_length: 500,
            },
          },
        ],
      },
    });
  }

  async skip(cluster: Cluster, stepId: string, user: string, reason: string, at: MessageRef): Promise<void> {
    await this.requireOperator(cluster, user, 'skip a step');
    const steps = this.steps(cluster);
    const i = steps.findIndex((s) => s.id === stepId);
    if (i < 0) throw new BuildRefusal(`there is no step ${stepId}`);
    await this.deps.progress.skip(cluster.name, stepId, user, reason);
    await this.deps.progress.goTo(cluster.name, steps[Math.min(i + 1, steps.length - 1)]!.id, user);
    await this.redraw(cluster, at);
  }

  /**
   * Apply: records the request and makes the step a `build-step` job. When the cluster's policy
   * asks approval for build-step, the approvers are asked in the build message's thread first;
   * otherwise the job is queued at once. Either way a worker runs it on the cluster's changes
   * queue, and the thread and the build message follow it to its result.
   */
  async requestApply(cluster: Cluster, stepId: string, user: string, at: MessageRef): Promise<string> {
    await this.requireOperator(cluster, user, 'apply a step');
    const step = buildStep(cluster, stepId, this.options(cluster));
    if (!step?.apply || step.blocked)
      throw new BuildRefusal(`${step?.title ?? stepId} has nothing to apply; do it by hand.`);
    const request = jobRequest(cluster, step);
    const snapshot = makeSnapshot(buildStepSnapshotLines(request));
    const { apply } = await this.deps.progress.requestApply(cluster.name, step.id, user, {
      summary: step.apply.summary,
      hash: snapshot.hash,
    });
    const thread = (await this.current(cluster)).message ?? at;
    const shown = request.actions.map(shownJobAction);
    if (approvalRuleFor(cluster.policy.approval, { playbook: 'build-step' }).approval !== 'none') {
      await this.client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.ts,
        ...renderApplyRequest(cluster, step, apply, shown),
      });
      await this.redraw(cluster, at);
      return apply.id;
    }
    const decided = await this.deps.progress.decideApply(
      cluster.name,
      apply.id,
      POLICY,
      'running',
      cluster.policy.approval.expiry,
    );
    const posted = await this.client.chat.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      ...renderApplyRequest(cluster, step, decided, shown, ':gear: No approval needed (policy); queueing…'),
    });
    const message = { channel: posted.channel ?? thread.channel, ts: posted.ts! };
    await this.runApply(cluster, step, decided, request, snapshot, null, message);
    return apply.id;
  }

  /** Edits an Apply's message in the build thread: the request, and what became of it. */
  private async showApply(
    message: MessageRef,
    cluster: Cluster,
    step: BuildStep,
    record: ApplyRecord,
    shown: Parameters<typeof renderApplyRequest>[3],
    text: string,
  ): Promise<void> {
    await this.client.chat.update({
      channel: message.channel,
      ts: message.ts,
      ...renderApplyRequest(cluster, step, record, shown, text),
    });
  }

  /**
   * An approver's answer. Approved: the step is rendered again, refused if it no longer matches
   * what was shown, and queued as a job with the approval (the producer checks the two-person
   * rule again, the worker the snapshot); the thread and the build message follow the job.
   */
  async decideApply(
    cluster: Cluster,
    id: string,
    user: string,
    approve: boolean,
    approval: MessageRef,
    from: ClickOrigin,
  ): Promise<void> {
    // The same origin checks as a change approval: the inventory's workspace, and the channel
    // the Apply request was posted in (the build message's thread).
    const posted = (await this.current(cluster)).message?.channel ?? approval.channel;
    const misplaced = misplacedClick(this.deps.inventory.slack.team, posted, from);
    if (misplaced) throw new BuildRefusal(misplaced);
    if ((await this.role(cluster, user)) !== 'approver')
      throw new BuildRefusal(`Only approvers of ${cluster.name} may approve or reject an Apply.`);
    const pending = (await this.current(cluster)).applies[id];
    if (!pending) throw new BuildRefusal(`there is no Apply ${id} in the build of ${cluster.name}`);
    if (approve && cluster.policy.approval.twoPersonRule && pending.requestedBy === user)
      throw new BuildRefusal('The two-person rule is on: someone other than the requester must approve.');
    const decided = await this.deps.progress.decideApply(
      cluster.name,
      id,
      user,
      approve ? 'running' : 'rejected',
      cluster.policy.approval.expiry,
    );
    const step = buildStep(cluster, decided.step, this.options(cluster))!;
    let request: BuildStepRequest | undefined;
    try {
      request = jobRequest(cluster, step);
    } catch {
      request = undefined;
    }
    const shown = request?.actions.map(shownJobAction) ?? [];
    const updateApproval = (text: string, record = decided) =>
      this.client.chat.update({
        channel: approval.channel,
        ts: approval.ts,
        ...renderApplyRequest(cluster, step, record, shown, text),
      });
    const buildMessage = (await this.current(cluster)).message;
    if (decided.status !== 'running') {
      await updateApproval(
        decided.status === 'expired'
          ? ':hourglass: Expired before anyone approved it; press Apply again.'
          : `:no_entry_sign: Rejected by <@${user}>.`,
      );
      if (buildMessage) await this.redraw(cluster, buildMessage);
      return;
    }
    const snapshot = request ? makeSnapshot(buildStepSnapshotLines(request)) : undefined;
    if (!request || !snapshot || snapshot.hash !== decided.hash) {
      const lines = [
        'the step changed since the Apply was asked for (the inventory was reloaded?); nothing ran: press Apply again',
      ];
      const finished = await this.deps.progress.finishApply(cluster.name, id, 'failed', lines);
      await updateApproval(`:x: Not run: ${lines[0]}`, finished);
      if (buildMessage) await this.redraw(cluster, buildMessage);
      return;
    }
    await this.runApply(cluster, step, decided, request, snapshot, user, approval);
  }

  /** Queues the Apply's job, then follows it to its result (and the step's Check when it is done). */
  private async runApply(
    cluster: Cluster,
    step: BuildStep,
    apply: ApplyRecord,
    request: BuildStepRequest,
    snapshot: ApprovalSnapshot,
    approver: string | null,
    message: MessageRef,
  ): Promise<void> {
    const shown = request.actions.map(shownJobAction);
    const by = approver ? `Approved by <@${approver}>` : 'No approval needed (policy)';
    const buildMessage = (await this.current(cluster)).message;
    let jobId: string;
    try {
      const job = await this.deps.jobs.requestRun(
        request,
        { user: apply.requestedBy, via: 'slack', channel: message.channel },
        approver ? { by: approver, at: Date.now(), snapshot } : undefined,
      );
      jobId = job.jobId;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (!(error instanceof JobError))
        this.deps.logger.error(
          { err: error, cluster: cluster.name, apply: apply.id },
          'could not queue an Apply',
        );
      const finished = await this.deps.progress.finishApply(cluster.name, apply.id, 'failed', [
        `it could not be queued: ${why}`,
      ]);
      await this.showApply(
        message,
        cluster,
        step,
        finished,
        shown,
        `:x: ${by}, but it could not be queued: ${why}`,
      );
      if (buildMessage) await this.redraw(cluster, buildMessage);
      return;
    }
    const queued = await this.deps.progress.setApplyJob(cluster.name, apply.id, jobId);
    this.deps.logger.info(
      { cluster: cluster.name, step: step.id, apply: apply.id, job: jobId, approver },
      'build apply queued',
    );
    await this.showApply(
      message,
      cluster,
      step,
      queued,
      shown,
      `:gear: ${by}; queued as job ${jobId} (\`/lvs job ${jobId}\` has every command and its output)…`,
    );
    await this.follow(cluster, queued, approver ?? apply.requestedBy, message);
  }

  /**
   * Follows an Apply's job: the build message shows where it is (step k of n); at the end the
   * result goes to the Apply's record, the thread, and the step's Check runs.
   */
  async follow(cluster: Cluster, apply: ApplyRecord, user: string, message?: MessageRef): Promise<void> {
    const jobId = apply.job;
    const key = `${cluster.name}/${apply.id}`;
    if (!jobId || this.following.has(key)) return;
    this.following.add(key);
    try {
      const deadline = Date.now() + (this.deps.applyFollowMs ?? 3_600_000);
      let last = '';
      for (;;) {
        const view = await this.deps.jobs.get(jobId);
        const buildMessage = (await this.current(cluster)).message;
        if (view && FINAL_STATUSES.has(view.audit.status)) {
          await this.finish(cluster, apply, view.audit, user, message, buildMessage);
          return;
        }
        const busy = `Apply ${apply.id} (job ${jobId}): ${progressText(view?.audit.status ?? 'queued', view?.progress ?? null)}`;
        if (busy !== last && buildMessage) {
          last = busy;
          await this.redraw(cluster, buildMessage, busy).catch((err) =>
            this.deps.logger.warn({ err: (err as Error).message, job: jobId }, 'could not redraw the build'),
          );
        }
        if (Date.now() > deadline) {
          this.deps.logger.warn({ job: jobId, apply: apply.id }, 'stopped following a build apply job');
          return;
        }
        await new Promise((r) => setTimeout(r, this.deps.followIntervalMs ?? 1_000));
      }
    } finally {
      this.following.delete(key);
    }
  }

  private async finish(
    cluster: Cluster,
    apply: ApplyRecord,
    audit: AuditRecord,
    user: string,
    message: MessageRef | undefined,
    buildMessage: MessageRef | null,
  ): Promise<void> {
    const ok = audit.status === 'done' || audit.status === 'already-done';
    const lines = resultLines(audit);
    const finished = await this.deps.progress.finishApply(
      cluster.name,
      apply.id,
      ok ? 'done' : 'failed',
      lines,
    );
    this.deps.logger.info(
      { cluster: cluster.name, step: apply.step, apply: apply.id, job: audit.id, status: audit.status },
      'build apply finished',
    );
    const step = buildStep(cluster, apply.step, this.options(cluster));
    if (message && step) {
      let shown: ReturnType<typeof shownJobAction>[] = [];
      try {
        shown = jobRequest(cluster, step).actions.map(shownJobAction);
      } catch {
        shown = [];
      }
      const by = apply.decidedBy === POLICY ? 'no approval needed' : `approved by <@${apply.decidedBy}>`;
      await this.showApply(
        message,
        cluster,
        step,
        finished,
        shown,
        `${ok ? ':white_check_mark: Done' : ':x: Failed'}: job ${audit.id} ${audit.status} (${by})\n${lines.map((l) => `• ${l}`).join('\n')}`,
      );
    }
    // Prove it at once: the step's checks after its Apply.
    if (ok && step && step.checks.length > 0 && buildMessage)
      await this.check(cluster, step.id, user, buildMessage);
    else if (buildMessage) await this.redraw(cluster, buildMessage);
  }

  private async current(cluster: Cluster): Promise<BuildProgress> {
    const p = await this.deps.progress.get(cluster.name);
    if (!p)
      throw new BuildRefusal(
        `No build of ${cluster.name} is under way: start it with /lvs build ${cluster.name}.`,
      );
    return p;
  }

  /** Draws the build message again from Redis. */
  async redraw(cluster: Cluster, at: MessageRef, busy?: string): Promise<void> {
    const progress = await this.current(cluster);
    const message = renderBuildMessage({
      cluster,
      steps: this.steps(cluster),
      progress,
      ...(busy && { busy }),
    });
    await this.client.chat.update({ channel: at.channel, ts: at.ts, ...message });
  }

  /** Tells one user why their click did nothing. */
  async refuse(user: string, channel: string | undefined, error: unknown): Promise<void> {
    const text =
      error instanceof BuildRefusal || error instanceof BuildProgressError
        ? `:warning: ${error.message}`
        : ':warning: Something went wrong on our side; the error is in the bot log.';
    if (!(error instanceof BuildRefusal || error instanceof BuildProgressError))
      this.deps.logger.error({ err: error, user }, 'guided build action failed');
    if (channel) await this.client.chat.postEphemeral({ channel, user, text }).catch(() => undefined);
  }
}

/** The job request of a step's Apply; a step that cannot be one is refused with the reason. */
function jobRequest(cluster: Cluster, step: BuildStep): BuildStepRequest {
  try {
    return buildStepRequest(cluster.name, step);
  } catch (error) {
    if (error instanceof BuildApplyError) throw new BuildRefusal(error.message);
    throw error;
  }
}

function progressText(status: string, progress: JobProgress | null): string {
  if (!progress || progress.phase === 'finished')
    return status === 'queued' ? 'waiting in the cluster’s queue' : status;
  const where = progress.step ? `step ${progress.step.index} of ${progress.step.total}, ` : '';
  return `${progress.phase}: ${where}${progress.message}`;
}

/** One line per step of the job: what, and how it ended. */
function resultLines(audit: AuditRecord): string[] {
  const lines = audit.steps.map((s) => {
    switch (s.state) {
      case 'done':
        return `${s.title}: ${s.acted ? 'done' : 'nothing to change'}`;
      case 'skipped':
        return `${s.title}: ${s.note ?? 'skipped'}`;
      case 'pending':
        return `${s.title}: not run`;
      default:
        return `${s.title}: ${s.state}${s.note ? `: ${s.note}` : ''}`;
    }
  });
  const ok = audit.status === 'done' || audit.status === 'already-done';
  return ok ? lines : [audit.summary ?? audit.status, ...lines];
}
