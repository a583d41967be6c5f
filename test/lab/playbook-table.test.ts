import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ssh } from './lab-client.js';
import { addressOf, type LabRig, labRig, resetTable, tableOf } from './playbook-support.js';

const lab = inject('lab');
const rulesFile = (d: string) => join(lab.stateDir, d, 'ha.d', 'ipvsadm.rules');
const rip = (name: string) => `${addressOf(lab, name)}:80`;
const ALL = ['web-1', 'web-2', 'web-3'].map((n) => `${rip(n)} Route 1`);

let rig: LabRig;
const savedRules: Record<string, string> = {};

beforeAll(async () => {
  for (const d of ['lb1', 'lb2']) savedRules[d] = readFileSync(rulesFile(d), 'utf8');
  rig = await labRig(lab);
  await rig.startWorker();
});
afterAll(async () => {
  await rig?.dispose();
  // Leave the lab as lab up made it: lb1's table and both rules files.
  await resetTable(lab);
  for (const d of ['lb1', 'lb2']) writeFileSync(rulesFile(d), savedRules[d]!);
});

describe('playbooks on the real directors (lab)', () => {
  it('remove-real-server: ipvsadm -d on lb1 (active), verified in the table, rules saved on both directors', async () => {
    const audit = await rig.approvedRun({ playbook: 'remove-real-server', realServer: 'web-2' });
    expect(audit.status, audit.summary ?? '').toBe('done');
    expect(audit.plan?.activeDirector).toBe('lb1');
    const remove = audit.steps.find((s) => s.id === 'remove:web:lb1')!;
    expect(remove.commands[0]).toMatchObject({
      host: 'lb1',
      argv: ['ipvsadm', '-d', '-t', `${lab.vip}:80`, '-r', rip('web-2')],
      exitCode: 0,
      outcome: 'ok',
    });
    expect(remove.checks.at(-1)).toMatchObject({ state: 'pass' });
    // lb2 stands by with no table loaded: it is not changed, its rules file is.
    expect(audit.steps.some((s) => s.id === 'remove:web:lb2')).toBe(false);
    expect(await tableOf(lab, 'lb1')).toEqual(ALL.filter((l) => !l.startsWith(rip('web-2'))));
    for (const d of ['lb1', 'lb2']) {
      const rules = readFileSync(rulesFile(d), 'utf8');
      expect(rules).toContain(`-a -t ${lab.vip}:80 -r ${rip('web-1')} -g -w 1`);
      expect(rules).not.toContain(rip('web-2'));
    }
  });

  it('remove-real-server again: already done, nothing run', async () => {
    const audit = await rig.approvedRun({ playbook: 'remove-real-server', realServer: 'web-2' });
    expect(audit.status).toBe('already-done');
    expect(audit.steps).toEqual([]);
  });

  it("restore-real-server: ipvsadm -a with the inventory's weight and forwarding", async () => {
    const audit = await rig.approvedRun({ playbook: 'restore-real-server', realServer: 'web-2' });
    expect(audit.status, audit.summary ?? '').toBe('done');
    expect(audit.steps[0]!.commands[0]!.argv).toEqual([
      'ipvsadm',
      '-a',
      '-t',
      `${lab.vip}:80`,
      '-r',
      rip('web-2'),
      '-g',
      '-w',
      '1',
    ]);
    expect(await tableOf(lab, 'lb1')).toEqual(ALL);
    expect(readFileSync(rulesFile('lb2'), 'utf8')).toContain(`-r ${rip('web-2')} -g -w 1`);
  });

  it('reweight: ipvsadm -e -w N, and the table shows it', async () => {
    const audit = await rig.approvedRun({ playbook: 'reweight', realServer: 'web-3', weight: 5 });
    expect(audit.status, audit.summary ?? '').toBe('done');
    expect(audit.plan?.undo).toBe('/lvs weight web-3 1 sets it back');
    expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-3')} Route 5`);
  });

  it('save-rules: the rules file on both directors is what ipvsadm -S -n prints on lb1', async () => {
    const audit = await rig.approvedRun({ playbook: 'save-rules' });
    expect(audit.status, audit.summary ?? '').toBe('done');
    const saved = await ssh(lab, 'lb1', 'ipvsadm -S -n');
    for (const d of ['lb1', 'lb2']) expect(readFileSync(rulesFile(d), 'utf8')).toBe(saved.stdout);
    expect(saved.stdout).toContain(`-r ${rip('web-3')} -g -w 5`);
  });

  it('stops with "table changed since approval" when the table changes between approval and run', async () => {
    const audit = await rig.approvedRun(
      { playbook: 'reweight', realServer: 'web-3', weight: 1 },
      {
        // Someone changes web-1 by hand after the approver saw the plan.
        beforeRun: async () => {
          const r = await ssh(lab, 'lb1', `ipvsadm -e -t ${lab.vip}:80 -r ${rip('web-1')} -g -w 2`);
          expect(r.code, r.stderr).toBe(0);
        },
      },
    );
    expect(audit.status).toBe('table-changed');
    expect(audit.summary).toContain('the table changed since approval');
    expect(audit.summary).toContain(`was: TCP ${lab.vip}:80 -> ${rip('web-1')} dr weight 1`);
    expect(audit.summary).toContain(`now: TCP ${lab.vip}:80 -> ${rip('web-1')} dr weight 2`);
    expect(audit.steps).toEqual([]);
    // Nothing ran: web-3 keeps weight 5. The record holds the new plan for a new approval.
    expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-3')} Route 5`);
    expect(audit.plan?.text).toContain('ipvsadm -e');
    await resetTable(lab);
  });

  it('refuses, by the capacity floor, to remove the last live real server of the VIP', async () => {
    const drain = (n: string) => `ipvsadm -e -t ${lab.vip}:80 -r ${rip(n)} -g -w 0`;
    const r = await ssh(lab, 'lb1', `${drain('web-1')}; ${drain('web-3')}`);
    expect(r.code, r.stderr).toBe(0);
    const audit = await rig.approvedRun({ playbook: 'remove-real-server', realServer: 'web-2' });
    expect(audit.status).toBe('refused');
    expect(audit.summary).toContain('would leave 0 live real servers');
    expect(audit.summary).toContain('an approver must override it explicitly');
    expect(audit.steps).toEqual([]);
    expect(await tableOf(lab, 'lb1')).toContain(`${rip('web-2')} Route 1`);
    await resetTable(lab);
  });
});
