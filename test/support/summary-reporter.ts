import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads ('N passed, N failed, N skipped'), after
 * vitest's own summary.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    // Under scripts/run-tests.mjs each of its vitest processes is labelled, and it prints the sum.
    const label = process.env.SUMMARY_LABEL ? ` (${process.env.SUMMARY_LABEL})` : '';
    process.stdout.write(`\nTests${label}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
