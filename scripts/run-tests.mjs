#!/usr/bin/env node
// The whole vitest suite in two processes side by side: the lab project (one real lab, its files
// one after another, mostly waiting on heartbeat, mon and the UML directors) beside the unit
// and integration projects (real Redis, sshd, processes; files one after another too). In one
// vitest process every file of every project waits its turn on 2 cores (vitest puts projects
// that run their files one at a time into one sequential group), so the lab's waiting added
// up to the rest: about 31 minutes in all, against about 19 side by side.
//
// With arguments it is plain `vitest run ARGS` (one file, one project, a filter).
// Output: the unit/integration lines as they come, the lab's prefixed with "lab | ", and the
// lab's full log in test-results/lab.log, a JSON report of each in test-results/; then one closing line for both:
// "Tests: N passed, N failed, N skipped". Exit code: 0 when both passed.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);

if (args.length > 0) {
  const child = spawn(process.execPath, [vitest, 'run', ...args], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const labLog = createWriteStream(join(root, 'test-results', 'lab.log'));
  const runs = [
    { label: 'unit+integration', prefix: '', args: ['--project', 'unit', '--project', 'integration'] },
    { label: 'lab', prefix: 'lab | ', args: ['--project', 'lab'], log: labLog },
  ].map(start);
  const forward = (signal) => {
    for (const r of runs) r.child.kill(signal);
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  const results = await Promise.all(runs.map((r) => r.done));
  const total = { passed: 0, failed: 0, skipped: 0 };
  let ok = true;
  for (const r of results) {
    if (r.counts) {
      total.passed += r.counts.passed;
      total.failed += r.counts.failed;
      total.skipped += r.counts.skipped;
    } else {
      // A vitest that died before its summary: count it as a failure, and say so.
      total.failed += 1;
      process.stdout.write(`\n${r.label}: vitest ended (${r.how}) without its summary line\n`);
    }
    if (r.code !== 0) ok = false;
    process.stdout.write(`${r.label}: ${r.how}${r.counts ? `, ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped` : ''}\n`);
  }
  labLog.end();
  process.stdout.write(`\nTests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  process.exit(ok && total.failed === 0 ? 0 : 1);
}

function start({ label, prefix, args: projectArgs, log }) {
  // Also a JSON report per process (test-results/LABEL.json): each file's and test's duration.
  const reporters = [
    '--reporter=default',
    '--reporter=./test/support/summary-reporter.ts',
    '--reporter=json',
    `--outputFile.json=test-results/${label.replace(/[^a-z]+/g, '-')}.json`,
  ];
  const child = spawn(process.execPath, [vitest, 'run', ...projectArgs, ...reporters], {
    cwd: root,
    env: { ...process.env, SUMMARY_LABEL: label },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let counts;
  const started = Date.now();
  const lines = (stream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      log?.write(chunk);
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) emit(line);
    });
    stream.on('end', () => {
      if (rest) emit(rest);
    });
  };
  const emit = (line) => {
    const m = /^Tests \([^)]*\): (\d+) passed, (\d+) failed, (\d+) skipped/.exec(line);
    if (m) counts = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
    process.stdout.write(`${prefix}${line}\n`);
  };
  lines(child.stdout);
  lines(child.stderr);
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const secs = Math.round((Date.now() - started) / 1000);
      resolve({
        label,
        code: code ?? 1,
        counts,
        how: signal ? `killed by ${signal} after ${secs}s` : `exit ${code} after ${secs}s`,
      });
    });
  });
  return { child, done };
}
