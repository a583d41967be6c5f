import { randomUUID } from 'node:crypto';
import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Cluster } from '../../config/inventory.js';
import type { Command } from '../../core/commands/index.js';
import { approvalRuleFor, typedNameMatches } from '../../core/policy/approval-rule.js';
import type { Logger } from '../../log/logger.js';
import type { SlackMessage } from '../../notifiers/slack/render-incident.js';
import { type AuditRecord, FINAL_STATUSES } from '../../queues/job-audit.js';
import { JobError } from '../../queues/job-error.js';
import type { JobProducer } from '../../queues/job-producer.js';
import type { PlaybookRequest } from '../../queues/job-schemas.js';
import type { ApprovalRequest, ApprovalStore } from '../../store/approval-store.js';
import type { FollowedJob, FollowedJobs } from '../../store/followed-jobs.js';
import { channelServes, roleOf } from '../access.js';
import { checkCommand } from '../command-target.js';
import type { BotServices, CommandHandler, Outcome } from '../commands/handle-command.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import { type ClickOrigin, clickedIn, misplacedClick } from './click-origin.js';
import {
  CONFIRM_INPUT,
  CONFIRM_VIEW,
  type ConfirmMetadata,
  renderApprovalDecided,
  renderApprovalRequest,
  renderConfirmView,
} from './render-approval.js';

/** Posting and editing the approval message (the bot's Web API client). */
export interface MessagePoster {
  post(channel: string, message: SlackMessage): Promise<string>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
}

export interface ChangeDeps {
  jobs: JobProducer;
  approvals: ApprovalStore;
  poster: MessagePoster;
  logger: Logger;
  /** How long a dry run may take before the requester is told (reads over SSH). */
  planTimeoutMs?: number;
  /** How often a running job's message is refreshed (Slack allows about one edit a second). */
  followIntervalMs?: number;
  /**
   * What every bot follows, in Redis: a job's message still reaches its end when the bot that
   * started following it stops or dies (this bot restarted, or another one, takes it over).
   */
  followed: FollowedJobs;
  /** How long this bot's claim on following a job lasts unless renewed (each look renews it). Default 15 s. */
  followLeaseMs?: number;
  /** How often this bot looks for followed jobs that nobody follows. Default 5 s. */
  followSweepMs?: number;
  /** How long a job is followed at most (one that never ends, or is unknown). Default 24 h. */
  followMaxMs?: number;
}

type ChangeCommand = Extract<
  Command,
  { name: 'drain' | 'undrain' | 'remove' | 'restore' | 'weight' | 'failback' | 'remount' }
>;

function describe(command: ChangeCommand): string {
  switch (command.name) {
    case 'drain':
      return `drain ${command.server}${command.remove ? ' and remove it' : ''}`;
    case 'undrain':
      return `undrain ${command.server}`;
    case 'remove':
      return `remove ${command.server}`;
    case 'restore':
      return `restore ${command.server}`;
    case 'weight':
      return `set ${command.server}'s weight to ${command.weight}`;
    case 'failback':
      return `fail back${command.cluster ? ` cluster ${command.cluster}` : ''} to the preferred director`;
    case 'remount':
      return `remount fileset ${command.fileset}${command.host ? ` on ${command.host}` : ''}`;
  }
}

async function requestFor(command: ChangeCommand, jobs: JobProducer): Promise<PlaybookRequest> {
  const service = 'vip' in command && command.vip ? { service: command.vip } : {};
  switch (command.name) {
    case 'drain':
      return {
        playbook: 'drain',
        realServer: command.server,
        ...service,
        ...(command.timeoutMs !== undefined && { timeoutMs: command.timeoutMs }),
        remove: command.remove,
      };
    case 'undrain':
      return jobs.undrainRequest({ realServer: command.server, ...service });
    case 'remove':
      return { playbook: 'remove-real-server', realServer: command.server, ...service };
    case 'restore':
      return { playbook: 'restore-real-server', realServer: command.server, ...service };
    case 'weight':
      return { playbook: 'reweight', realServer: command.server, weight: command.weight, ...service };
    case 'failback':
      return { playbook: 'force-failback', ...(command.cluster && { cluster: command.cluster }) };
    case 'remount':
      return {
        playbook: 'remount-fileset',
        fileset: command.fileset,
        ...(command.host && { host: command.host }),
        ...(command.force && { force: true }),
      };
  }
}

/**
 * The approval flow. A change asked in Slack is planned first (a dry run on a worker reads the
 * directors); the plan, with the exact commands, the director and the safety checks, is posted
 * with Approve and Reject. An approver's click queues the run with the snapshot they saw (the
 * worker stops if the table changed since); the message then follows the job to its result.
 */
export class ChangeRequests {
  private readonly timers = new Set<NodeJS.Timeout>();
  /** This process, as the owner of the leases of the jobs it follows. */
  private readonly owner = randomUUID();
  /** Jobs this process follows now. */
  private readonly following = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  /** The bot's services, once registered: a request asked again re-reads the policy. */
  private services: (() => BotServices) | undefined;
  private closed = false;

  constructor(private readonly deps: ChangeDeps) {}

  /** The handler for drain, undrain, remove, restore, weight, failback and remount. */
  handler(): CommandHandler {
    return async (services, inv, command): Promise<Outcome> => {
      // Slash commands were checked already; buttons come here directly.
      const check = await checkCommand(services, inv.user, inv.channel, command);
      if (!check.allowed) return { ack: problem(check.reason) };
      const change = check.command as ChangeCommand;
      const what = describe(change);
      let request: PlaybookRequest;
      let planJob: { jobId: string };
      try {
        request = await requestFor(change, this.deps.jobs);
        planJob = await this.deps.jobs.requestPlan(request, {
          user: inv.user,
          via: 'slack',
          channel: inv.channel,
        });
      } catch (err) {
        if (err instanceof JobError) return { ack: problem(err.message) };
        throw err;
      }
      return {
        ack: ephemeral(`Planning: ${what} (dry run ${planJob.jobId}: reading the directors)…`),
        later: () => this.afterPlan(services, inv.user, inv.channel, request, planJob.jobId, what),
      };
    };
  }

  private async afterPlan(
    services: BotServices,
    user: string,
    channel: string,
    request: PlaybookRequest,
    planJobId: string,
    what: string,
  ): Promise<Reply> {
    const record = await this.deps.jobs.waitFor(planJobId, this.deps.planTimeoutMs ?? 120_000, 250);
    const plan = record.plan;
    if (record.status !== 'planned' || !plan) {
      return problem(
        `Could not plan ${what}: ${record.summary ?? record.status}. \`/lvs job ${record.id}\` has the details.`,
      );
    }
    if (plan.alreadyDone)
      return ephemeral(`Nothing to do: ${plan.title} is already the case.\n${plan.mrkdwn}`.slice(0, 3000));
    if (!plan.canRun && !plan.needsOverride) {
      return problem(
        `${plan.title} cannot run as it stands:\n${plan.blockers.map((b) => `• ${b.message}`).join('\n')}`,
      );
    }
    const cluster = services.inventory.clusters.find((c) => c.name === record.cluster)!;
    // Asked in a DM or in another cluster's channel: the request goes where the cluster's
    // approvers are, and its clicks count only there.
    const posted = channelServes(cluster, channel) ? channel : cluster.slack.channel;
    const elsewhere =
      posted === channel ? '' : ` (posted in <#${posted}>, cluster ${cluster.name}'s channel)`;
    const rule = ruleFor(cluster, request, plan.needsOverride);
    if (rule.approval === 'none') {
      const run = await this.deps.jobs.requestRun(request, { user, via: 'slack', channel });
      const ts = await this.deps.poster.post(posted, {
        text: `${plan.title}: queued as ${run.jobId}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${plan.title}* queued as ${run.jobId}` } },
        ],
      });
      await this.follow(posted, ts, run.jobId, null);
      return ephemeral(
        `${plan.title}: no approval needed by the policy; running as ${run.jobId}${elsewhere}.`,
      );
    }
    const approval = await this.deps.approvals.create({
      cluster: cluster.name,
      request: request as Record<string, unknown>,
      requestedBy: user,
      channel: posted,
      planJobId: record.id,
      snapshot: plan.snapshot,
      needsOverride: plan.needsOverride,
      ...(rule.approval === 'typed' && { confirmTarget: confirmationTarget(cluster, request) }),
      title: plan.title,
      expiresAt: Date.now() + cluster.policy.approval.expiry,
    });
    const ts = await this.deps.poster.post(posted, renderApprovalRequest(approval, plan.mrkdwn));
    await this.deps.approvals.update(approval.id, { ts });
    this.scheduleExpiry(approval.id, posted, ts, cluster.policy.approval.expiry);
    const who = cluster.policy.approval.twoPersonRule ? 'another approver' : 'an approver';
    const there = posted === channel ? '' : `, cluster ${cluster.name}'s channel, where its approvers are`;
    const typed = approval.confirmTarget ? `, who must type ${approval.confirmTarget} to confirm` : '';
    return ephemeral(`Asked for approval in <#${posted}>${there}: ${plan.title}. It needs ${who}${typed}.`);
  }

  /**
   * Approve and Reject, with every check a click needs. A request that asks a typed
   * confirmation is not approved by the click: it opens a modal (`lvs_confirm_change`) where
   * the approver types the target's name, and the submission gets the click's checks again.
   */
  register(app: App, services: () => BotServices): void {
    this.services = services;
    app.action('lvs_approve', async ({ ack, body, action, respond, client }) => {
      await ack();
      const id = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const from = clickedIn(body);
      const req = await this.deps.approvals.get(id);
      const answer =
        req?.confirmTarget !== undefined && req.state === 'pending'
          ? await this.openConfirmation(services(), req, body.user.id, from, triggerOf(body), client)
          : await this.decide(services(), id, body.user.id, 'approved', from);
      if (answer) await respond({ response_type: 'ephemeral', replace_original: false, text: answer });
    });
    app.action('lvs_reject', async ({ ack, body, action, respond }) => {
      await ack();
      const id = 'value' in action && typeof action.value === 'string' ? action.value : '';
      const answer = await this.decide(services(), id, body.user.id, 'rejected', clickedIn(body));
      if (answer) await respond({ response_type: 'ephemeral', replace_original: false, text: answer });
    });
    app.view(CONFIRM_VIEW, async ({ ack, body, client }) => {
      const parsed = confirmBodySchema.safeParse(body);
      const meta = parsed.success ? parseConfirmMetadata(parsed.data.view.private_metadata) : undefined;
      if (!parsed.success || !meta) {
        await ack({
          response_action: 'errors',
          errors: { [CONFIRM_INPUT.block]: 'This confirmation cannot be read; press Approve again.' },
        });
        return;
      }
      const user = parsed.data.user.id;
      const typed = parsed.data.view.state.values[CONFIRM_INPUT.block]?.[CONFIRM_INPUT.action]?.value ?? '';
      const from = { team: parsed.data.team?.id ?? null, channel: meta.ch };
      const checked = await this.check(services(), meta.a, user, 'approved', from, typed);
      if (typeof checked === 'string') {
        // The refusal shows in the modal, under the field: nothing ran.
        await ack({ response_action: 'errors', errors: { [CONFIRM_INPUT.block]: checked } });
        return;
      }
      await ack();
      const answer = await this.commit(checked, user, 'approved');
      if (answer) {
        await client.chat
          .postEphemeral({ channel: checked.channel, user, text: answer })
          .catch((err) =>
            this.deps.logger.warn({ err: (err as Error).message }, 'could not tell the approver'),
          );
      }
    });
  }

  /**
   * The Approve click of a request that asks a typed confirmation: the click's checks first (a
   * refused click opens nothing), then the modal. Returns what to tell the clicking user.
   */
  private async openConfirmation(
    services: BotServices,
    req: ApprovalRequest,
    user: string,
    from: ClickOrigin,
    triggerId: string | undefined,
    client: App['client'],
  ): Promise<string | undefined> {
    const checked = await this.check(services, req.id, user, 'approved', from, null);
    if (typeof checked === 'string') return checked;
    if (!triggerId) return 'Slack sent no trigger to open the confirmation; press Approve again.';
    try {
      await client.views.open({
        trigger_id: triggerId,
        view: renderConfirmView(req, req.confirmTarget!, { a: req.id, ch: req.channel }) as never,
      });
    } catch (err) {
      this.deps.logger.warn(
        { err: (err as Error).message, approval: req.id },
        'could not open the confirmation',
      );
      return `The confirmation could not be opened (${(err as Error).message}); press Approve again.`;
    }
    return undefined;
  }

  /** Returns what to tell the clicking user privately, or undefined when the message says it all. */
  async decide(
    services: BotServices,
    id: string,
    user: string,
    decision: 'approved' | 'rejected',
    from?: ClickOrigin,
  ): Promise<string | undefined> {
    const checked = await this.check(services, id, user, decision, from, undefined);
    if (typeof checked === 'string') return checked;
    return this.commit(checked, user, decision);
  }

  /**
   * Every check a decision needs, before anything is decided: the request is ours, pending and
   * not expired; the click came from the workspace and the channel of the request; the user may
   * decide it (approver of its cluster, two-person rule); and, for a typed confirmation, the
   * typed name is the target's. `typed` is null while only asking whether the modal may open,
   * undefined for a plain click. A refusal is recorded and returned as the text to show.
   */
  private async check(
    services: BotServices,
    id: string,
    user: string,
    decision: 'approved' | 'rejected',
    from: ClickOrigin | undefined,
    typed: string | null | undefined,
  ): Promise<string | ApprovalRequest> {
    const { approvals, logger } = { approvals: this.deps.approvals, logger: this.deps.logger };
    const req = await approvals.get(id);
    if (!req) return 'This request is unknown or too old; ask again.';
    if (req.state !== 'pending') {
      return `This request was already ${req.state}${req.decidedBy && req.state !== 'expired' ? ` by <@${req.decidedBy}>` : ''}; nothing was changed.`;
    }
    const cluster = services.inventory.clusters.find((c) => c.name === req.cluster);
    if (!cluster) return `Cluster ${req.cluster} is no longer in the inventory; nothing was changed.`;
    const now = Date.now();
    if (now > req.expiresAt) {
      await this.expire(req);
      return 'This request expired before anyone approved it; ask again for a fresh plan.';
    }
    const refusal =
      (from && misplacedClick(services.inventory.slack.team, req.channel, from)) ??
      (await this.refusalReason(services, cluster, req, user, decision)) ??
      (decision === 'approved' && req.confirmTarget !== undefined && typed !== null
        ? typedRefusal(req.confirmTarget, typed)
        : undefined);
    if (refusal) {
      await approvals.refuse(id, { user, at: now, reason: refusal });
      logger.warn({ approval: id, user, decision, refusal }, 'refused an approval click');
      return refusal;
    }
    return req;
  }

  /** Decides once (SET NX) and, when approved, queues the run and follows it. */
  private async commit(
    req: ApprovalRequest,
    user: string,
    decision: 'approved' | 'rejected',
  ): Promise<string | undefined> {
    const { approvals, logger } = { approvals: this.deps.approvals, logger: this.deps.logger };
    const id = req.id;
    const now = Date.now();
    const { won, request } = await approvals.decide(id, decision, user, now);
    if (!won || !request) return 'Someone decided this request a moment before you; nothing was changed.';
    if (!req.ts) {
      logger.error({ approval: id }, 'approval request has no message ts');
      return 'This request has no message to update; ask again.';
    }
    logger.info({ approval: id, user, decision, title: req.title }, `change ${decision}`);
    if (decision === 'rejected') {
      await this.deps.poster.update(req.channel, req.ts, renderApprovalDecided(request, null, null));
      return undefined;
    }
    try {
      const run = await this.deps.jobs.requestRun(
        req.request as PlaybookRequest,
        { user: req.requestedBy, via: 'slack', channel: req.channel },
        { by: user, at: now, snapshot: req.snapshot, override: req.needsOverride, planJobId: req.planJobId },
      );
      await approvals.update(id, { runJobId: run.jobId });
      const view = await this.deps.jobs.get(run.jobId);
      await this.deps.poster.update(
        req.channel,
        req.ts,
        renderApprovalDecided(request, view?.audit ?? null, view?.progress ?? null),
      );
      await this.follow(req.channel, req.ts, run.jobId, request);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error({ err, approval: id }, 'could not queue an approved run');
      await this.deps.poster.update(req.channel, req.ts, {
        text: `${req.title}: approved, but it could not be queued`,
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `:x: Approved by <@${user}>, but it could not be queued: ${message}`.slice(0, 3000),
            },
          },
        ],
      });
    }
    return undefined;
  }

  private async refusalReason(
    services: BotServices,
    cluster: Cluster,
    req: ApprovalRequest,
    user: string,
    decision: 'approved' | 'rejected',
  ): Promise<string | undefined> {
    const role = await roleOf(cluster, user, services.members);
    // The requester may withdraw their own request.
    if (decision === 'rejected' && user === req.requestedBy) return undefined;
    if (role !== 'approver') {
      return `You are not an approver of cluster ${cluster.name}; nothing was changed. Approvers: ${
        [
          ...cluster.slack.approvers.users.map((u) => `<@${u}>`),
          ...cluster.slack.approvers.usergroups.map((g) => `<!subteam^${g}>`),
        ].join(', ') || 'none'
      }.`;
    }
    if (decision === 'approved' && cluster.policy.approval.twoPersonRule && user === req.requestedBy) {
      return 'You asked for this change, and the two-person rule needs another approver to approve it.';
    }
    return undefined;
  }

  private async expire(req: ApprovalRequest): Promise<void> {
    const { won, request } = await this.deps.approvals.decide(req.id, 'expired', 'expiry');
    if (won && request && req.ts) {
      await this.deps.poster
        .update(req.channel, req.ts, renderApprovalDecided(request, null, null))
        .catch(() => undefined);
    }
  }

  /** Marks the message expired when its time is up (a click after that is refused anyway). */
  private scheduleExpiry(id: string, _channel: string, _ts: string, afterMs: number): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      const req = await this.deps.approvals.get(id).catch(() => undefined);
      if (req && req.state === 'pending') await this.expire(req).catch(() => undefined);
    }, afterMs + 500);
    timer.unref();
    this.timers.add(timer);
  }

  private get leaseMs(): number {
    return this.deps.followLeaseMs ?? 15_000;
  }

  /**
   * Follows a job this bot just queued: recorded in Redis first (so that it outlives this
   * process), then followed from here.
   */
  private async follow(
    channel: string,
    ts: string,
    jobId: string,
    approval: ApprovalRequest | null,
  ): Promise<void> {
    const job = { jobId, channel, ts, ...(approval && { approvalId: approval.id }) };
    let record: FollowedJob = { ...job, since: Date.now() };
    try {
      // The lease first: another bot's sweep must not take a job this one is about to follow.
      await this.deps.followed.claim(jobId, this.owner, this.leaseMs);
      record = await this.deps.followed.add(job);
    } catch (err) {
      // The run is queued whatever happens here; this bot still follows it, only no other could.
      this.deps.logger.warn(
        { err: (err as Error).message, job: jobId },
        'could not record the job as followed in Redis; only this bot follows it',
      );
    }
    this.watch(record, approval);
  }

  /**
   * Takes over every followed job that no bot follows (its lease ran out: the bot that followed
   * it stopped or died), now and then every `followSweepMs`. Resolves to how many it took now.
   */
  async resumeFollowing(): Promise<number> {
    if (!this.sweeper && !this.closed) {
      this.sweeper = setInterval(() => {
        void this.sweep().catch((err) =>
          this.deps.logger.warn({ err: (err as Error).message }, 'could not look for jobs nobody follows'),
        );
      }, this.deps.followSweepMs ?? 5_000);
      this.sweeper.unref();
    }
    return this.sweep();
  }

  private async sweep(): Promise<number> {
    let taken = 0;
    for (const job of await this.deps.followed.list()) {
      if (this.closed) break;
      if (this.following.has(job.jobId)) continue;
      if (!(await this.deps.followed.claim(job.jobId, this.owner, this.leaseMs))) continue;
      const approval = job.approvalId ? ((await this.deps.approvals.get(job.approvalId)) ?? null) : null;
      this.deps.logger.info(
        { job: job.jobId, channel: job.channel, ts: job.ts },
        'following a job whose follower stopped (a bot restarted or went away)',
      );
      this.watch(job, approval);
      taken++;
    }
    return taken;
  }

  /** Edits the message as the job runs (progress, a drain counting down), then shows its result. */
  private watch(job: FollowedJob, approval: ApprovalRequest | null): void {
    const { jobId } = job;
    const interval = this.deps.followIntervalMs ?? 1000;
    this.following.add(jobId);
    let shown = '';
    const next = (): void => {
      void this.look(job, approval, shown).then(
        (state) => {
          shown = state.shown;
          if (!state.more || this.closed) {
            this.following.delete(jobId);
            return;
          }
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            next();
          }, interval);
          timer.unref();
          this.timers.add(timer);
        },
        (err) => {
          this.following.delete(jobId);
          this.deps.logger.warn({ err: (err as Error).message, job: jobId }, 'stopped following a job');
        },
      );
    };
    next();
  }

  /** One look at a followed job: its message updated; `more` while it is still to be followed. */
  private async look(
    job: FollowedJob,
    approval: ApprovalRequest | null,
    shown: string,
  ): Promise<{ more: boolean; shown: string }> {
    const { jobId, channel, ts } = job;
    if (this.closed) return { more: false, shown };
    // Each look renews this bot's lease. Lost (this bot stalled past it): another bot follows now.
    const mine = await this.deps.followed.renew(jobId, this.owner, this.leaseMs).catch(() => true);
    if (!mine) {
      this.deps.logger.info({ job: jobId }, 'another bot follows this job now');
      return { more: false, shown };
    }
    const view = await this.deps.jobs.get(jobId).catch(() => null);
    if (view) {
      const message = approval
        ? renderApprovalDecided(approval, view.audit, view.progress)
        : renderApprovalDecided(
            { ...stubApproval(view.audit), state: 'approved', decidedBy: 'policy' } as ApprovalRequest,
            view.audit,
            view.progress,
          );
      const key = JSON.stringify(message.blocks);
      if (key !== shown) {
        try {
          await this.deps.poster.update(channel, ts, message);
          shown = key;
        } catch (err) {
          this.deps.logger.warn(
            { err: (err as Error).message, jobId },
            'could not update the job message; trying again',
          );
        }
      }
      // Done only once the message shows the end: an edit that failed is tried again.
      if (FINAL_STATUSES.has(view.audit.status) && shown === key) {
        const ended = await this.deps.followed.end(jobId).catch(() => true);
        // Of two bots that both saw the end, only the one that ended it asks again.
        if (ended && view.audit.status === 'table-changed')
          await this.askAgain(view.audit, approval, channel);
        return { more: false, shown };
      }
    }
    if (Date.now() - job.since > (this.deps.followMaxMs ?? 86_400_000)) {
      this.deps.logger.warn(
        { job: jobId, status: view?.audit.status ?? 'unknown' },
        'stopped following a job that has not ended within the longest follow time',
      );
      await this.deps.followed.end(jobId).catch(() => undefined);
      return { more: false, shown };
    }
    return { more: true, shown };
  }

  /** The table changed between approval and run: a fresh approval request with the new plan. */
  private async askAgain(
    record: AuditRecord,
    previous: ApprovalRequest | null,
    channel: string,
  ): Promise<void> {
    if (!record.plan || !previous) return;
    // The new plan may cross the floor where the old one did not: the policy decides again.
    const cluster = this.services?.().inventory.clusters.find((c) => c.name === previous.cluster);
    const request = previous.request as PlaybookRequest;
    const confirmTarget = cluster
      ? ruleFor(cluster, request, record.plan.needsOverride).approval === 'typed'
        ? confirmationTarget(cluster, request)
        : undefined
      : previous.confirmTarget;
    const approval = await this.deps.approvals.create({
      cluster: previous.cluster,
      request: previous.request,
      requestedBy: previous.requestedBy,
      channel,
      planJobId: record.id,
      snapshot: record.plan.snapshot,
      needsOverride: record.plan.needsOverride,
      ...(confirmTarget !== undefined && { confirmTarget }),
      title: `${record.plan.title} (again: the table changed since the last approval)`,
      expiresAt: Date.now() + (previous.expiresAt - previous.createdAt),
    });
    const ts = await this.deps.poster.post(channel, renderApprovalRequest(approval, record.plan.mrkdwn));
    await this.deps.approvals.update(approval.id, { ts });
    this.scheduleExpiry(approval.id, channel, ts, previous.expiresAt - previous.createdAt);
  }

  /**
   * Stops following and gives the leases back, so that another bot (or this one, started
   * again) takes the jobs over at once instead of when the leases run out.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const held = [...this.following];
    this.following.clear();
    await Promise.all(held.map((id) => this.deps.followed.release(id, this.owner).catch(() => undefined)));
  }
}

function triggerOf(body: unknown): string | undefined {
  const trigger = (body as { trigger_id?: unknown }).trigger_id;
  return typeof trigger === 'string' ? trigger : undefined;
}

/** The parts of a view_submission the confirmation reads (zod at the boundary). */
const confirmBodySchema = z.object({
  team: z.object({ id: z.string() }).nullish(),
  user: z.object({ id: z.string() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

const confirmMetadataSchema = z.object({ a: z.string().max(40), ch: z.string().max(40) });

function parseConfirmMetadata(raw: string): ConfirmMetadata | undefined {
  try {
    const parsed = confirmMetadataSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function typedRefusal(target: string, typed: string | undefined): string | undefined {
  if (typed === undefined) {
    return `This change needs a typed confirmation: press Approve and type ${target}; nothing was changed.`;
  }
  if (typedNameMatches(typed, target)) return undefined;
  return `You typed '${typed.trim().slice(0, 80)}', not ${target}; nothing was changed. Type ${target} exactly to approve.`;
}

function ruleFor(cluster: Cluster, request: PlaybookRequest, belowFloor: boolean) {
  return approvalRuleFor(cluster.policy.approval, {
    playbook: request.playbook,
    force: request.playbook === 'remount-fileset' && request.force === true,
    belowFloor,
  });
}

/**
 * The name an approver types to confirm a change: the real server, the fileset, or for a
 * failback the director that takes the VIPs back (the preferred one).
 */
function confirmationTarget(cluster: Cluster, request: PlaybookRequest): string {
  switch (request.playbook) {
    case 'remount-fileset':
      return request.fileset;
    case 'force-failback':
      return (cluster.directors.find((d) => d.preferred) ?? cluster.directors[0]!).name;
    case 'save-rules':
    case 'build-step':
      return cluster.name;
    default:
      return realServerName(cluster, request.realServer);
  }
}

/** The inventory's name of a real server asked by name or address. */
function realServerName(cluster: Cluster, asked: string): string {
  return cluster.realServers.find((r) => r.name === asked || r.address === asked)?.name ?? asked;
}

function stubApproval(record: AuditRecord): Partial<ApprovalRequest> {
  return {
    id: record.id,
    cluster: record.cluster,
    requestedBy: record.requestedBy.user,
    title: record.plan?.title ?? record.playbook,
  };
}
