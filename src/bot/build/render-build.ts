import type { BuildStep, CheckVerdict } from '../../build/steps/index.js';
import type { Cluster } from '../../config/inventory.js';
import type { ApplyRecord, BuildProgress } from '../../store/build-progress.js';
import { BUILD_ACTIONS } from './build-action-ids.js';

type Block = Record<string, unknown>;

/** Slack refuses section text over 3000 characters. */
const SECTION_MAX = 2900;
/** Files longer than this are named, not shown (lvs-chatops gen prints them). */
const FILE_SHOWN_MAX = 700;

function clip(text: string, max = SECTION_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n… (cut)`;
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text) } };
}

function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(text) }] };
}

function code(lines: string[]): string {
  return `\`\`\`${lines.join('\n').replaceAll('```', "'''")}\`\`\``;
}

/** `●●◌◉○○○…`: done, skipped, the current step, still to do. */
export function progressBar(steps: readonly BuildStep[], progress: BuildProgress): string {
  return steps
    .map((s) => {
      if (s.id === progress.current) return '◉';
      const r = progress.steps[s.id];
      return r?.status === 'done' ? '●' : r?.status === 'skipped' ? '◌' : '○';
    })
    .join('');
}

export interface BuildView {
  cluster: Cluster;
  steps: readonly BuildStep[];
  progress: BuildProgress;
  /** A line on top: what is happening now ("Checking on lb1, lb2…"). */
  busy?: string;
}

/** The build message: where the operator is, the current step, its last check and Apply, the buttons. */
export function renderBuildMessage(view: BuildView): { text: string; blocks: Block[] } {
  const { cluster, steps, progress } = view;
  const at = Math.max(
    0,
    steps.findIndex((s) => s.id === progress.current),
  );
  const step = steps[at]!;
  const done = steps.filter((s) => progress.steps[s.id]?.status === 'done').length;
  const skipped = steps.filter((s) => progress.steps[s.id]?.status === 'skipped').length;
  const where = `Step ${at + 1} of ${steps.length}`;
  const text = `Guided build of ${cluster.name}: ${where}, ${step.title}`;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `Build ${cluster.name}: ${where}`.slice(0, 150) } },
    context(
      `\`${progressBar(steps, progress)}\`  ${done} done, ${skipped} skipped · started by <@${progress.startedBy}>`,
    ),
  ];
  if (progress.stopped) {
    blocks.push(
      section(
        `:double_vertical_bar: Stopped by <@${progress.stopped.by}>. \`/lvs build ${cluster.name}\` resumes at step ${at + 1}.`,
      ),
    );
  }
  if (view.busy) blocks.push(context(`:hourglass_flowing_sand: ${view.busy}`));
  const record = progress.steps[step.id];
  const mark = record
    ? record.status === 'done'
      ? ` :white_check_mark: done (<@${record.by}>)`
      : ` :fast_forward: skipped by <@${record.by}>: ${record.reason}`
    : '';
  blocks.push(
    section(`*${step.section} ${step.title}*${step.optional ? ' _(optional)_' : ''}${mark}\n${step.what}`),
    context(`*Why:* ${step.why}`),
  );
  if (step.blocked) blocks.push(section(`:no_entry: ${step.blocked}`));
  for (const c of step.commands) {
    const hosts = c.hosts.length > 0 ? ` _(${c.hosts.join(', ')})_` : '';
    const parts = [`*${c.title}*${hosts}`, code(c.modern)];
    if (c.classic?.length) parts.push('_The seed (2.4 era):_', code(c.classic));
    if (c.note) parts.push(`_${c.note}_`);
    blocks.push(section(parts.join('\n')));
  }
  if (step.files.length > 0) blocks.push(section(renderFiles(step, cluster)));
  const check = progress.checks[step.id];
  if (check) blocks.push(...renderCheck(check.verdicts, check.by, check.at));
  const apply = latestApply(progress, step.id);
  if (apply) blocks.push(section(renderApply(apply)));
  if (!progress.stopped) blocks.push(buttons(cluster, steps, step, at));
  return { text, blocks: blocks.slice(0, 50) };
}

function renderFiles(step: BuildStep, cluster: Cluster): string {
  const lines = ['*Files*'];
  for (const f of step.files) {
    if (!f.ok) {
      lines.push(`• ${f.kind}: :no_entry: ${f.problem}`);
      continue;
    }
    const { file } = f;
    const gen = `\`lvs-chatops gen ${file.kind} --cluster ${cluster.name}\``;
    lines.push(`• \`${file.path}\` on ${file.hosts.join(', ')} (mode ${file.mode.toString(8)}), ${gen}`);
    if (file.kind === 'authkeys')
      lines.push('  holds the shared secret: made when Apply runs, never shown here');
    else if (file.text.length <= FILE_SHOWN_MAX) lines.push(code([file.text.trimEnd()]));
    else lines.push(`  ${file.text.split('\n').length} lines: print it with ${gen}`);
  }
  return lines.join('\n');
}

export function renderCheck(verdicts: readonly CheckVerdict[], by: string, at: number): Block[] {
  const pass = verdicts.length > 0 && verdicts.every((v) => v.pass);
  const when = `<!date^${Math.floor(at / 1000)}^{time_secs}|${new Date(at).toISOString()}>`;
  const blocks: Block[] = [
    context(
      `${pass ? ':white_check_mark: *Check passed*' : ':x: *Check failed*'} · asked by <@${by}> at ${when}`,
    ),
  ];
  for (const v of verdicts.slice(0, 8)) {
    blocks.push(
      section(
        `${v.pass ? ':white_check_mark:' : ':x:'} *${v.title}*\n${v.evidence
          .slice(0, 12)
          .map((e) => `• ${e}`)
          .join('\n')}`,
      ),
    );
  }
  return blocks;
}

function latestApply(progress: BuildProgress, step: string): ApplyRecord | undefined {
  return Object.values(progress.applies)
    .filter((a) => a.step === step)
    .sort((a, b) => b.requestedAt - a.requestedAt)[0];
}

function renderApply(a: ApplyRecord): string {
  const head = `*Apply ${a.id}*${a.job ? ` (job ${a.job})` : ''}: ${a.summary}`;
  const by = a.decidedBy === 'policy' ? 'no approval needed' : `approved by <@${a.decidedBy}>`;
  switch (a.status) {
    case 'pending':
      return `${head}\n:hourglass: waiting for an approver (asked by <@${a.requestedBy}>; see the thread)`;
    case 'running':
      return `${head}\n:gear: ${a.job ? `running as job ${a.job} (\`/lvs job ${a.job}\`)` : 'queueing'}, ${by}`;
    case 'rejected':
      return `${head}\n:no_entry_sign: rejected by <@${a.decidedBy}>`;
    case 'expired':
      return `${head}\n:hourglass: expired before anyone approved it`;
    case 'done':
    case 'failed':
      return `${head}\n${a.status === 'done' ? ':white_check_mark: done' : ':x: failed'} (asked by <@${a.requestedBy}>, ${by})\n${(a.result ?? []).map((l) => `• ${l}`).join('\n')}`;
  }
}

function buttons(cluster: Cluster, steps: readonly BuildStep[], step: BuildStep, at: number): Block {
  const value = JSON.stringify({ c: cluster.name, s: step.id });
  const button = (text: string, action: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: action,
    value,
    ...(style && { style }),
  });
  const elements: Block[] = [];
  if (at > 0) elements.push(button('Back', BUILD_ACTIONS.back));
  if (step.checks.length > 0) elements.push(button('Check', BUILD_ACTIONS.check));
  if (step.apply && !step.blocked) elements.push(button('Apply', BUILD_ACTIONS.apply, 'primary'));
  elements.push(button('Skip', BUILD_ACTIONS.skip));
  if (at < steps.length - 1) elements.push(button('Next', BUILD_ACTIONS.next));
  elements.push(button('Stop', BUILD_ACTIONS.stop));
  elements.push({
    type: 'static_select',
    action_id: BUILD_ACTIONS.goto,
    placeholder: { type: 'plain_text', text: 'Go to step…' },
    options: steps.map((s, i) => ({
      text: { type: 'plain_text', text: `${i + 1}. ${s.title}`.slice(0, 75) },
      value: JSON.stringify({ c: cluster.name, s: s.id }),
    })),
  });
  return { type: 'actions', block_id: 'lvs_build_actions', elements };
}

/** The approval request posted in the build message's thread. */
export function renderApplyRequest(
  cluster: Cluster,
  step: BuildStep,
  apply: ApplyRecord,
  actions: readonly { host: string; what: string; shown: string }[],
  decided?: string,
): { text: string; blocks: Block[] } {
  const text = `Apply ${apply.id} to ${cluster.name}: ${step.title}? Asked by <@${apply.requestedBy}>.`;
  const list = actions.map((a) => `• *${a.host}*: ${a.what}\n  \`${a.shown}\``).join('\n');
  const blocks: Block[] = [
    section(
      `*Apply ${apply.id}* to *${cluster.name}*: ${step.section} ${step.title}\nAsked by <@${apply.requestedBy}>. ${apply.summary}`,
    ),
    section(`*What runs, in order:*\n${list}`),
  ];
  if (decided) blocks.push(section(decided));
  else {
    const value = JSON.stringify({ c: cluster.name, a: apply.id });
    blocks.push({
      type: 'actions',
      block_id: 'lvs_build_approval',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          action_id: BUILD_ACTIONS.approve,
          value,
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          action_id: BUILD_ACTIONS.reject,
          value,
        },
      ],
    });
  }
  return { text, blocks };
}
