import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LabStatus, labDown, labStatus, labUp } from '../../src/lab/index.js';

/**
 * Boots one real lab for the `lab` project (two UML directors with IPVS and heartbeat, three
 * real servers, mon, a client) and removes it when the run ends.
 *
 * Tests get the lab's `lab status --json` (docs/interfaces.md, "The lab's fixed names") with `inject('lab')`:
 *
 *   import { inject } from 'vitest';
 *   const lab = inject('lab');   // lab.hosts, lab.vip, lab.inventory, lab.stateDir, lab.client …
 *
 * and drive it with the lab API (`breakHost(name, { stateDir: lab.stateDir })`, …) or the
 * CLI (`lvs-chatops lab … --state ${lab.stateDir}`). A test that breaks something heals it
 * before it ends: the next test expects lb1 active and every real server serving.
 *
 * Several runs may go on at once on one machine (developers, CI): each claims a slot, and its
 * labs get the slot's own prefix, subnet and state directory, beside a lab brought up by hand
 * with the defaults (`lvs-chatops lab up`) or the demo's. `inject('labSlot')` gives the slot.
 */
export const LAB_SLOTS = 4;

/** The run's shared lab: prefix lt0…, 10.210.8.0/23, 10.210.12.0/23, … */
export function testLab(slot: number) {
  return {
    prefix: `lt${slot}`,
    stateDir: `/run/lvs-chatops-lab-test-${slot}`,
    subnet: `10.210.${8 + 4 * slot}.0/23`,
  };
}

/** A second lab a test may boot and tear down itself (lab-down.test.ts). */
export function spareTestLab(slot: number) {
  return {
    prefix: `ld${slot}`,
    // Under the home directory (the shared lab's is under /run): each real server's sshd puts an
    // empty tmpfs over /root, and must bind a state directory there back into view.
    stateDir: join(homedir(), `lvs-chatops-lab-spare-${slot}`),
    subnet: `10.210.${10 + 4 * slot}.0/23`,
  };
}

/**
 * mon also calls the project's slack.alert (docs/interfaces.md, "Scripts for the cluster's hosts"), pointed at this port on this
 * machine's front address: a test that listens there receives mon's alerts as the bot would.
 */
export function alertHook(slot: number) {
  return { address: `10.210.${8 + 4 * slot}.254`, port: 39200, token: 'lab-test-ingest-token' };
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabStatus;
    labSlot: number;
  }
}

const claimFile = (slot: number) => `/run/lvs-chatops-lab-test-${slot}.claim`;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The first slot no live run holds: a claim file made exclusively, naming this process. */
function claimSlot(): number {
  for (let slot = 0; slot < LAB_SLOTS; slot++) {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(claimFile(slot), `${process.pid}\n`, { flag: 'wx' });
        return slot;
      } catch {
        const holder = Number(readFileSync(claimFile(slot), 'utf8').trim());
        if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) break;
        // A run killed before its teardown: its claim (and maybe its lab) is stale.
        rmSync(claimFile(slot), { force: true });
      }
    }
  }
  throw new Error(`${LAB_SLOTS} lab test runs are going on on this machine already (${claimFile(0)} …)`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[lab] ${line}\n`);
  const slot = claimSlot();
  const lab = testLab(slot);
  const hook = alertHook(slot);
  try {
    // A run killed before its teardown may have left this slot's labs up.
    await labDown({ stateDir: lab.stateDir, prefix: lab.prefix }, log);
    await labDown({ stateDir: spareTestLab(slot).stateDir, prefix: spareTestLab(slot).prefix }, log);
    await labUp(
      {
        ...lab,
        monAlert: join(import.meta.dirname, '..', '..', 'contrib', 'mon', 'slack.alert'),
        monEnv: { LVS_CHATOPS_URL: `http://${hook.address}:${hook.port}`, LVS_CHATOPS_TOKEN: hook.token },
      },
      log,
    );
    project.provide('lab', await labStatus(lab.stateDir));
    project.provide('labSlot', slot);
  } catch (e) {
    rmSync(claimFile(slot), { force: true });
    throw e;
  }
  return async () => {
    await labDown({ stateDir: lab.stateDir }, () => {});
    rmSync(claimFile(slot), { force: true });
  };
}
