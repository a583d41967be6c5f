import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LabError, labDown, labOptionsSchema, labUp, planLab } from '../../src/lab/index.js';
import { ensureDist } from '../support/dist.js';
import { spareTestLab } from './global-setup.js';
import { eventually, run } from './lab-client.js';

// A lab of its own beside the shared one (the run's spare prefix, subnet and state directory).
const LAB = spareTestLab(inject('labSlot'));
const plan = planLab(labOptionsSchema.parse(LAB));
const ROOT = join(import.meta.dirname, '..', '..');

interface Traces {
  netns: string[];
  links: string[];
  mounts: string[];
  processes: string[];
  stateDir: boolean;
}

/** Everything of this lab visible on the machine: namespaces, links, mounts, processes, files. */
function traces(): Traces {
  const mine = (s: string) => s.startsWith(`${LAB.prefix}-`);
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
    } catch {
      continue;
    }
    if (cmdline.includes(LAB.stateDir) || cmdline.includes(`umid=${LAB.prefix}-`))
      processes.push(`${pid} ${cmdline}`);
  }
  return {
    netns: existsSync('/run/netns') ? readdirSync('/run/netns').filter(mine).sort() : [],
    links: readdirSync('/sys/class/net').filter(mine).sort(),
    mounts: readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(LAB.stateDir) || l.includes(`/${LAB.prefix}-`)),
    processes,
    stateDir: existsSync(LAB.stateDir),
  };
}

/** The built CLI (npm test builds first; test/support/dist.ts rebuilds a stale one). */
async function builtCli(): Promise<string> {
  await ensureDist();
  return join(ROOT, 'bin', 'lvs-chatops.js');
}

describe('lab down', () => {
  let before: Traces;
  beforeAll(async () => {
    await labDown(LAB);
    before = traces();
  });
  afterAll(async () => {
    await labDown(LAB);
  });

  it('removes every namespace, link, mount, process and file that lab up made', async () => {
    await labUp(LAB);
    const during = traces();
    expect(during.netns).toEqual([plan.client.netns, ...plan.realServers.map((r) => r.netns)].sort());
    expect(during.links).toHaveLength(10);
    expect(during.processes.length).toBeGreaterThanOrEqual(8);
    expect(during.stateDir).toBe(true);

    await labDown(LAB);
    expect(traces()).toEqual(before);
  });

  it('refuses a second lab up over a live lab, and cleans up after a lab up killed half way', async () => {
    const cli = await builtCli();
    const args = ['lab', 'up', '--prefix', LAB.prefix, '--state', LAB.stateDir, '--subnet', LAB.subnet];
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    // Kill it once the directors are booting: processes, namespaces and links exist, no teardown runs.
    await eventually(
      'lab up to start its directors',
      async () => {
        try {
          const state = JSON.parse(readFileSync(join(LAB.stateDir, 'state.json'), 'utf8'));
          return state.processes.length >= 4 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    child.kill('SIGKILL');
    await sleep(500);
    expect(traces().netns.length).toBeGreaterThan(0);

    const again = await labUp(LAB).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(LabError);
    expect((again as LabError).code).toBe('LAB_ALREADY_UP');
    expect((again as LabError).message).toContain(`lvs-chatops lab down --state ${LAB.stateDir}`);

    await labDown(LAB);
    expect(traces()).toEqual(before);
  });

  it('lab up --bare brings up hosts with sshd only (no VIP, no IPVS table, no heartbeat), and cleans a stale lab left by a crash', async () => {
    await labUp({ ...LAB, bare: true });
    const key = join(LAB.stateDir, 'keys', 'id_ed25519');
    const known = join(LAB.stateDir, 'keys', 'known_hosts');
    const ssh = (address: string, command: string) =>
      run('ssh', [
        '-F',
        '/dev/null',
        '-i',
        key,
        '-o',
        `UserKnownHostsFile=${known}`,
        '-o',
        'BatchMode=yes',
        `root@${address}`,
        command,
      ]);
    const lb1 = await ssh(
      plan.directors[0].frontAddress,
      `ipvsadm -S -n; ${LAB.stateDir}/bin/director-ctl state; ip -o -4 addr show`,
    );
    expect(lb1.code, lb1.stderr).toBe(0);
    expect(lb1.stdout).toContain('heartbeat=stopped ipvs_services=0 mon=stopped');
    expect(lb1.stdout).not.toContain(`${plan.vip}/`);
    const web1 = await ssh(plan.realServers[0].address, 'ip -o -4 addr show dev lo; hostname');
    expect(web1.stdout).not.toContain(`${plan.vip}/`);
    expect(web1.stdout).toContain('web-1');

    // A crash of the whole machine's userland: every lab process dies, the rest stays.
    const state = JSON.parse(readFileSync(join(LAB.stateDir, 'state.json'), 'utf8'));
    for (const p of state.processes) {
      try {
        process.kill(p.group ? -p.pid : p.pid, 'SIGKILL');
      } catch {}
    }
    await eventually(
      'the lab processes to die',
      async () => (traces().processes.length === 0 ? true : undefined),
      10_000,
    );
    expect(traces().links.length).toBeGreaterThan(0);

    await labUp({ ...LAB, bare: true });
    expect(traces().netns).toHaveLength(4);
    await labDown(LAB);
    expect(traces()).toEqual(before);
  });
});
