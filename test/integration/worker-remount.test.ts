import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { OPERATOR, processesRunning, startRig, until, type WorkerRig } from './worker-support.js';

let rig: WorkerRig;
let ssh: SshExecutor;
beforeAll(async () => {
  rig = await startRig();
  rig.setPlan(undefined);
  await rig.startWorker();
  // /run/lvs-sshd is this directory inside the sshd's own mount namespace: the mounts stay there.
  mkdirSync(`${rig.lb1.dir}/www`);
  ssh = new SshExecutor();
});
afterAll(async () => {
  await ssh?.close();
  await rig?.dispose();
});

async function mountsOnLb1(): Promise<string[]> {
  const { stdout } = await ssh.run(rig.lb1.target({ name: 'lb1' }), ['cat', '/proc/mounts']);
  return stdout.split('\n').filter((l) => l.includes('/run/lvs-sshd/www'));
}

describe('remount-fileset, for real (tmpfs in the sshd host namespace)', () => {
  it("mounts with the inventory's argv and verifies it in /proc/mounts", async () => {
    expect(await mountsOnLb1()).toEqual([]);
    const { jobId } = await rig.producer.requestRun(
      { playbook: 'remount-fileset', fileset: 'www' },
      OPERATOR,
    );
    const audit = await rig.producer.waitFor(jobId, 20_000);
    expect(audit.status).toBe('done');
    expect(audit.steps.map((s) => s.id)).toEqual(['mount:lb1']);
    expect(audit.steps[0]!.checks.at(-1)).toMatchObject({ state: 'pass' });
    expect(audit.steps[0]!.checks.at(-1)!.detail).toContain('/run/lvs-sshd/www on lb1: lvs-www tmpfs');
    expect(await mountsOnLb1()).toEqual([expect.stringMatching(/^lvs-www \/run\/lvs-sshd\/www tmpfs /)]);
  });

  it('unmounts then mounts again when it is mounted', async () => {
    const { jobId } = await rig.producer.requestRun(
      { playbook: 'remount-fileset', fileset: 'www' },
      OPERATOR,
    );
    const audit = await rig.producer.waitFor(jobId, 20_000);
    expect(audit.status).toBe('done');
    expect(audit.steps.map((s) => [s.id, s.state])).toEqual([
      ['unmount:lb1', 'done'],
      ['mount:lb1', 'done'],
    ]);
    expect(audit.steps[0]!.commands[0]!.argv).toEqual(['umount', '/run/lvs-sshd/www']);
    expect(await mountsOnLb1()).toHaveLength(1);
  });

  it('is refused while a process uses the mount point, naming it, and goes once it is gone', async () => {
    const holder = new AbortController();
    const holding = ssh
      .run(rig.lb1.target({ name: 'lb1' }), ['sh', '-c', 'cd /run/lvs-sshd/www && exec sleep 317'], {
        signal: holder.signal,
        timeoutMs: 120_000,
      })
      .catch(() => undefined);
    const [pid] = await until('the holder', async () => {
      const pids = await processesRunning('sleep', '317');
      return pids.length > 0 ? pids : undefined;
    });
    const { jobId } = await rig.producer.requestRun(
      { playbook: 'remount-fileset', fileset: 'www' },
      OPERATOR,
    );
    const refused = await rig.producer.waitFor(jobId, 20_000);
    expect(refused.status).toBe('refused');
    expect(refused.summary).toContain(`/run/lvs-sshd/www on lb1 is in use by pid ${pid}`);
    expect(refused.summary).toContain('--force');
    expect(refused.steps).toEqual([]);
    holder.abort();
    await holding;
    await until('the holder to end', async () => (await processesRunning('sleep', '317')).length === 0);
    const again = await rig.producer.requestRun({ playbook: 'remount-fileset', fileset: 'www' }, OPERATOR);
    expect((await rig.producer.waitFor(again.jobId, 20_000)).status).toBe('done');
  });
});
