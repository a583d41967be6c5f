import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type BenchScenario, type Figure, ScenarioSkipped } from './figure.js';
import { missingNeed } from './needs.js';
import { scenarios } from './scenarios/index.js';

/** A row of the report: a figure, or a scenario that was skipped or failed (value NaN). */
interface Row extends Figure {
  scenario: string;
  status?: 'skipped' | 'failed';
}

const USAGE = `usage: npm run bench [-- --quick] [-- --only NAME[,NAME…]] [-- --soak]

  --quick        a smoke run: every scenario does a small share of its work (under 2 minutes);
                 scenarios marked slow (the lab) run only when named with --only
  --only NAMES   run only these scenarios (comma-separated)
  --soak         the 10-minute soak (2 minutes with --quick); the same as --only soak.
                 Never part of the default run.

Scenarios: ${scenarios.map((s) => s.name).join(', ')}
Prints one table and writes bench/results.json. Exit 1 when a scenario failed to run
(a goal that is short does not change the exit code), 2 on a usage error.`;

interface Args {
  quick: boolean;
  only?: string[];
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--soak') args.only = [...(args.only ?? []), 'soak'];
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) return '--only needs a scenario name';
      args.only = [...(args.only ?? []), ...value.split(',').filter(Boolean)];
    } else if (a === '--help' || a === '-h') return '';
    else return `unknown argument '${a}'`;
  }
  const unknown = (args.only ?? []).filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length > 0) {
    return `no scenario named ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`;
  }
  return args;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/**
 * `npm run bench [-- --quick] [-- --only NAME]`: runs every scenario, prints one table and
 * writes bench/results.json. Speed is measured here, never by timed assertions in tests.
 * A scenario that throws is reported and the others still run.
 */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args) process.stderr.write(`bench: ${args}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    return args ? 2 : 0;
  }
  const { quick, only } = args;
  // Opt-in scenarios (the soak) run only when named.
  const selected: BenchScenario[] = scenarios.filter((s) => (only ? only.includes(s.name) : !s.optIn));
  const rows: Row[] = [];
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const startLoad = load();
  const started = new Date();
  const t0 = performance.now();
  process.stderr.write(
    `bench: ${selected.length} scenario(s)${quick ? ', quick' : ''}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${startLoad} at start\n`,
  );
  let failed = 0;
  for (const scenario of selected) {
    const s0 = performance.now();
    process.stderr.write(`- ${scenario.name} (load ${load()})\n`);
    const skip = (reason: string) => {
      process.stderr.write(`  skipped: ${reason}\n`);
      rows.push(statusRow(scenario.name, 'skipped', reason));
    };
    if (quick && isSlow(scenario) && !only) {
      skip(`too slow for --quick; run it with --only ${scenario.name}`);
      continue;
    }
    const missing = await missingNeed(scenario.needs ?? []);
    if (missing) {
      skip(missing);
      continue;
    }
    try {
      const limit = scenario.timeoutMs?.(quick) ?? (quick ? 180_000 : 600_000);
      const figures = await withTimeout(scenario.run({ quick, log }), limit);
      for (const f of figures) rows.push({ ...f, scenario: scenario.name });
      process.stderr.write(`  ${((performance.now() - s0) / 1000).toFixed(1)} s\n`);
    } catch (err) {
      if (err instanceof ScenarioSkipped) {
        skip(err.message);
        continue;
      }
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(
        `  FAILED after ${((performance.now() - s0) / 1000).toFixed(1)} s: ${err instanceof Error ? (err.stack ?? message) : message}\n`,
      );
      rows.push(statusRow(scenario.name, 'failed', message.split('\n')[0]!));
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const endLoad = load();
  process.stdout.write(
    `\nlvs-chatops bench, ${started.toISOString()}${quick ? ' (quick)' : ''}: ${cpus().length} cores, load average ${startLoad} at start, ${endLoad} at end; ${seconds.toFixed(0)} s\n\n`,
  );
  printTable(rows);
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(here, '..', '..', 'bench', 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(rows.map(toJson), null, 2)}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
  if (failed > 0) process.stdout.write(`${failed} scenario(s) failed to run: see above\n`);
  return failed > 0 ? 1 : 0;
}

/** A scenario that hangs must not hold up the rest: it fails after `ms`. */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Scenarios too slow for a smoke run: those that say so, and those that boot the lab (about a minute). */
function isSlow(scenario: BenchScenario): boolean {
  return scenario.slow === true || (scenario.needs ?? []).includes('lab');
}

function statusRow(scenario: string, status: 'skipped' | 'failed', note: string): Row {
  return { name: `${scenario}: ${status}`, value: Number.NaN, unit: '', scenario, status, note };
}

function finite(n: number | null | undefined): number | null {
  return n === null || n === undefined || !Number.isFinite(n) ? null : n;
}

function toJson(r: Row): Record<string, unknown> {
  return {
    name: r.name,
    value: finite(r.value),
    unit: r.unit,
    baseline: finite(r.baseline),
    ratio: finite(r.ratio),
    goal: r.goal ?? null,
    pass: r.pass ?? null,
    scenario: r.scenario,
    ...(r.status && { status: r.status }),
    ...(r.note && { note: r.note }),
  };
}

function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 10_000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100 || Number.isInteger(n)) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function withUnit(n: number | null | undefined, unit: string): string {
  const s = fmt(n);
  return s === '-' || !unit ? s : `${s} ${unit}`;
}

function result(r: Row): string {
  if (r.status) return r.status;
  if (!Number.isFinite(r.value)) return 'not measured';
  if (r.pass === null || r.pass === undefined) return '-';
  return r.pass ? 'pass' : 'SHORT';
}

function printTable(rows: Row[]): void {
  const notes: string[] = [];
  const table = [
    ['figure', 'value', 'baseline', 'ratio', 'goal', 'result'],
    ...rows.map((r) => {
      let name = r.name;
      if (r.note) {
        if (!notes.includes(r.note)) notes.push(r.note);
        name = `${name} [${notes.indexOf(r.note) + 1}]`;
      }
      return [
        name,
        withUnit(r.value, r.unit),
        withUnit(r.baseline, r.unit),
        finite(r.ratio) === null ? '-' : `${fmt(r.ratio)}x`,
        r.goal ?? '-',
        result(r),
      ];
    }),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |\n`;
  for (const [i, r] of table.entries()) {
    process.stdout.write(line(r));
    if (i === 0) process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  }
  if (notes.length > 0) {
    process.stdout.write('\n');
    for (const [i, n] of notes.entries()) process.stdout.write(`[${i + 1}] ${n}\n`);
  }
}

// Exit even when a failed scenario left a socket or a timer behind.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
