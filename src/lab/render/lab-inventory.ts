import { join } from 'node:path';
import { stringify } from 'yaml';
import { TABLE_CHANGING_PLAYBOOKS } from '../../config/inventory.js';
import type { InventoryInput } from '../../config/inventory-schema.js';
import type { LabHostName, LabPlan } from '../lab-plan.js';

/** The lab inventory's Slack section and policy are fixed (docs/interfaces.md, "The lab's fixed names"). */
export const LAB_SLACK = {
  team: 'T0LAB',
  channel: { id: 'C0LVSOPS', name: 'lvs-ops' },
  users: [
    { id: 'U0OPERATOR', name: 'operator' },
    { id: 'U0APPROVER', name: 'approver' },
    { id: 'U0OTHER', name: 'other' },
  ],
} as const;

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The inventory of the lab cluster (docs/interfaces.md, "Inventory" and "The lab's fixed names"; the shape of examples/inventory.yml),
 * with the addresses, the lab's key and the host keys generated for this lab pinned.
 */
export function buildLabInventory(plan: LabPlan, hostKeys: Record<LabHostName, string>): InventoryInput {
  const vs = plan.virtualService;
  const fs = plan.fileset;
  const pin = (name: LabHostName, address: string) => `${address} ${hostKeys[name]}`;
  return {
    version: 1,
    defaults: {
      ssh: {
        user: 'root',
        port: 22,
        key: plan.paths.clientKey,
        connectTimeout: '10s',
        commandTimeout: '60s',
      },
    },
    slack: {
      team: LAB_SLACK.team,
      channels: [{ ...LAB_SLACK.channel }],
      users: LAB_SLACK.users.map((u) => ({ ...u })),
    },
    clusters: [
      {
        name: 'lab',
        description: `The lvs-chatops lab (prefix ${plan.prefix}): two UML directors with heartbeat, three real servers behind ${plan.vip}:${vs.port}`,
        directors: plan.directors.map((d) => ({
          name: d.name,
          address: d.frontAddress,
          preferred: d.preferred,
          ssh: { hostKey: pin(d.name, d.frontAddress) },
        })),
        heartbeat: {
          autoFailback: plan.options.autoFailback,
          keepalive: duration(plan.options.heartbeat.keepaliveMs),
          deadtime: duration(plan.options.heartbeat.deadtimeMs),
          interface: 'vec0',
        },
        ipvs: {
          syncStandby: true,
          // /etc is the host's and read-only on a lab director; /etc/ha.d is the director's own,
          // and the lvs-director resource loads this file on every takeover.
          rulesFile: '/etc/ha.d/ipvsadm.rules',
        },
        virtualServices: [
          {
            name: vs.name,
            vip: plan.vip,
            port: vs.port,
            protocol: vs.protocol,
            scheduler: vs.scheduler,
            forwarding: vs.forwarding,
          },
        ],
        realServers: plan.realServers.map((r) => ({
          name: r.name,
          address: r.address,
          ssh: { hostKey: pin(r.name, r.address) },
          services: [{ service: vs.name, port: vs.port, weight: vs.weight }],
        })),
        // mon runs on whichever director holds the VIP (it is part of the heartbeat resource),
        // and listens on all its addresses: the VIP reaches the active one.
        // Its downtime log is in each director's own log directory; the preferred one's is
        // read first (the bot tries the other director's SSH when that one is down).
        mon: {
          host: plan.vip,
          port: 2583,
          dtlogFile: join(plan.directors.find((d) => d.preferred)!.dir, 'log', 'mon-downtime.log'),
        },
        filesets: [
          {
            name: fs.name,
            hosts: plan.directors.map((d) => d.name),
            mountPoint: fs.mountPoint,
            device: fs.image,
            type: fs.type,
            options: 'loop',
            mount: ['mount', '-t', fs.type, '-o', 'loop', fs.image, fs.mountPoint],
            unmount: ['umount', fs.mountPoint],
          },
        ],
        slack: {
          channel: LAB_SLACK.channel.id,
          commandChannels: [LAB_SLACK.channel.id],
          operators: { users: ['U0OPERATOR', 'U0APPROVER'] },
          approvers: { users: ['U0APPROVER'] },
        },
        policy: {
          // Every playbook that changes the IPVS table or who holds it waits for an approver.
          approval: { required: [...TABLE_CHANGING_PLAYBOOKS], twoPersonRule: true, expiry: '15m' },
        },
      },
    ],
  };
}

export function renderLabInventory(plan: LabPlan, hostKeys: Record<LabHostName, string>): string {
  return [
    `# The lvs-chatops lab's inventory, written by 'lvs-chatops lab up' (state ${plan.stateDir}).`,
    '# Host keys were generated for this lab and are pinned below; the next lab gets new ones.',
    stringify(buildLabInventory(plan, hostKeys), { lineWidth: 0 }),
  ].join('\n');
}
