import { defineConfig } from 'vitest/config';

// Three layers, as the architecture: unit (pure core, no I/O), integration (real Redis,
// real sshd, real processes), lab (the real LVS lab: UML directors with IPVS, mon,
// heartbeat; booted once per run by test/lab/global-setup.ts).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure code, but the property tests are CPU-bound and share 2 cores with the lab's run.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          // Several files build dist/ in a hook (tsc takes long on 2 busy cores).
          hookTimeout: 180_000,
          // Real servers on real ports: keep files apart in time, not in parallel, on 2 cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          globalSetup: ['test/lab/global-setup.ts'],
          setupFiles: ['test/lab/settled.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
