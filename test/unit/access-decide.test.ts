import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decideAccess, placeOf, type Role } from '../../src/bot/access.js';
import { targetOf } from '../../src/bot/command-target.js';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { type Command, parseCommand } from '../../src/core/commands/index.js';

// The one authorization decision and the one lookup of what a command touches, on the
// two-cluster example (staging: U0OPERATOR; prod: U0ALICE, @prod-ops, approver U0BOB).

function inventory(): Inventory {
  const parsed = parseInventory(readFileSync('examples/inventory-two-clusters.yml', 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
}

function command(text: string): Command {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

const inv = inventory();
const none = { subscriptions: async () => [] };

async function clustersOf(text: string, channel = 'C0STAGING'): Promise<string[] | string> {
  const t = await targetOf(inv, channel, command(text), none);
  if ('refused' in t) return t.refused;
  return t.need === 'read' ? 'read' : (t.clusters ?? []).map((c) => c.name);
}

describe('targetOf', () => {
  it("finds the cluster of what a change touches, not the channel's", async () => {
    expect(await clustersOf('drain shop-2')).toEqual(['prod']);
    expect(await clustersOf('weight 10.9.1.12 3')).toEqual(['prod']);
    expect(await clustersOf('remount shop-static --force')).toEqual(['prod']);
    expect(await clustersOf('undrain stg-web-1', 'C0PROD')).toEqual(['staging']);
    expect(await clustersOf('ack prod-12')).toEqual(['prod']);
    expect(await clustersOf('failback prod')).toEqual(['prod']);
  });

  it('uses the channel only where the command names nothing else', async () => {
    expect(await clustersOf('silence shop 1h', 'C0ONCALL')).toEqual(['prod']);
    expect(await clustersOf('build', 'C0PROD')).toEqual(['prod']);
    expect(await clustersOf('failback', 'C0PROD')).toEqual(['prod']);
    expect(await clustersOf('failback', 'D0ALICE')).toContain('say which cluster');
  });

  it('covers every cluster with a subscription that names none', async () => {
    expect(await clustersOf('subscribe kind=alert')).toEqual(['staging', 'prod']);
    expect(await clustersOf('subscribe cluster=prod')).toEqual(['prod']);
    expect(await clustersOf('subscribe cluster=nope')).toContain('known: staging, prod');
  });

  it('leaves reads open, and refuses names the inventory does not hold', async () => {
    for (const text of ['status', 'jobs', 'job 12', 'incidents', 'incident prod-1', 'subscriptions', 'help'])
      expect(await clustersOf(text)).toBe('read');
    expect(await clustersOf('drain web-9')).toContain('web-9');
  });
});

describe('decideAccess', () => {
  const [staging, prod] = inv.clusters as [Inventory['clusters'][0], Inventory['clusters'][0]];
  const roles = (entries: [string, Role][]) => new Map(entries);

  it('allows a change only to an operator of every cluster it touches, and names who can', () => {
    expect(
      decideAccess({
        need: 'change',
        action: 'drain shop-2',
        targets: [prod],
        roles: roles([['prod', 'operator']]),
      }),
    ).toEqual({ allowed: true });
    const refused = decideAccess({
      need: 'change',
      action: 'drain shop-2',
      targets: [prod],
      roles: roles([['staging', 'approver']]),
    });
    expect(refused).toEqual({
      allowed: false,
      reason:
        'You are not an operator of cluster `prod`: only operators of cluster `prod` (<@U0ALICE>, <@U0BOB>, <!subteam^S0PRODOPS>) can drain shop-2. Nothing was done.',
    });
    const both = decideAccess({
      need: 'change',
      action: 'subscribe <#C0ONCALL> to every cluster',
      targets: [staging, prod],
      roles: roles([['prod', 'operator']]),
    });
    expect(both.allowed).toBe(false);
    expect(both.allowed ? '' : both.reason).toContain('not an operator of cluster `staging`:');
  });

  it('lets anyone read', () => {
    expect(decideAccess({ need: 'read', action: 'status', targets: [prod], roles: roles([]) })).toEqual({
      allowed: true,
    });
  });
});

describe('placeOf', () => {
  it("accepts a cluster's channels and the requester's own im with the bot, nothing else", () => {
    expect(placeOf(inv, 'C0ONCALL', 'U0OTHER', undefined)).toEqual({ kind: 'cluster-channel' });
    expect(placeOf(inv, 'D0ALICE', 'U0ALICE', 'U0ALICE')).toEqual({ kind: 'bot-dm' });
    // Someone else's im with the bot, or a DM Slack does not show the bot (two people's).
    expect(placeOf(inv, 'D0ALICE', 'U0BOB', 'U0ALICE')).toEqual({ kind: 'elsewhere' });
    expect(placeOf(inv, 'D0ALICEBOB', 'U0ALICE', undefined)).toEqual({ kind: 'elsewhere' });
    expect(placeOf(inv, 'C0GENERAL', 'U0ALICE', undefined)).toEqual({ kind: 'elsewhere' });
  });
});
