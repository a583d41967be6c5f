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

/** The clusters whose channel or command channels this is (none for a DM or any other channel). */
export function clustersOfChannel(inventory: Inventory, channelId: string): Cluster[] {
  return inventory.clusters.filter((c) => channelServes(c, channelId));
}

/** Whether this is the cluster's own channel or one of its command channels. */
export function channelServes(cluster: Cluster, channelId: string): boolean {
  return cluster.slack.channel === channelId || cluster.slack.commandChannels.includes(channelId);
}

/**
 * Where a command was typed, as the rules see it: a cluster's channel, the requester's own
 * direct message with the bot, or anywhere else (a channel of no cluster, a direct message
 * between people, a DM Slack could not confirm).
 */
export type Place = { kind: 'cluster-channel' } | { kind: 'bot-dm' } | { kind: 'elsewhere' };

/**
 * `imUser` is the other member of the conversation when Slack says it is an im of the bot's
 * (conversations.info: `is_im`, `user`), else undefined. A `D…` id alone proves nothing: a
 * direct message between two people has one too, and the bot is not in it.
 */
export function placeOf(
  inventory: Inventory,
  channelId: string,
  user: string,
  imUser: string | undefined,
): Place {
  if (clustersOfChannel(inventory, channelId).length > 0) return { kind: 'cluster-channel' };
  if (imUser !== undefined && imUser === user) return { kind: 'bot-dm' };
  return { kind: 'elsewhere' };
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

/** Who may change a cluster, as Slack mentions: its operators, and its approvers (operators too). */
export function operatorsOf(cluster: Cluster): string {
  const users = new Set([...cluster.slack.operators.users, ...cluster.slack.approvers.users]);
  const groups = new Set([...cluster.slack.operators.usergroups, ...cluster.slack.approvers.usergroups]);
  const named = [...[...users].map((u) => `<@${u}>`), ...[...groups].map((g) => `<!subteam^${g}>`)];
  return named.length > 0 ? named.join(', ') : 'nobody: the inventory names no operators';
}

/** A request to act on some clusters: the roles the user holds there, as asked of Slack. */
export interface AccessRequest {
  /** Reads are open to anyone where /lvs is answered; a change needs the operator role. */
  need: 'read' | 'change';
  /** What was asked, as a phrase that follows "can": `drain web-2`, `subscribe #ops to alerts`. */
  action: string;
  /** Every cluster the request touches (the server's, the job's, the subscription's…). */
  targets: readonly Cluster[];
  /** The user's role in each target cluster, by cluster name. */
  roles: ReadonlyMap<string, Role>;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * The one authorization decision, for every command and button: a change is allowed only to
 * an operator (or approver) of every cluster it touches, wherever it was asked. The refusal
 * names who can do it instead.
 */
export function decideAccess(req: AccessRequest): AccessDecision {
  if (req.need === 'read') return { allowed: true };
  if (req.targets.length === 0)
    return {
      allowed: false,
      reason: `Nobody can ${req.action}: it touches no cluster of the inventory. Nothing was done.`,
    };
  const refused = req.targets.filter((c) => (req.roles.get(c.name) ?? 'viewer') === 'viewer');
  if (refused.length === 0) return { allowed: true };
  const who = refused
    .map((c) => `only operators of cluster \`${c.name}\` (${operatorsOf(c)})`)
    .join(', and ');
  const names = refused.map((c) => `\`${c.name}\``).join(', ');
  return {
    allowed: false,
    reason: `You are not an operator of cluster ${names}: ${who} can ${req.action}. Nothing was done.`,
  };
}

/** decideAccess with the user's roles asked of the inventory and Slack's user groups. */
export async function authorize(
  members: GroupMembers,
  user: string,
  need: AccessRequest['need'],
  action: string,
  targets: readonly Cluster[],
): Promise<AccessDecision> {
  const roles = new Map<string, Role>();
  if (need === 'change') for (const c of targets) roles.set(c.name, await roleOf(c, user, members));
  return decideAccess({ need, action, targets, roles });
}
