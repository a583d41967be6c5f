import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Observed } from '../../src/playbooks/observed.js';
import { parseRead, type Read, readCommand } from '../../src/playbooks/reads.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { hostAccess } from '../../src/workers/host-access.js';
import { readHosts } from '../../src/workers/read-hosts.js';
import { TestSshd } from '../support/sshd.js';
import { inventoryYaml, loadYaml } from './worker-support.js';

let sshd: TestSshd;
let ssh: SshExecutor;
beforeAll(async () => {
  sshd = await TestSshd.start();
  ssh = new SshExecutor();
  // A mount point nobody uses, in the sshd's own mount namespace: fuser -m finds no one there.
  mkdirSync(`${sshd.dir}/quiet`);
  await ssh.run(sshd.target(), ['mount', '-t', 'tmpfs', 'quiet', '/run/lvs-sshd/quiet']);
});
afterAll(async () => {
  await ssh?.close();
  await sshd?.dispose();
});

const never = new AbortController().signal;

describe('reads of one host batched into one SSH command', () => {
  it('give each read the same value as running it alone, in one session', async () => {
    const inventory = loadYaml(inventoryYaml(sshd, sshd));
    const access = hostAccess(ssh, inventory, inventory.clusters[0]!);
    const reads: Read[] = [
      { kind: 'heartbeat', host: 'lb1' },
      { kind: 'addresses', host: 'lb1' },
      { kind: 'mounts', host: 'lb1' },
      { kind: 'mount-users', host: 'lb1', mountPoint: '/run/lvs-sshd/quiet' },
      // Fails here (no IPVS in this kernel): its failure must not spoil the others.
      { kind: 'ipvs-table', host: 'lb1' },
    ];
    const sessionsBefore = sshd.sessionsStarted();
    const observed = new Observed();
    expect(await readHosts(observed, reads, access, never)).toEqual([]);
    expect(sshd.sessionsStarted() - sessionsBefore).toBe(1);

    for (const read of reads.slice(0, 4)) {
      const { argv, okCodes } = readCommand(read);
      const alone = parseRead(read as never, await ssh.run(access.target('lb1'), argv, { okCodes }));
      expect(alone.ok).toBe(true);
      expect(observed.get(read as never)).toMatchObject({ ok: true, value: alone.ok ? alone.value : null });
    }
    expect(observed.value({ kind: 'heartbeat', host: 'lb1' })).toBe('stopped');
    expect(observed.value({ kind: 'mount-users', host: 'lb1', mountPoint: '/run/lvs-sshd/quiet' })).toEqual(
      [],
    );
    expect(observed.failure({ kind: 'ipvs-table', host: 'lb1' })).toMatch(/^ipvsadm -L -n exited with \d+/);
  });

  it('reads nothing again that is fresh, and reads again what a command made stale', async () => {
    const inventory = loadYaml(inventoryYaml(sshd, sshd));
    const access = hostAccess(ssh, inventory, inventory.clusters[0]!);
    const observed = new Observed();
    const reads: Read[] = [
      { kind: 'mounts', host: 'lb1' },
      { kind: 'addresses', host: 'lb1' },
    ];
    await readHosts(observed, reads, access, never);
    const before = sshd.sessionsStarted();
    await readHosts(observed, reads, access, never);
    expect(sshd.sessionsStarted()).toBe(before);
    observed.invalidateHost('lb1');
    await readHosts(observed, reads, access, never);
    expect(sshd.sessionsStarted()).toBe(before + 1);
  });
});
