import { formatDuration } from '../core/duration.js';
import { describeCheck } from './checks.js';
import type { Plan, RemoteCommand, SafetyCheck, Step } from './plan.js';

/**
 * The dry run: a plan as people read it in the approval message (Slack mrkdwn) or a terminal
 * (text). It lists the exact commands and where they run, the safety checks with their
 * results, what would stop the plan, and how to undo it.
 */
export type PlanFormat = 'mrkdwn' | 'text';

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** argv as a person would type it (single quotes where needed); for display only, never run. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (SAFE_WORD.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

const MARK: Record<SafetyCheck['state'], { mrkdwn: string; text: string }> = {
  pass: { mrkdwn: ':white_check_mark:', text: '[ok]' },
  warn: { mrkdwn: ':warning:', text: '[warn]' },
  fail: { mrkdwn: ':no_entry:', text: '[FAIL]' },
};

function commandLine(c: RemoteCommand, format: PlanFormat): string {
  const text = displayCommand(c.argv);
  const stdin = c.stdinFrom ? ` (stdin: the output of ${c.stdinFrom.kind} on ${c.stdinFrom.host})` : '';
  return format === 'mrkdwn' ? `\`${text}\` on *${c.host}*${stdin}` : `${text}   [on ${c.host}]${stdin}`;
}

function stepLines(step: Step, n: number, plan: Plan, format: PlanFormat): string[] {
  const done = plan.doneWhenPlanned.includes(step.id);
  const notes = [
    done ? 'already done: will be skipped' : '',
    step.onlyAfterChange ? 'only if a step above changed something' : '',
    step.required ? '' : 'optional: a failure is reported, not fatal',
  ].filter((s) => s !== '');
  const head = `${n}. ${step.title}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  const lines = [head];
  for (const c of step.actions) lines.push(`   run: ${commandLine(c, format)}`);
  if (step.wait) {
    lines.push(
      `   wait until: ${describeCheck(step.wait.check)} (every ${formatDuration(step.wait.intervalMs)}, at most ${formatDuration(step.wait.timeoutMs)})`,
    );
  }
  for (const v of step.verify) lines.push(`   verify: ${describeCheck(v)}`);
  for (const c of step.rollback) lines.push(`   undo if a later step fails: ${commandLine(c, format)}`);
  return lines;
}

export function renderPlan(plan: Plan, format: PlanFormat = 'mrkdwn'): string {
  const bold = (s: string) => (format === 'mrkdwn' ? `*${s}*` : s);
  const out: string[] = [];
  out.push(`${bold(plan.title)} (cluster ${plan.cluster}, playbook ${plan.playbook})`);
  if (plan.activeDirector) out.push(`Changes ${bold(plan.activeDirector)} (the active director)`);
  if (plan.safety.length > 0) {
    out.push(bold('Safety checks'));
    for (const s of plan.safety) out.push(`${MARK[s.state][format]} ${s.name}: ${s.detail}`);
  }
  if (plan.blockers.length > 0) {
    out.push(bold('It cannot run as it stands'));
    for (const b of plan.blockers) {
      out.push(
        `${MARK.fail[format]} ${b.message}${b.overridable ? ' (an approver may override the capacity floor)' : ''}`,
      );
    }
  }
  if (plan.alreadyDone) out.push(bold('Already done: running it changes nothing.'));
  if (plan.steps.length > 0) {
    out.push(bold('Steps'));
    plan.steps.forEach((step, i) => {
      out.push(...stepLines(step, i + 1, plan, format));
    });
  }
  if (plan.undo) out.push(`Undo: ${plan.undo}`);
  out.push(`Table snapshot ${plan.snapshot.hash}: the job stops if this changes before it runs.`);
  return out.join('\n');
}
