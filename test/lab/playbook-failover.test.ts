import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { breakHost, healHost, labStatus } from '../../src/lab/index.js';
import { DrainMemory } from '../../src/queues/drain-memory.js';
import type { AuditRecord } from '../../src/queues/job-audit.js';
import { JobKeys } from '../../src/queues/job-keys.js';
import type { CommandRunner } from '../../src/ssh/command-runner.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { eventually, holdConnections, release } from './lab-client.js';
import {
  APPROVER,
  addressOf,
  type LabRig,
  labRig,
  OPERATOR,
  resetTable,
  tableOf,
} from './playbook-support.js';

/**
 * The active director fails over in the middle of a job (issue #10): lb1's heartbeat stops,
 * lb2 takes the VIP and loads its table from the rules file. A drain that lb2 carries (the job
 * saved weight 0 to lb2's rules file) goes on on lb2 and says so; one lb2 does not carry, and a
 * weight change caught half way, stop without touching lb2 and name both directors' state.
 */

const lab = inject('lab');
const state = { stateDir: lab.stateDir };
const rulesFile = (d: string) => join(lab.stateDir, d, 'ha.d', 'ipvsadm.rules');
const rip = (name: string) => `${addressOf(lab, name)}:80`;
const inventoryTable = ['web-1', 'web-2', 'web-3'].map((n) => `${rip(n)} Route 1`).sort();

let rig: LabRig;
const savedRules: Record<string, string> = {};

beforeAll(async () => {
  for (const d of ['lb1', 'lb2']) savedRules[d] = readFileSync(rulesFile(d), 'utf8');
  rig = await labRig(lab);
});

/** Whatever a test did: the rules as `lab up` wrote them, lb1 active again, the inventory's weights. */
afterEach(async () => {
  for (const d of ['lb1', 'lb2']) writeFileSync(rulesFile(d), savedRules[d]!);
  if ((await labStatus(lab.stateDir)).active !== 'lb1') await healHost('lb1', { ...state, wait: true });
  await resetTable(lab);
  expect(await tableOf(lab, 'lb1')).toEqual(inventoryTable);
});

afterAll(async () => {
  await rig?.dispose();
});

/** A drain of web-2 approved on the dry run's snapshot; its job id. */
async function approvedDrain(): Promise<string> {
  const request = {
    playbook: 'drain',
    realServer: 'web-2',
    timeoutMs: 180_000,
    intervalMs: 1_000,
    remove: false,
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

/** Until the drain counts web-2's connections on lb1: the point where lb1 is made to fail over. */
async function drainCountingOnLb1(jobId: string): Promise<string> {
  return eventually(
    'the drain to count connections on lb1',
    async () => {
      const p = (await rig.producer.get(jobId))?.progress;
      return p?.phase === 'waiting' && (p.wait?.activeConns ?? 0) > 0 ? p.message : undefined;
    },
    120_000,
  );
}

/** Every ipvsadm command the job ran (reads are not steps' commands): the table changes. */
function tableChanges(audit: AuditRecord): { host: string; argv: string[] }[] {
  return audit.steps
    .flatMap((s) => s.commands)
    .filter((c) => c.argv[0] === 'ipvsadm')
    .map((c) => ({ host: c.host, argv: c.argv }));
}

/** Exactly one table change: web-2's weight set to `weight` on lb1 (`ipvsadm -e … -w N`). */
function onlyWeightChangeOnLb1(audit: AuditRecord, weight: number): void {
  const changes = tableChanges(audit);
  expect(changes).toHaveLength(1);
  expect(changes[0]!.host).toBe('lb1');
  expect(changes[0]!.argv.slice(0, 2)).toEqual(['ipvsadm', '-e']);
  expect(changes[0]!.argv).toContain(rip('web-2'));
  expect(changes[0]!.argv.slice(-2)).toEqual(['-w', String(weight)]);
}

const step = (audit: AuditRecord, id: string) => {
  const found = audit.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}: ${audit.steps.map((s) => s.id).join(', ')}`);
  return found;
};

describe('the active director fails over in the middle of a job', () => {
  it('a drain that lb2 carries (weight 0 from the rules file) goes on on lb2 and says so in its result', async () => {
    const worker = await rig.startWorker({ name: 'worker-drain-follows' });
    const holder = await holdConnections(lab, 10);
    try {
      const jobId = await approvedDrain();
      expect(await drainCountingOnLb1(jobId)).toMatch(/web-2 \d+ active in web on lb1/);
      // The job saved weight 0 to lb2's rules file before it waited: what lb2 loads on takeover.
      expect(readFileSync(rulesFile('lb2'), 'utf8')).toMatch(new RegExp(`-r ${rip('web-2')} -g -w 0`));

      const failover = await breakHost('lb1', { ...state, wait: true });
      expect(failover.active).toBe('lb2');

      const audit = await rig.producer.waitFor(jobId, 120_000);
      expect(audit.status, audit.summary ?? '').toBe('done');
      expect(audit.summary).toContain('lb1 failed over to lb2 during the drain; continued on lb2');
      expect(audit.summary).toMatch(/\(on lb2; /);
      // The real tables: lb2 serves with web-2 drained, lb1 released everything.
      expect(await tableOf(lab, 'lb2')).toEqual(
        [`${rip('web-1')} Route 1`, `${rip('web-2')} Route 0`, `${rip('web-3')} Route 1`].sort(),
      );
      expect(await tableOf(lab, 'lb1')).toEqual([]);
      // Nothing done twice: weight 0 was set once, on lb1; on lb2 it was found, not set.
      onlyWeightChangeOnLb1(audit, 0);
      const onLb2 = step(audit, 'failover-1:drain:web:lb2');
      expect(onLb2).toMatchObject({ state: 'skipped', acted: false });
      expect(onLb2.checks.at(-1)).toMatchObject({ state: 'pass' });
      expect(onLb2.checks.at(-1)!.detail).toContain('weight 0');
      expect(step(audit, 'wait-drained').note).toContain('lb1 failed over to lb2');
      // The connections through lb1 broke with it (no connection sync): lb2 counts none.
      expect(step(audit, 'failover-1:wait-drained').checks.at(-1)).toMatchObject({ state: 'pass' });
      expect(step(audit, 'failover-1:wait-drained').checks.at(-1)!.detail).toContain('on lb2');
      expect(audit.plan?.activeDirector).toBe('lb2');
      expect(audit.log.map((l) => l.text).join('\n')).toMatch(
        /continued on lb2\. lb1 \(was active\): web is not in its table; lb2 \(active now\): web-2 weight 0 in web/,
      );
      // /lvs undrain later gives back the weight web-2 had on lb1 before the drain.
      expect(
        await new DrainMemory(rig.redis, new JobKeys(rig.prefix)).get('lab', 'web-2', 'web'),
      ).toMatchObject({ weight: 1, jobId });
    } finally {
      await release(holder);
      await worker.close(0);
    }
  });

  it('a drain whose director crashes (lb1 killed, unreachable) goes on on lb2 and says lb1 could not be read', async () => {
    const worker = await rig.startWorker({ name: 'worker-drain-crash' });
    const holder = await holdConnections(lab, 10);
    try {
      const jobId = await approvedDrain();
      await drainCountingOnLb1(jobId);
      expect((await breakHost('lb1', { ...state, kill: true, wait: true })).active).toBe('lb2');

      // The pooled SSH session to the dead lb1 ends by its keepalive or the command timeout.
      const audit = await rig.producer.waitFor(jobId, 240_000);
      expect(audit.status, audit.summary ?? '').toBe('done');
      expect(audit.summary).toContain('lb1 failed over to lb2 during the drain; continued on lb2');
      expect(audit.log.map((l) => l.text).join('\n')).toMatch(
        /lb1 \(was active\): its table could not be read \(.+\); lb2 \(active now\): web-2 weight 0 in web/,
      );
      expect(await tableOf(lab, 'lb2')).toEqual(
        [`${rip('web-1')} Route 1`, `${rip('web-2')} Route 0`, `${rip('web-3')} Route 1`].sort(),
      );
      onlyWeightChangeOnLb1(audit, 0);
    } finally {
      await release(holder);
      await worker.close(0);
    }
  });

  it("a drain that lb2 does not carry stops, runs nothing on lb2, and names both directors' state", async () => {
    const worker = await rig.startWorker({ name: 'worker-drain-stops' });
    const holder = await holdConnections(lab, 10);
    try {
      const jobId = await approvedDrain();
      await drainCountingOnLb1(jobId);
      // lb2's rules file as it was before the drain (a standby that missed the save).
      writeFileSync(rulesFile('lb2'), savedRules.lb2!);

      expect((await breakHost('lb1', { ...state, wait: true })).active).toBe('lb2');

      const audit = await rig.producer.waitFor(jobId, 120_000);
      expect(audit.status, audit.summary ?? '').toBe('failed');
      expect(audit.summary).toContain(
        'lb1 failed over to lb2 during the drain; stopped, nothing was run on lb2',
      );
      expect(audit.summary).toContain('lb1 (was active): web is not in its table');
      expect(audit.summary).toMatch(/lb2 \(active now\): web-2 weight 1 in web/);
      expect(audit.summary).toContain('ask again');
      // lb2 serves with every real server as its rules file has them; nothing was run there.
      expect(await tableOf(lab, 'lb2')).toEqual(inventoryTable);
      onlyWeightChangeOnLb1(audit, 0);
      expect(step(audit, 'wait-drained')).toMatchObject({ state: 'skipped' });
      expect(step(audit, 'wait-drained').note).toContain('stopped here: lb1 failed over to lb2');
    } finally {
      await release(holder);
      await worker.close(0);
    }
  });

  it("a weight change caught by the failover stops: lb2 is left alone and its rules file never gets lb1's emptied table", async () => {
    // The real executor; once lb1 has run the weight change, lb1's heartbeat is stopped before the
    // job goes on: the failover lands between the change and its verification, every time.
    const executor = new SshExecutor();
    let fired = false;
    const runner: CommandRunner = {
      async run(target, argv, options) {
        const result = await executor.run(target, argv, options);
        if (!fired && target.name === 'lb1' && argv[0] === 'ipvsadm' && argv.includes('-e')) {
          fired = true;
          await breakHost('lb1', { ...state, wait: true });
        }
        return result;
      },
    };
    const worker = await rig.startWorker({ name: 'worker-reweight', runner });
    try {
      const audit = await rig.approvedRun({ playbook: 'reweight', realServer: 'web-2', weight: 3 });
      expect(fired).toBe(true);
      expect(audit.status, audit.summary ?? '').toBe('failed');
      expect(audit.summary).toContain(
        'lb1 failed over to lb2 during the weight change; stopped, nothing was run on lb2',
      );
      expect(audit.summary).toContain('lb1 (was active): web is not in its table');
      expect(audit.summary).toMatch(/lb2 \(active now\): web-2 weight 1 in web/);
      expect(await tableOf(lab, 'lb2')).toEqual(inventoryTable);
      onlyWeightChangeOnLb1(audit, 3);
      expect(step(audit, 'weight:web:lb1')).toMatchObject({ state: 'failed', acted: true });
      expect(step(audit, 'weight:web:lb1').note).toContain('stopped here: lb1 failed over to lb2');
      // No save ran: lb1's table was empty by then, and saving it would have emptied lb2's rules.
      for (const s of audit.steps.filter((x) => x.id.startsWith('persist'))) {
        expect(s).toMatchObject({ state: 'skipped', commands: [] });
      }
      expect(readFileSync(rulesFile('lb2'), 'utf8')).toBe(savedRules.lb2);
      expect(readFileSync(rulesFile('lb1'), 'utf8')).toBe(savedRules.lb1);
    } finally {
      await worker.close(0);
      await executor.close();
    }
  });
});
