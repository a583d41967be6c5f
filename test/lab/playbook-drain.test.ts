import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DrainMemory } from '../../src/queues/drain-memory.js';
import { JobKeys } from '../../src/queues/job-keys.js';
import type { JobProgress } from '../../src/queues/job-progress.js';
import { buildDist, runModule } from '../integration/ingest-child.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { eventually, holdConnections, release, ssh } from './lab-client.js';
import {
  APPROVER,
  addressOf,
  type LabRig,
  labRig,
  OPERATOR,
  resetTable,
  tableOf,
} from './playbook-support.js';

const lab = inject('lab');
const rulesFile = (d: string) => join(lab.stateDir, d, 'ha.d', 'ipvsadm.rules');
const rip = (name: string) => `${addressOf(lab, name)}:80`;

let rig: LabRig;
const savedRules: Record<string, string> = {};

beforeAll(async () => {
  for (const d of ['lb1', 'lb2']) savedRules[d] = readFileSync(rulesFile(d), 'utf8');
  await buildDist();
  rig = await labRig(lab);
});
afterAll(async () => {
  await rig?.dispose();
  await resetTable(lab);
  for (const d of ['lb1', 'lb2']) writeFileSync(rulesFile(d), savedRules[d]!);
});

async function activeConns(name: string): Promise<number> {
  const r = await ssh(lab, 'lb1', 'ipvsadm -L -n');
  const line = r.stdout.split('\n').find((l) => l.includes(` ${rip(name)} `));
  return Number(line?.trim().split(/\s+/)[4] ?? 0);
}

async function approvedDrain(remove: boolean): Promise<string> {
  const request = {
    playbook: 'drain',
    realServer: 'web-2',
    timeoutMs: 180_000,
    intervalMs: 1_000,
    remove,
  } as const;
  const dry = await rig.producer.requestPlan(request, OPERATOR);
  const planned = await rig.producer.waitFor(dry.jobId, 120_000);
  const run = await rig.producer.requestRun(request, OPERATOR, {
    by: APPROVER,
    at: Date.now(),
    snapshot: planned.plan!.snapshot,
  });
  return run.jobId;
}

describe('drain on the real director', () => {
  it('sets weight 0, counts the active connections down to 0 as progress, and undrain restores the exact weight', async () => {
    const worker = await rig.startWorker({ name: 'worker-1' });
    const r = await ssh(lab, 'lb1', `ipvsadm -e -t ${lab.vip}:80 -r ${rip('web-2')} -g -w 3`);
    expect(r.code, r.stderr).toBe(0);
    const holder = await holdConnections(lab, 10);
    try {
      expect(await activeConns('web-2')).toBeGreaterThan(0);
      const jobId = await approvedDrain(false);
      const seen: JobProgress[] = [];
      await eventually(
        'the drain to count connections',
        async () => {
          const p = (await rig.producer.get(jobId))?.progress;
          if (p?.phase === 'waiting') seen.push(p);
          return (p?.wait?.activeConns ?? 0) > 0 ? true : undefined;
        },
        120_000,
      );
      // Weight 0 already: no new connection goes to web-2 while the old ones stay.
      expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-2')} Route 0`);
      await release(holder);
      const audit = await rig.producer.waitFor(jobId, 120_000);
      expect(audit.status, audit.summary ?? '').toBe('done');
      expect(seen[0]!.wait!.activeConns).toBeGreaterThan(0);
      expect(seen[0]!.message).toMatch(/web-2 \d+ active in web on lb1/);
      expect(audit.steps.find((s) => s.id === 'wait-drained')!.checks.at(-1)).toMatchObject({
        state: 'pass',
      });
      expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-2')} Route 0`);
      expect(
        await new DrainMemory(rig.redis, new JobKeys(rig.prefix)).get('lab', 'web-2', 'web'),
      ).toMatchObject({
        weight: 3,
        jobId,
      });

      const undrain = await rig.producer.undrainRequest({ realServer: 'web-2' });
      const restored = await rig.approvedRun(undrain);
      expect(restored.status, restored.summary ?? '').toBe('done');
      expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-2')} Route 3`);
      expect(await new DrainMemory(rig.redis, new JobKeys(rig.prefix)).get('lab', 'web-2', 'web')).toBeNull();
    } finally {
      await release(holder);
      await worker.close(0);
      await resetTable(lab);
    }
  });

  it('survives kill -9 of its worker mid-drain: another worker finishes it, nothing done twice', async () => {
    const holder = await holdConnections(lab, 10);
    const child = await runModule(
      `import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadInventory } from './dist/src/config/load-inventory.js';
import { PlaybookWorker } from './dist/src/workers/playbook-worker.js';
const inventory = await loadInventory(${JSON.stringify(lab.inventory)});
await PlaybookWorker.start({
  connect: () => new Redis(${JSON.stringify(TEST_REDIS_URL)}, { maxRetriesPerRequest: null }),
  inventory: inventory.value,
  logger: pino({ level: 'silent' }),
  prefix: ${JSON.stringify(rig.prefix)},
  name: 'worker-killed',
  lockDurationMs: 6000,
  stalledIntervalMs: 2000,
});
console.log('ready');`,
      {},
      60_000,
    );
    try {
      expect(await activeConns('web-2')).toBeGreaterThan(0);
      const jobId = await approvedDrain(true);
      await eventually(
        'the drain to wait for connections',
        async () => ((await rig.producer.get(jobId))?.progress?.phase === 'waiting' ? true : undefined),
        120_000,
      );
      await child.kill(); // SIGKILL: no shutdown, no hand-back
      const crashed = (await rig.producer.get(jobId))!.audit;
      expect(crashed.status).toBe('running');
      expect(crashed.attempts.map((a) => a.worker)).toEqual(['worker-killed']);

      await rig.startWorker({ name: 'worker-2' });
      await eventually(
        'worker-2 to resume the drain',
        async () =>
          (await rig.producer.get(jobId))!.audit.attempts.at(-1)?.worker === 'worker-2' ? true : undefined,
        60_000,
      );
      await release(holder);
      const audit = await rig.producer.waitFor(jobId, 120_000);
      expect(audit.status, audit.summary ?? '').toBe('done');
      expect(audit.attempts.map((a) => a.worker)).toEqual(['worker-killed', 'worker-2']);
      expect(audit.log.map((l) => l.text)).toContain('resumed by worker-2 (attempt 2)');
      const step = (id: string) => audit.steps.find((s) => s.id === id)!;
      // The weight was set once (by the killed worker); the removal once (by worker-2).
      expect(step('drain:web:lb1').commands.map((c) => c.argv.at(-1))).toEqual(['0']);
      expect(step('remove:web:lb1').commands).toHaveLength(1);
      expect(step('remove:web:lb1').commands[0]).toMatchObject({ outcome: 'ok', exitCode: 0 });
      expect(await tableOf(lab, 'lb1')).not.toContainEqual(expect.stringContaining(rip('web-2')));
      expect(readFileSync(rulesFile('lb2'), 'utf8')).not.toContain(rip('web-2'));
      // The kept weight is the one before the drain, not the 0 the resumed job found.
      expect(
        await new DrainMemory(rig.redis, new JobKeys(rig.prefix)).get('lab', 'web-2', 'web'),
      ).toMatchObject({
        weight: 1,
      });
    } finally {
      await release(holder);
      await child.kill();
    }
  });
});
