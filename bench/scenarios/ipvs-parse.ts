import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mergeIpvsListings, parseIpvsList, parseIpvsStats } from '../../src/core/ipvs/index.js';
import { type BenchScenario, type Figure, percentile } from '../figure.js';

const FIXTURES = join('test', 'fixtures', 'ipvsadm');

/** The repository root, found from this file whether it runs from bench/ or dist/bench/. */
function fixture(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const path = join(dir, FIXTURES, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
    dir = dirname(dir);
  }
  throw new Error(`${join(FIXTURES, name)} not found above ${fileURLToPath(import.meta.url)}`);
}

function time(runs: number, fn: () => boolean): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    if (!fn()) throw new Error('the captured listing did not parse');
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * Parse time of `ipvsadm -L -n --stats` for a table of 1,000 real servers, captured from the
 * lab director (test/fixtures/ipvsadm/thousand-stats.txt), and of the -L -n + --stats merge
 * a status read does. Each sample is one whole parse; warm-up runs are not counted.
 */
export const ipvsParse: BenchScenario = {
  name: 'ipvs-parse',
  async run({ quick, log }): Promise<Figure[]> {
    const stats = fixture('thousand-stats.txt');
    const list = fixture('thousand-list.txt');
    const runs = quick ? 200 : 2000;
    time(50, () => parseIpvsStats(stats).ok);
    const statsSamples = time(runs, () => parseIpvsStats(stats).ok);
    const mergeSamples = time(runs, () => {
      const l = parseIpvsList(list);
      const s = parseIpvsStats(stats);
      return l.ok && s.ok && mergeIpvsListings(l.value, { stats: s.value }).ok;
    });
    const p50 = percentile(statsSamples, 50);
    const p99 = percentile(statsSamples, 99);
    const mergeP50 = percentile(mergeSamples, 50);
    log(
      `${runs} parses of ${stats.split('\n').length - 1} lines: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms; with -L -n and merge p50 ${mergeP50.toFixed(3)} ms`,
    );
    return [
      {
        name: 'ipvsadm --stats parse, 1,000 real servers (p50)',
        value: p50,
        unit: 'ms',
        goal: '< 5 ms',
        pass: p50 < 5,
      },
      { name: 'ipvsadm --stats parse, 1,000 real servers (p99)', value: p99, unit: 'ms' },
      {
        name: 'ipvsadm -L -n + --stats parse and merge, 1,000 real servers (p50)',
        value: mergeP50,
        unit: 'ms',
      },
    ];
  },
};
