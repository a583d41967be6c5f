import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healHost, labStatus } from '../../src/lab/index.js';
import { eventually, ssh } from './lab-client.js';
import { type LabRig, labRig, OPERATOR, tableOf } from './playbook-support.js';

const lab = inject('lab');

let rig: LabRig;
beforeAll(async () => {
  rig = await labRig(lab);
  await rig.startWorker();
});
afterAll(async () => {
  await rig?.dispose();
  // Whatever happened here, the next file expects lb1 active.
  if ((await labStatus(lab.stateDir)).active !== 'lb1')
    await healHost('lb1', { stateDir: lab.stateDir, wait: true });
});

async function holdsVip(director: string): Promise<boolean> {
  const r = await ssh(lab, director, 'ip -o -4 addr show');
  return r.stdout.includes(` ${lab.vip}/32 `);
}

describe('force-failback on the real heartbeat pair', () => {
  it('moves the VIP and the table back to lb1 and proves it with cl_status, ip addr and ipvsadm', async () => {
    // lb1 hands its resources to lb2 while staying up: a failover that auto_failback does not undo.
    const standby = await ssh(lab, 'lb1', '/usr/share/heartbeat/hb_standby all');
    expect(standby.code, standby.stderr).toBe(0);
    await eventually(
      'lb2 to hold the VIP',
      async () => ((await holdsVip('lb2')) ? true : undefined),
      120_000,
    );
    await eventually('lb1 to release it', async () => (!(await holdsVip('lb1')) ? true : undefined), 60_000);

    const audit = await rig.approvedRun({ playbook: 'force-failback' });
    expect(audit.status, audit.summary ?? '').toBe('done');
    expect(audit.plan?.activeDirector).toBe('lb2');
    const takeover = audit.steps[0]!;
    expect(takeover.commands[0]).toMatchObject({
      host: 'lb1',
      argv: ['/usr/share/heartbeat/hb_takeover', 'local'],
      exitCode: 0,
    });
    expect(takeover.checks.at(-1)).toMatchObject({ state: 'pass' });
    expect(takeover.checks.at(-1)!.detail).toContain(
      `lb1 holds ${lab.vip}, its heartbeat resources and its table`,
    );

    expect(await holdsVip('lb1')).toBe(true);
    expect(await holdsVip('lb2')).toBe(false);
    expect((await ssh(lab, 'lb1', 'cl_status rscstatus')).stdout.trim()).toMatch(/^(all|local)$/);
    expect(await tableOf(lab, 'lb1')).toHaveLength(3);
  });

  it('is already done when lb1 holds everything', async () => {
    const audit = await rig.approvedRun({ playbook: 'force-failback' });
    expect(audit.status).toBe('already-done');
    expect(audit.steps).toEqual([]);
  });
});

describe('remount-fileset on a real director', () => {
  it("unmounts and mounts lb1's fileset with the inventory's commands, verified in /proc/mounts", async () => {
    const before = await ssh(lab, 'lb1', 'grep " /srv/www " /proc/mounts');
    expect(before.stdout).toContain('/srv/www ext2');
    const { jobId } = await rig.producer.requestRun(
      { playbook: 'remount-fileset', fileset: 'www', host: 'lb1' },
      OPERATOR,
    );
    const audit = await rig.producer.waitFor(jobId, 120_000);
    expect(audit.status, audit.summary ?? '').toBe('done');
    expect(audit.steps.map((s) => [s.id, s.state])).toEqual([
      ['unmount:lb1', 'done'],
      ['mount:lb1', 'done'],
    ]);
    expect(audit.steps[1]!.commands[0]!.argv.slice(0, 5)).toEqual(['mount', '-t', 'ext2', '-o', 'loop']);
    expect(audit.steps[1]!.checks.at(-1)).toMatchObject({ state: 'pass' });
    const after = await ssh(lab, 'lb1', 'grep " /srv/www " /proc/mounts; cat /srv/www/index.html');
    expect(after.stdout).toContain('/srv/www ext2');
    expect(after.stdout).toContain('fileset www on lb1');
  });
});
