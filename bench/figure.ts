/** One measured figure of `npm run bench`, as written to bench/results.json. */
export interface Figure {
  name: string;
  /** NaN when the figure could not be measured in this run (say why in `note`). */
  value: number;
  unit: string;
  /** The same quantity for the alternative, measured in the same run, when there is one. */
  baseline?: number | null;
  /** value / baseline (or the inverse where lower is better; the goal says which). */
  ratio?: number | null;
  /** Human-readable goal, e.g. '< 5 ms' or '>= 10x'. */
  goal?: string | null;
  /** Whether the goal is met; null when there is no goal or nothing was measured. */
  pass?: boolean | null;
  /** What a reader needs to read the figure right: what it counts, why it is missing. */
  note?: string | null;
}

export interface BenchContext {
  /** A smoke run: every scenario does a small share of its work (the whole run under 2 minutes). */
  quick: boolean;
  log: (line: string) => void;
}

export interface BenchScenario {
  name: string;
  /**
   * What the scenario needs, checked before it runs: 'redis' (127.0.0.1:6379 answers),
   * 'sshd' (/usr/sbin/sshd), 'lab' (root and user-mode-linux), 'alertmanager'
   * (prometheus-alertmanager installed). A scenario whose need is missing is skipped.
   */
  needs?: string[];
  /** Too costly for `--quick`: runs there only when named with --only (so does every scenario needing the lab). */
  slow?: boolean;
  /**
   * Not part of the default run (it would take it past its 15 minutes): runs only when named
   * with --only (or its own flag, `--soak` for the soak).
   */
  optIn?: boolean;
  /** How long it may take before it counts as hung (default 10 minutes, 3 in --quick). */
  timeoutMs?: (quick: boolean) => number;
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Thrown by a scenario that cannot run here: reported as skipped, not as a failure. */
export class ScenarioSkipped extends Error {
  readonly code = 'BENCH_SKIPPED';
  constructor(reason: string) {
    super(reason);
    this.name = 'ScenarioSkipped';
  }
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** A figure with an upper bound as its goal (`<` or `<=`). */
export function atMost(
  name: string,
  value: number,
  unit: string,
  limit: number,
  opts: { strict?: boolean; note?: string } = {},
): Figure {
  const measured = Number.isFinite(value);
  return {
    name,
    value,
    unit,
    goal: `${opts.strict ? '<' : '<='} ${limit} ${unit}`.trim(),
    pass: measured ? (opts.strict ? value < limit : value <= limit) : null,
    ...(opts.note && { note: opts.note }),
  };
}

/** A figure that could not be measured in this run, with the reason. */
export function notMeasured(name: string, unit: string, note: string, goal?: string): Figure {
  return { name, value: Number.NaN, unit, goal: goal ?? null, pass: null, note };
}
