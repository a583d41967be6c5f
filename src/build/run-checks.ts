import type { Inventory } from '../config/inventory.js';
import { sshTargetFor } from '../config/lookup.js';
import type { CommandRunner } from '../ssh/command-runner.js';
import type { SshTarget } from '../ssh/target.js';
import { evaluateCheck } from './steps/evaluate-check.js';
import type { CheckVerdict, ProbeOutcome, StepCheck } from './steps/step-model.js';

export interface CheckRunOptions {
  runner: CommandRunner;
  inventory: Inventory;
  cluster: string;
  /** Longest one probe may run. Default 15 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs the probes of some checks over SSH (each distinct host and argv once, all at once) and
 * evaluates them. Never throws for a host: one that cannot be reached, or refuses the pinned
 * key, makes the checks that needed it fail with the reason.
 */
export async function runChecks(
  checks: readonly StepCheck[],
  opts: CheckRunOptions,
): Promise<CheckVerdict[]> {
  const unique = new Map<string, { host: string; argv: string[]; okCodes: number[] }>();
  const keyOf = (host: string, argv: readonly string[]) => JSON.stringify([host, argv]);
  for (const c of checks) {
    for (const p of c.probes) {
      const k = keyOf(p.host, p.argv);
      const had = unique.get(k);
      unique.set(k, had ? { ...had, okCodes: [...new Set([...had.okCodes, ...p.okCodes])] } : { ...p });
    }
  }
  const outcomes = new Map<string, ProbeOutcome>();
  await Promise.all(
    [...unique.entries()].map(async ([k, p]) => {
      outcomes.set(k, await probe(p.host, p.argv, p.okCodes, opts));
    }),
  );
  return checks.map((c) =>
    evaluateCheck(
      c,
      c.probes.map((p) => outcomes.get(keyOf(p.host, p.argv))!),
    ),
  );
}

async function probe(
  host: string,
  argv: string[],
  okCodes: number[],
  opts: CheckRunOptions,
): Promise<ProbeOutcome> {
  const target = sshTargetFor(opts.inventory, opts.cluster, host);
  if (!target.ok) return { ok: false, error: target.error.message };
  const t: SshTarget = target.value;
  try {
    const r = await opts.runner.run(t, argv, {
      okCodes,
      timeoutMs: opts.timeoutMs ?? 15_000,
      ...(opts.signal && { signal: opts.signal }),
    });
    return { ok: true, stdout: r.stdout, stderr: r.stderr, code: r.code };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
