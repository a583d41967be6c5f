import { performance } from 'node:perf_hooks';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { TestSshd } from '../../test/support/sshd.js';
import { type BenchScenario, type Figure, percentile } from '../figure.js';

/**
 * `true` over the pooled connection vs a new connection (handshake, key exchange, auth) for each
 * command, against a real OpenSSH sshd on loopback started here. Commands run one after another,
 * so each sample is one command's latency; the new-connection sample stops at the result (the
 * disconnect is not counted), which favours the baseline.
 */
export const sshPool: BenchScenario = {
  name: 'ssh-pool',
  needs: ['sshd'],
  async run({ quick, log }): Promise<Figure[]> {
    const pooledCount = quick ? 100 : 1000;
    const freshCount = quick ? 30 : 1000;
    const parallelCount = quick ? 200 : 2000;
    const sshd = await TestSshd.start();
    try {
      const target = sshd.target();
      const pool = new SshExecutor();
      const pooled: number[] = [];
      let parallelMs: number;
      try {
        await pool.run(target, ['true']);
        for (let i = 0; i < pooledCount; i++) {
          const t0 = performance.now();
          await pool.run(target, ['true']);
          pooled.push(performance.now() - t0);
        }
        // Eight callers at once: what one connection sustains with its channels in use.
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next++ < parallelCount) await pool.run(target, ['true']);
          }),
        );
        parallelMs = performance.now() - t0;
      } finally {
        await pool.close();
      }
      log(`pooled: ${pooledCount} commands on ${sshd.acceptedLogins()} connection(s)`);

      const fresh: number[] = [];
      for (let i = 0; i < freshCount; i++) {
        const once = new SshExecutor();
        const t0 = performance.now();
        await once.run(target, ['true']);
        fresh.push(performance.now() - t0);
        await once.close();
      }
      log(`new connection each: ${freshCount} commands, ${sshd.acceptedLogins() - 1} logins`);

      const figure = (p: number): Figure => {
        const value = percentile(pooled, p);
        const baseline = percentile(fresh, p);
        const ratio = baseline / value;
        return {
          name: `ssh true p${p}: pooled vs new connection each`,
          value,
          unit: 'ms',
          baseline,
          ratio,
          goal: '>= 10x',
          pass: ratio >= 10,
        };
      };
      return [
        figure(50),
        figure(99),
        {
          name: 'ssh true throughput, 8 at once on one connection',
          value: parallelCount / (parallelMs / 1000),
          unit: 'cmd/s',
        },
      ];
    } finally {
      await sshd.dispose();
    }
  },
};
