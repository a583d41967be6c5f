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
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed outside its tests (a beforeAll that threw, an import error) leaves
      // its tests unrun: the file itself counts as one failure, so the line never reads
      // "0 failed" for a run that failed.
      failed += mod.state() === 'failed' && failedHere === 0 ? 1 : failedHere;
    }
    // Under scripts/run-tests.mjs each of its vitest processes is labelled, and it prints the sum.
    const label = process.env.SUMMARY_LABEL ? ` (${process.env.SUMMARY_LABEL})` : '';
    process.stdout.write(`\nTests${label}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
