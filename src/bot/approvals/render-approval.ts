import type { SlackMessage } from '../../notifiers/slack/render-incident.js';
import type { AuditRecord, StepRecord } from '../../queues/job-audit.js';
import type { JobProgress } from '../../queues/job-progress.js';
import type { ApprovalRequest } from '../../store/approval-store.js';

type Block = Record<string, unknown>;

function clip(text: string, max = 2900): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's section text is 3,000 characters at most: long plans become several sections. */
function sections(text: string): Block[] {
  const out: Block[] = [];
  let rest = text;
  while (rest.length > 0 && out.length < 8) {
    let cut = rest.length <= 2900 ? rest.length : rest.lastIndexOf('\n', 2900);
    if (cut <= 0) cut = 2900;
    out.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, cut) } });
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  return out;
}

function when(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

/** The approval request, waiting for an approver: the plan, its checks, Approve and Reject. */
export function renderApprovalRequest(req: ApprovalRequest, planMrkdwn: string): SlackMessage {
  const approveText = req.confirmTarget
    ? clip(`Approve… (type ${req.confirmTarget})`, 75)
    : req.needsOverride
      ? 'Approve, crossing the floor'
      : 'Approve';
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`Approval needed: ${req.title}`, 150) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Asked by <@${req.requestedBy}> · cluster ${req.cluster} · expires ${when(req.expiresAt)} · ${req.id}`,
        },
      ],
    },
    ...sections(planMrkdwn),
    {
      type: 'actions',
      block_id: 'lvs_approval',
      elements: [
        {
          type: 'button',
          action_id: 'lvs_approve',
          text: { type: 'plain_text', text: approveText },
          style: req.needsOverride ? 'danger' : 'primary',
          value: req.id,
          // A typed confirmation opens its own modal; a second yes/no dialog would add nothing.
          ...(req.confirmTarget === undefined && {
            confirm: {
              title: { type: 'plain_text', text: 'Run this change?' },
              text: {
                type: 'mrkdwn',
                text: clip(
                  req.needsOverride
                    ? `${req.title}\nThis crosses the capacity floor: fewer real servers than the policy keeps will serve.`
                    : `${req.title}\nThe worker re-checks the table first and stops if it changed.`,
                  300,
                ),
              },
              confirm: { type: 'plain_text', text: 'Run it' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          }),
        },
        {
          type: 'button',
          action_id: 'lvs_reject',
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: req.id,
        },
      ],
    },
  ];
  return { text: `Approval needed: ${req.title} (asked by <@${req.requestedBy}>)`, blocks };
}

const STEP_MARK: Record<StepRecord['state'], string> = {
  pending: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  done: ':white_check_mark:',
  skipped: ':fast_forward:',
  failed: ':x:',
  'timed-out': ':alarm_clock:',
  'rolled-back': ':leftwards_arrow_with_hook:',
};

const STATUS_TEXT: Record<AuditRecord['status'], string> = {
  queued: ':hourglass: queued',
  running: ':gear: running',
  retrying: ':repeat: retrying after a transient SSH failure',
  planned: ':clipboard: planned',
  done: ':white_check_mark: done',
  'already-done': ':white_check_mark: already done, nothing was changed',
  refused: ':no_entry: refused by a safety check',
  'table-changed': ':warning: the table changed since approval: nothing was run',
  'timed-out': ':alarm_clock: timed out',
  failed: ':x: failed',
  cancelled: ':octagonal_sign: cancelled',
};

/** What a step ran, with exit codes and a short excerpt of the output. */
function stepDetail(step: StepRecord): string {
  const lines = [`${STEP_MARK[step.state]} ${step.title}${step.note ? ` — ${step.note}` : ''}`];
  for (const c of step.commands.slice(-3)) {
    const out = (c.stdout || c.stderr).trim().split('\n').slice(-4).join('\n');
    lines.push(
      `    \`${clip(c.argv.join(' '), 200)}\` on ${c.host}: exit ${c.exitCode ?? c.signal ?? '?'} (${c.outcome})${out ? `\n\`\`\`${clip(out, 400)}\`\`\`` : ''}`,
    );
  }
  return lines.join('\n');
}

/** The request once decided: who decided, then the job's live progress and its result. */
export function renderApprovalDecided(
  req: ApprovalRequest,
  record: AuditRecord | null,
  progress: JobProgress | null,
): SlackMessage {
  // A run the policy lets through without an approver (ChangeRequests.follow) names nobody.
  const byPolicy = req.state === 'approved' && req.decidedBy === 'policy';
  const decided = byPolicy
    ? ':white_check_mark: No approval needed: the policy (policy.approval.notRequired) lets it run'
    : req.state === 'approved'
      ? `:white_check_mark: Approved by <@${req.decidedBy}> ${req.decidedAt ? when(req.decidedAt) : ''}`
      : req.state === 'rejected'
        ? `:no_entry_sign: Rejected by <@${req.decidedBy}> ${req.decidedAt ? when(req.decidedAt) : ''}`
        : ':hourglass: Expired: nobody approved it in time. Ask again to get a fresh plan.';
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(req.title, 150) } },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Asked by <@${req.requestedBy}> · cluster ${req.cluster} · ${req.id}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: decided } },
  ];
  if (record) {
    const head = `*Job ${record.id}*: ${STATUS_TEXT[record.status]}${record.summary ? `\n${record.summary}` : ''}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(head) } });
    if (progress && !['done', 'failed'].includes(record.status)) {
      const wait = progress.wait
        ? `\n${progress.wait.detail}${progress.wait.activeConns !== null ? ` · *${progress.wait.activeConns}* active connection(s) left` : ''} · ${Math.round(progress.wait.elapsedMs / 1000)}s of ${Math.round(progress.wait.timeoutMs / 1000)}s`
        : '';
      const step = progress.step
        ? ` (step ${progress.step.index + 1} of ${progress.step.total}: ${progress.step.title})`
        : '';
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: clip(`${progress.message}${step}${wait}`) }],
      });
    }
    if (record.steps.length > 0)
      blocks.push(...sections(record.steps.map(stepDetail).join('\n')).slice(0, 6));
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Audit trail: \`/lvs job ${record.id}\`` }],
    });
  }
  const state = byPolicy ? 'running without approval' : req.state;
  return { text: `${req.title}: ${state}${record ? `, job ${record.id} ${record.status}` : ''}`, blocks };
}

/** The modal of a typed confirmation (callback_id `lvs_confirm_change`). */
export const CONFIRM_VIEW = 'lvs_confirm_change';
/** Its one input: the block and the action_id of the typed name. */
export const CONFIRM_INPUT = { block: 'lvs_confirm_name', action: 'lvs_confirm_change_name' } as const;

/** What the modal carries back in private_metadata: the request and the channel clicked in. */
export interface ConfirmMetadata {
  a: string;
  ch: string;
}

/**
 * The modal an approver fills in to approve a change that can take a service down: they type
 * the target's name, so that a stray or hurried click approves nothing.
 */
export function renderConfirmView(req: ApprovalRequest, target: string, metadata: ConfirmMetadata) {
  return {
    type: 'modal' as const,
    callback_id: CONFIRM_VIEW,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text' as const, text: 'Confirm the change' },
    submit: { type: 'plain_text' as const, text: 'Approve and run' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `*${req.title}* (cluster ${req.cluster}, asked by <@${req.requestedBy}>)\n` +
              `This change can take a service down${req.needsOverride ? ': it goes below the capacity floor' : ''}. ` +
              `Type *${target}* to approve it.`,
            3000,
          ),
        },
      },
      {
        type: 'input',
        block_id: CONFIRM_INPUT.block,
        label: { type: 'plain_text', text: clip(`Type ${target} to confirm`, 2000) },
        element: { type: 'plain_text_input', action_id: CONFIRM_INPUT.action, max_length: 255 },
      },
    ],
  };
}
