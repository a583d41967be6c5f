import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { sshTargetFor } from '../../src/config/lookup.js';
import { startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { labDown, labStatus, labUp } from '../../src/lab/index.js';
import { createLogger } from '../../src/log/logger.js';
import { type AuditRecord, JobAudit } from '../../src/queues/job-audit.js';
import { JobKeys } from '../../src/queues/job-keys.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import type { SshTarget } from '../../src/ssh/target.js';
import { EventStore } from '../../src/store/event-store.js';
import { Keys } from '../../src/store/keys.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { type BenchScenario, type Figure, notMeasured, percentile } from '../figure.js';

// A lab of its own, so that it never takes down the lab scenario's (or anyone's) lab.
const LAB = { prefix: 'lvm', stateDir: '/run/lvs-chatops-lab-bench-remediation', subnet: '10.210.4.0/23' };
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/dist\/?$/, '/');
/** The HOWTO's script, written from its description (bench/baselines/lvs.alert). */
const LVS_ALERT = join(ROOT, 'bench', 'baselines', 'lvs.alert');
const SLACK_ALERT = join(ROOT, 'contrib', 'mon', 'slack.alert');
const HOOK_PORT = 39_300;
const TOKEN = `bench-${randomUUID()}`;

/** The lab's inventory with the HOWTO's lvs.alert policy: remove on down, restore on up. */
function benchInventory(path: string): Inventory {
  const doc = parse(readFileSync(path, 'utf8'));
  doc.clusters[0].policy.auto = [
    { service: 'web', onDown: 'remove-real-server', onUp: 'restore-real-server', maxPerServerPerHour: 1000 },
  ];
  const loaded = parseInventory(stringify(doc));
  if (!loaded.ok) throw new Error(loaded.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return loaded.value;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${explain ? `; ${await explain()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Alert → `ipvsadm -d` done on the director, with the automatic policy, side by side with the
 * HOWTO's lvs.alert doing the same removal. Both alert scripts are started on lb1 (the active
 * director, where mon runs) the way mon starts them, with mon's arguments, over one pooled SSH
 * connection from this machine; each sample runs from the moment the start is asked for:
 * - lvs.alert: until it exits (it runs `ipvsadm -d` itself);
 * - slack.alert: through the bot's ingest (HTTP, Redis stream), the incident, the automatic
 *   policy (capacity floor, cap), the job queue and a worker (reading both directors, planning,
 *   choosing the active director) until the worker's `ipvsadm -d` on lb1 has exited.
 * The real server goes back between samples (upalert: lvs.alert -u, and the policy's restore).
 */
export const remediationScenario: BenchScenario = {
  name: 'remediation',
  needs: ['redis', 'lab'],
  slow: true,
  async run({ quick, log }): Promise<Figure[]> {
    const samples = quick ? 3 : 20;
    await labDown(LAB);
    await labUp(LAB, (l) => log(l));
    const status = await labStatus(LAB.stateDir);
    const inventory = benchInventory(status.inventory);
    const prefix = `bench-remediation-${randomUUID().slice(0, 8)}`;
    const logger = createLogger({ level: 'silent' });
    const redis = createRedis({ REDIS_URL }, 'blocking');
    const hostAddress = status.vip.replace(/\.\d+$/, '.254');
    const pipeline = await startAlertPipeline({
      env: readEnv({ INGEST_TOKEN: TOKEN, REDIS_URL, PORT: String(HOOK_PORT), LOG_LEVEL: 'silent' }),
      inventory,
      logger,
      keys: new Keys(prefix),
      serve: true,
      port: HOOK_PORT,
      host: hostAddress,
      worker: false,
      throttle: false,
    });
    const worker = await PlaybookWorker.start({
      connect: () => createRedis({ REDIS_URL }, 'blocking'),
      inventory,
      logger,
      prefix,
      events: new EventStore(redis, new Keys(prefix)),
    });
    const ssh = new SshExecutor();
    const audit = new JobAudit(redis, new JobKeys(prefix));
    try {
      const lb1 = sshTargetFor(inventory, 'lab', 'lb1');
      if (!lb1.ok) throw lb1.error;
      const target: SshTarget = lb1.value;
      const rs = inventory.clusters[0]!.realServers.find((r) => r.name === 'web-2')!;
      const vip = `${status.vip}:80`;
      // mon's group, one per sample: each sample is an outage of its own, not the same outage
      // coming and going (which the incident model rightly calls flapping after a few rounds).
      let group = '';
      const args = (up: boolean) => [
        '-s',
        'http',
        '-g',
        group,
        '-h',
        rs.address,
        '-t',
        String(Math.floor(Date.now() / 1000)),
        ...(up ? ['-u'] : []),
        '-P',
        'tcp',
        '-V',
        vip,
        '-R',
        `${rs.address}:80`,
        '-W',
        '1',
        '-F',
        'dr',
      ];
      const inTable = async () =>
        (await ssh.run(target, ['ipvsadm', '-L', '-n'])).stdout.includes(` ${rs.address}:80 `);
      const slackAlert = (up: boolean) =>
        ssh.run(
          target,
          [
            'env',
            `LVS_CHATOPS_URL=http://${hostAddress}:${HOOK_PORT}`,
            `LVS_CHATOPS_TOKEN=${TOKEN}`,
            `LVS_CHATOPS_SPOOL=${join(LAB.stateDir, 'lb1', 'spool', 'bench.jsonl')}`,
            SLACK_ALERT,
            ...args(up),
          ],
          { stdin: up ? `${rs.name}\nHTTP OK\n` : `${rs.name}\nHTTP check failed: connection refused\n` },
        );
      // When a job does not come, say what the pipeline did instead.
      const story = async () => {
        const entries = await redis.xrevrange(new Keys(prefix).eventStream(), '+', '-', 'COUNT', 6);
        const events = entries.map(([, f]) => {
          const e = JSON.parse(f[1] ?? '{}') as { kind?: string; status?: string; summary?: string };
          return `${e.kind} ${e.status}: ${e.summary?.slice(0, 120)}`;
        });
        const jobs = (await audit.recent(4)).map(
          (a) => `${a.id} ${a.playbook} ${a.status}: ${a.summary ?? ''}`,
        );
        return `last events: ${events.join(' | ')}; last jobs: ${jobs.join(' | ')}`;
      };
      const newAutoJob = (playbook: string, after: number) =>
        until(
          `the automatic ${playbook}`,
          async () => {
            const found = (await audit.recent(10)).find(
              (a) => a.playbook === playbook && a.requestedBy.via === 'auto' && a.queuedAt >= after,
            );
            return found && ['done', 'already-done', 'failed', 'refused', 'timed-out'].includes(found.status)
              ? found
              : undefined;
          },
          120_000,
          story,
        );

      const baseline: number[] = [];
      const ours: number[] = [];
      const phases = {
        script: [] as number[],
        queued: [] as number[],
        planned: [] as number[],
        action: [] as number[],
      };
      let failures = 0;
      for (let i = -1; i < samples; i++) {
        group = `${rs.name}-sample-${i + 1}`;
        // lvs.alert: the removal, timed; then its upalert puts the server back (not timed).
        const b0 = Date.now();
        await ssh.run(target, [LVS_ALERT, ...args(false)]);
        const b1 = Date.now();
        if (await inTable()) throw new Error('lvs.alert left the real server in the table');
        await ssh.run(target, [LVS_ALERT, ...args(true)]);
        if (!(await inTable())) throw new Error('lvs.alert -u did not put the real server back');

        // slack.alert through lvs-chatops' automatic policy.
        const t0 = Date.now();
        await slackAlert(false);
        const scriptDone = Date.now();
        const removal: AuditRecord = await newAutoJob('remove-real-server', t0);
        const command = removal.steps.find((s) => s.id === 'remove:web:lb1')?.commands[0];
        if (removal.status !== 'done' || !command) {
          failures++;
          log(`sample ${i}: the automatic removal ended ${removal.status}: ${removal.summary}`);
        } else if (i >= 0) {
          baseline.push(b1 - b0);
          ours.push(Math.round(command.startedAt + command.durationMs - t0));
          phases.script.push(scriptDone - t0);
          phases.queued.push(removal.queuedAt - t0);
          phases.planned.push(command.startedAt - removal.queuedAt);
          phases.action.push(Math.round(command.durationMs));
        }
        const u0 = Date.now();
        await slackAlert(true);
        await newAutoJob('restore-real-server', u0);
        if (!(await inTable())) throw new Error('the automatic restore did not put the real server back');
        if (i >= 0)
          log(`sample ${i + 1}/${samples}: lvs.alert ${b1 - b0} ms, lvs-chatops ${ours.at(-1) ?? 'n/a'} ms`);
      }
      if (ours.length === 0) {
        return [
          notMeasured(
            'alert -> ipvsadm -d done (automatic policy), p99',
            'ms',
            `every sample failed (${failures})`,
          ),
        ];
      }
      const p = (xs: number[], q: number) => percentile(xs, q);
      const breakdown =
        `median split: slack.alert itself ran ${p(phases.script, 50)} ms (Perl and its HTTP POST, on the director); ` +
        `alert to job queued ${p(phases.queued, 50)} ms (slack.alert, ingest, incident, policy), ` +
        `queued to ipvsadm -d started ${p(phases.planned, 50)} ms (worker reads both directors and plans), ` +
        `ipvsadm -d over SSH ${p(phases.action, 50)} ms`;
      const figure = (q: 50 | 99): Figure => {
        const value = p(ours, q);
        const base = p(baseline, q);
        const ratio = value / base;
        return {
          name: `alert -> ipvsadm -d done on the director, automatic policy (p${q})`,
          value,
          unit: 'ms',
          baseline: base,
          ratio: Math.round(ratio * 100) / 100,
          goal: q === 99 ? '<= 2x lvs.alert' : null,
          pass: q === 99 ? ratio <= 2 : null,
          note:
            q === 99
              ? `${ours.length} samples${failures > 0 ? ` (${failures} failed)` : ''}; baseline: the HOWTO's lvs.alert removing the same real server locally; both started on lb1 over one pooled SSH connection. ${breakdown}`
              : `${ours.length} samples`,
        };
      };
      return [figure(50), figure(99)];
    } finally {
      await ssh.close();
      await worker.close(0);
      await pipeline.close();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
      await labDown(LAB);
    }
  },
};
