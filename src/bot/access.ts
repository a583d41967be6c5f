import type { Cluster, Inventory, SlackAudience } from '../config/inventory.js';

/** What a user may do in a cluster. */
export type Role = 'viewer' | 'operator' | 'approver';

/** Resolves a user group id to its members (Slack's usergroups.users.list, cached by the caller). */
export type GroupMembers = (usergroup: string) => Promise<string[]>;

export async function inAudience(
  audience: SlackAudience,
  user: string,
  members: GroupMembers,
): Promise<boolean> {
  if (audience.users.includes(user)) return true;
  for (const g of audience.usergroups) {
    if ((await members(g)).includes(user)) return true;
  }
  return false;
}

export async function roleOf(cluster: Cluster, user: string, members: GroupMembers): Promise<Role> {
  if (await inAudience(cluster.slack.approvers, user, members)) return 'approver';
  if (await inAudience(cluster.slack.operators, user, members)) return 'operator';
  return 'viewer';
}

/**
 * /lvs is answered in the clusters' command channels and in direct messages with the bot;
 * anywhere else it is refused, so a command cannot be run from a channel nobody watches.
 */
export function channelAllowed(inventory: Inventory, channelId: string): boolean {
  if (channelId.startsWith('D')) return true;
  return inventory.clusters.some(
    (c) => c.slack.channel === channelId || c.slack.commandChannels.includes(channelId),
  );
}

/** The cluster a command is about: named, the only one, or the one whose channel this is. */
export function clusterFor(inventory: Inventory, channelId: string, named?: string): Cluster | undefined {
  if (named) return inventory.clusters.find((c) => c.name === named);
  if (inventory.clusters.length === 1) return inventory.clusters[0];
  return (
    inventory.clusters.find((c) => c.slack.channel === channelId) ??
    inventory.clusters.find((c) => c.slack.commandChannels.includes(channelId))
  );
}
