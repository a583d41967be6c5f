import { describe, expect, it } from 'vitest';
import { TABLE_CHANGING_PLAYBOOKS } from '../../src/config/inventory.js';
import { parseInventory, validateInventory } from '../../src/config/load-inventory.js';
import { labOptionsSchema } from '../../src/lab/lab-options.js';
import { type LabHostName, planLab } from '../../src/lab/lab-plan.js';
import { buildLabInventory, renderLabInventory } from '../../src/lab/render/lab-inventory.js';

const plan = planLab(labOptionsSchema.parse({}));
// Real ed25519 public keys (those of test/fixtures/inventory/lab-shape.yml), as ssh-keygen writes them.
const keys = [
  'AAAAC3NzaC1lZDI1NTE5AAAAIGWyv5Csts/Bo7RKv58JqFTuyVv/W195sebOWen4VeAz',
  'AAAAC3NzaC1lZDI1NTE5AAAAIAg7dvWfEQ2zXO5OENBGJPI0uLVuQD4KR+SGtow8xCzS',
  'AAAAC3NzaC1lZDI1NTE5AAAAIK8CySMidXSNccBDy0ZYL3CJx6+FuuLP5GfDcYnX+Uza',
  'AAAAC3NzaC1lZDI1NTE5AAAAIGWyv5Csts/Bo7RKv58JqFTuyVv/W195sebOWen4VeAz',
  'AAAAC3NzaC1lZDI1NTE5AAAAIAg7dvWfEQ2zXO5OENBGJPI0uLVuQD4KR+SGtow8xCzS',
];
const hostKeys = Object.fromEntries(
  (['lb1', 'lb2', 'web-1', 'web-2', 'web-3'] as LabHostName[]).map((h, i) => [h, `ssh-ed25519 ${keys[i]}`]),
) as Record<LabHostName, string>;

describe("the lab's inventory", () => {
  it('passes the inventory schema and cross-checks (config check)', () => {
    const result = validateInventory(buildLabInventory(plan, hostKeys));
    expect(result.ok ? [] : result.error).toEqual([]);
  });

  it("says heartbeat's auto_failback as the lab runs it", () => {
    expect(buildLabInventory(plan, hostKeys).clusters[0]!.heartbeat?.autoFailback).toBe(true);
    const off = planLab(labOptionsSchema.parse({ autoFailback: false }));
    expect(buildLabInventory(off, hostKeys).clusters[0]!.heartbeat?.autoFailback).toBe(false);
  });

  it('reads back from the YAML lab up writes', () => {
    const result = parseInventory(renderLabInventory(plan, hostKeys));
    expect(result.ok ? [] : result.error).toEqual([]);
  });

  it('has the fixed Slack section and asks for approval of every table change with two persons', () => {
    const inv = buildLabInventory(plan, hostKeys);
    expect(inv.slack).toEqual({
      team: 'T0LAB',
      channels: [{ id: 'C0LVSOPS', name: 'lvs-ops' }],
      users: [
        { id: 'U0OPERATOR', name: 'operator' },
        { id: 'U0APPROVER', name: 'approver' },
        { id: 'U0OTHER', name: 'other' },
      ],
    });
    const cluster = inv.clusters[0]!;
    expect(cluster.slack).toEqual({
      channel: 'C0LVSOPS',
      commandChannels: ['C0LVSOPS'],
      operators: { users: ['U0OPERATOR', 'U0APPROVER'] },
      approvers: { users: ['U0APPROVER'] },
    });
    expect(cluster.policy?.approval?.required).toEqual([...TABLE_CHANGING_PLAYBOOKS]);
    expect(cluster.policy?.approval?.twoPersonRule).toBe(true);
  });

  it('pins each host key to the address the host answers on', () => {
    const cluster = buildLabInventory(plan, hostKeys).clusters[0]!;
    expect(cluster.directors[0]!.ssh.hostKey).toBe(`10.210.0.1 ssh-ed25519 ${keys[0]}`);
    expect(cluster.realServers[2]!.ssh.hostKey).toBe(`10.210.0.13 ssh-ed25519 ${keys[4]}`);
  });

  it('gives the fileset the argv that mounts and unmounts its loop image on the directors', () => {
    const fs = buildLabInventory(plan, hostKeys).clusters[0]!.filesets?.[0];
    expect(fs).toEqual({
      name: 'www',
      hosts: ['lb1', 'lb2'],
      mountPoint: '/srv/www',
      device: '/srv/images/www.img',
      type: 'ext2',
      options: 'loop',
      mount: ['mount', '-t', 'ext2', '-o', 'loop', '/srv/images/www.img', '/srv/www'],
      unmount: ['umount', '/srv/www'],
    });
  });
});
