import { LabError } from './lab-error.js';
import type { LabPlan } from './lab-plan.js';
import { type RunResult, runCommand } from './run-command.js';

/** The OpenSSH client options for the lab: its key, its pinned host keys, nothing from ~/.ssh. */
export function labSshOptions(plan: LabPlan): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    plan.paths.clientKey,
    '-o',
    `UserKnownHostsFile=${plan.paths.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
  ];
}

// The lab only runs its own fixed commands; their words never need shell quoting.
const PLAIN_WORD = /^[A-Za-z0-9._/:=@%+-]+$/;

/** Runs a command of the lab on one of its hosts as root over real ssh, checking the host key. */
export async function labSsh(
  plan: LabPlan,
  address: string,
  argv: string[],
  options: { timeoutMs?: number; allowFailure?: boolean } = {},
): Promise<RunResult> {
  const bad = argv.find((w) => !PLAIN_WORD.test(w));
  if (bad !== undefined)
    throw new LabError('LAB_BAD_OPTION', `labSsh: '${bad}' needs quoting; the lab passes plain words only`);
  return runCommand('ssh', [...labSshOptions(plan), `root@${address}`, '--', ...argv], {
    timeoutMs: options.timeoutMs ?? 30_000,
    allowFailure: options.allowFailure ?? false,
  });
}
