import { afterAll, describe, expect, inject, it } from 'vitest';
import { breakHost, healHost, labStatus } from '../../src/lab/index.js';
import { curlVip, eventually, realServersOf, ssh } from './lab-client.js';

const lab = inject('lab');
const state = { stateDir: lab.stateDir };
const realServers = lab.hosts.filter((h) => h.role === 'real-server').map((h) => `${h.address}:80 Route 1`);

async function table(director: string): Promise<string[]> {
  const r = await ssh(lab, director, 'ipvsadm -L -n');
  expect(r.code, r.stderr).toBe(0);
  return realServersOf(r.stdout, lab.vip, 80).sort();
}

async function servesThroughVip(): Promise<void> {
  for (let i = 0; i < 3; i++) expect(['web-1', 'web-2', 'web-3']).toContain(await curlVip(lab));
}

// heartbeat between two UML directors: each step below takes seconds, so one file runs them in order.
describe('heartbeat between lb1 and lb2', () => {
  afterAll(async () => {
    // Leave lb1 active for whatever runs next, whatever failed here.
    const status = await labStatus(lab.stateDir);
    if (status.active !== 'lb1') await healHost('lb1', { ...state, wait: true });
  });

  it("moves the VIP and the full IPVS table to lb2 when lb1's heartbeat stops, and curl through the VIP still works", async () => {
    const result = await breakHost('lb1', { ...state, wait: true });
    expect(result.active).toBe('lb2');
    expect(await table('lb2')).toEqual(realServers.sort());
    expect(await table('lb1')).toEqual([]);
    await servesThroughVip();
    // mon follows the VIP: it is part of the resource group.
    await eventually(
      'mon to run on lb2',
      async () =>
        (await ssh(lab, 'lb2', `${lab.stateDir}/bin/director-ctl state`)).stdout.includes('mon=running')
          ? true
          : undefined,
      20_000,
    );
    expect((await ssh(lab, 'lb1', `${lab.stateDir}/bin/director-ctl state`)).stdout).toContain(
      'heartbeat=stopped ipvs_services=0 mon=stopped',
    );
    expect((await labStatus(lab.stateDir)).hosts.find((h) => h.name === 'lb1')?.fault).toBe(
      'heartbeat-stopped',
    );
  });

  it('gives the VIP back to lb1 when its heartbeat starts again (auto_failback on)', async () => {
    const result = await healHost('lb1', { ...state, wait: true });
    expect(result.active).toBe('lb1');
    expect(await table('lb1')).toEqual(realServers.sort());
    await servesThroughVip();
    const lb2 = await ssh(lab, 'lb2', `${lab.stateDir}/bin/director-ctl state`);
    expect(lb2.stdout).toContain('heartbeat=running ipvs_services=0 mon=stopped');
  });

  it('fails over to lb2 when lb1 crashes (its UML killed), and back when lb1 boots again', async () => {
    const crash = await breakHost('lb1', { ...state, kill: true, wait: true });
    expect(crash.active).toBe('lb2');
    expect(await table('lb2')).toEqual(realServers.sort());
    await servesThroughVip();

    const reboot = await healHost('lb1', { ...state, wait: true });
    expect(reboot.active).toBe('lb1');
    expect(await table('lb1')).toEqual(realServers.sort());
    await servesThroughVip();
  });
});
