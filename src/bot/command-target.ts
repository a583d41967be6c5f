import type { Cluster, Inventory } from '../config/inventory.js';
import type { Command } from '../core/commands/index.js';
import type { Subscription } from '../core/subscriptions/subscription.js';
import { coveredClusters } from '../core/subscriptions/subscription.js';
import { JobError } from '../queues/job-error.js';
import type { PlaybookRequest } from '../queues/job-schemas.js';
import { resolveRequest } from '../queues/resolve-request.js';
import { authorize, clusterFor } from './access.js';
import type { BotServices } from './commands/handle-command.js';

/**
 * What a command touches, for the authorization decision (`decideAccess`):
 * - `read`: open to anyone where /lvs is answered;
 * - `change` with `clusters`: every cluster it touches, found from its target (the server's,
 *   the fileset's, the job's, the incident's, the subscription's), never from the channel
 *   it was typed in, except where the command names nothing else (silence, failback, build);
 * - `change` without `clusters`: the target does not exist or names no cluster; the handler
 *   says so (and checks the role itself where it does find one);
 * - `refused`: the command names something the inventory does not hold.
 */
export type CommandTarget =
  | { need: 'read' }
  | { need: 'change'; action: string; clusters?: Cluster[] }
  | { refused: string };

/** What the target lookup may ask besides the inventory. */
export interface TargetSources {
  /** The cluster of a job, or undefined for an unknown job. */
  jobCluster?: (id: string) => Promise<string | undefined>;
  subscriptions: () => Promise<Subscription[]>;
}

/** The playbook request a change command makes, as far as finding its cluster goes. */
function changeRequest(command: Command, channelCluster: Cluster | undefined): PlaybookRequest | undefined {
  const service = 'vip' in command && command.vip ? { service: command.vip } : {};
  switch (command.name) {
    case 'drain':
      return { playbook: 'drain', realServer: command.server, ...service };
    case 'undrain':
    case 'restore':
      return { playbook: 'restore-real-server', realServer: command.server, ...service };
    case 'remove':
      return { playbook: 'remove-real-server', realServer: command.server, ...service };
    case 'weight':
      return { playbook: 'reweight', realServer: command.server, weight: command.weight, ...service };
    case 'failback': {
      const cluster = command.cluster ?? channelCluster?.name;
      return { playbook: 'force-failback', ...(cluster && { cluster }) };
    }
    case 'remount':
      return {
        playbook: 'remount-fileset',
        fileset: command.fileset,
        ...(command.host && { host: command.host }),
      };
    default:
      return undefined;
  }
}

function describeChange(command: Command): string {
  switch (command.name) {
    case 'drain':
    case 'undrain':
    case 'remove':
    case 'restore':
      return `${command.name} ${command.server}`;
    case 'weight':
      return `set the weight of ${command.server}`;
    case 'failback':
      return `fail back${command.cluster ? ` cluster ${command.cluster}` : ''}`;
    case 'remount':
      return `remount fileset ${command.fileset}${command.force ? ' with --force' : ''}`;
    default:
      return command.name;
  }
}

function byName(inventory: Inventory, names: Iterable<string>): Cluster[] {
  const wanted = new Set(names);
  return inventory.clusters.filter((c) => wanted.has(c.name));
}

/** The one lookup of what a command touches, for every command (and every button, as a command). */
export async function targetOf(
  inventory: Inventory,
  channel: string,
  command: Command,
  sources: TargetSources,
): Promise<CommandTarget> {
  const channelCluster = clusterFor(inventory, channel);
  switch (command.name) {
    case 'help':
    case 'status':
    case 'subscriptions':
    case 'jobs':
    case 'job':
    case 'incidents':
    case 'incident':
      return { need: 'read' };
    case 'drain':
    case 'undrain':
    case 'remove':
    case 'restore':
    case 'weight':
    case 'failback':
    case 'remount': {
      const request = changeRequest(command, channelCluster);
      try {
        const resolved = resolveRequest(inventory, request);
        return {
          need: 'change',
          action: describeChange(command),
          clusters: byName(inventory, [resolved.cluster]),
        };
      } catch (err) {
        if (err instanceof JobError) return { refused: err.message };
        throw err;
      }
    }
    case 'cancel': {
      const name = await sources.jobCluster?.(command.id);
      return {
        need: 'change',
        action: `cancel ${command.id}`,
        ...(name !== undefined && { clusters: byName(inventory, [name]) }),
      };
    }
    case 'ack': {
      const name = command.id.slice(0, command.id.lastIndexOf('-'));
      const cluster = inventory.clusters.find((c) => c.name === name);
      return { need: 'change', action: `acknowledge ${command.id}`, ...(cluster && { clusters: [cluster] }) };
    }
    case 'silence':
    case 'unsilence': {
      // mon's groups are not in the inventory: the cluster is the channel's (or the only one).
      const target = command.service ? `${command.group}:${command.service}` : command.group;
      return {
        need: 'change',
        action: `${command.name} ${target}`,
        ...(channelCluster && { clusters: [channelCluster] }),
      };
    }
    case 'build': {
      const cluster = clusterFor(inventory, channel, command.cluster);
      return { need: 'change', action: 'run the guided build', ...(cluster && { clusters: [cluster] }) };
    }
    case 'subscribe': {
      const where = command.channel ?? channel;
      const named = command.filter.cluster;
      if (named !== undefined && !inventory.clusters.some((c) => c.name === named)) {
        const known = inventory.clusters.map((c) => c.name).join(', ');
        return { refused: `cluster ${named} is not in the inventory; known: ${known}` };
      }
      return {
        need: 'change',
        action: `subscribe <#${where}>${named ? ` to cluster ${named}` : ' to every cluster'}`,
        clusters: byName(
          inventory,
          coveredClusters(
            command.filter,
            inventory.clusters.map((c) => c.name),
          ),
        ),
      };
    }
    case 'unsubscribe': {
      const all = inventory.clusters.map((c) => c.name);
      const subs = await sources.subscriptions();
      const removed = command.id
        ? subs.filter((s) => s.id === command.id)
        : subs.filter((s) => s.channel === (command.channel ?? channel));
      // Nothing to remove: the handler says so, and nothing changes.
      if (removed.length === 0) return { need: 'read' };
      const where = [...new Set(removed.map((s) => `<#${s.channel}>`))].join(', ');
      return {
        need: 'change',
        action: `unsubscribe ${where}${command.id ? ` (${command.id})` : ''}`,
        // One of a cluster since taken out of the inventory counts as covering every cluster.
        clusters: byName(
          inventory,
          removed.flatMap((s) => {
            const covered = coveredClusters(s, all);
            return covered.length > 0 ? covered : all;
          }),
        ),
      };
    }
  }
}

export type CommandCheck = { allowed: true; command: Command } | { allowed: false; reason: string };

/**
 * Whether `user` may have `command` done, decided by what it touches (targetOf, then
 * decideAccess): the one check every /lvs command and every button that acts goes through.
 * `command` comes back with the cluster it was allowed for where it named none (failback), so
 * that what runs is what was allowed.
 */
export async function checkCommand(
  services: Pick<BotServices, 'inventory' | 'members' | 'subscriptions' | 'jobCluster' | 'logger'>,
  user: string,
  channel: string,
  command: Command,
): Promise<CommandCheck> {
  const target = await targetOf(services.inventory, channel, command, {
    subscriptions: () => services.subscriptions.list(),
    ...(services.jobCluster && { jobCluster: services.jobCluster }),
  });
  if ('refused' in target) return { allowed: false, reason: target.refused };
  if (target.need === 'read' || !target.clusters) return { allowed: true, command };
  const decision = await authorize(services.members, user, 'change', target.action, target.clusters);
  if (!decision.allowed) {
    services.logger.warn(
      { user, channel, command: command.name, clusters: target.clusters.map((c) => c.name) },
      'refused a change by a user who is not an operator of its cluster',
    );
    return decision;
  }
  const only = target.clusters[0];
  if (command.name === 'failback' && !command.cluster && only)
    return { allowed: true, command: { ...command, cluster: only.name } };
  return { allowed: true, command };
}
