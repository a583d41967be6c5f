import type { Cluster, Inventory } from '../config/inventory.js';
import { type Member, memberOf } from '../playbooks/refs.js';
import type { PlaybookTarget, TargetOf } from '../playbooks/target.js';
import type { DrainMemory } from '../queues/drain-memory.js';
import type { JobRequest } from '../queues/job-schemas.js';

/** A job whose names the worker's inventory no longer holds (it changed since the job was queued). */
export class InventoryMismatchError extends Error {
  readonly code = 'INVENTORY_MISMATCH';
  readonly retryable = false;
  constructor(message: string) {
    super(`${message}; the inventory changed since the job was queued: ask again`);
    this.name = 'InventoryMismatchError';
  }
}

export function clusterOf(inventory: Inventory, name: string): Cluster {
  const cluster = inventory.clusters.find((c) => c.name === name);
  if (!cluster) throw new InventoryMismatchError(`cluster ${name} is not in the inventory`);
  return cluster;
}

function members(cluster: Cluster, realServer: string, services: readonly string[]): Member[] {
  const rs = cluster.realServers.find((r) => r.name === realServer);
  if (!rs) throw new InventoryMismatchError(`real server ${realServer} is not in cluster ${cluster.name}`);
  return services.map((s) => {
    const m = memberOf(cluster, rs, s);
    if (!m) throw new InventoryMismatchError(`${realServer} does not serve ${s} in cluster ${cluster.name}`);
    return m;
  });
}

/**
 * The playbook target of a job: its canonical names mapped to inventory entries. An undrain
 * takes the weights the drain kept (per service; the inventory's where none was kept).
 */
export async function targetOf(
  cluster: Cluster,
  request: JobRequest,
  drains: DrainMemory,
): Promise<PlaybookTarget> {
  switch (request.playbook) {
    case 'remove-real-server':
      return {
        playbook: request.playbook,
        realServer: request.realServer,
        members: members(cluster, request.realServer, request.services),
      };
    case 'restore-real-server': {
      const list = members(cluster, request.realServer, request.services);
      if (!request.undrain)
        return {
          playbook: request.playbook,
          realServer: request.realServer,
          members: list,
          weight: request.weight,
        };
      const kept = await Promise.all(
        list.map((m) => drains.get(cluster.name, request.realServer, m.service.name)),
      );
      return {
        playbook: request.playbook,
        realServer: request.realServer,
        // The kept weight becomes this member's inventory weight for the plan: restore gives each its own.
        members: list.map((m, i) => ({ ...m, weight: kept[i]?.weight ?? m.weight })),
        weight: request.weight,
      };
    }
    case 'reweight':
      return {
        playbook: request.playbook,
        realServer: request.realServer,
        members: members(cluster, request.realServer, request.services),
        weight: request.weight,
      };
    case 'drain':
      return {
        playbook: request.playbook,
        realServer: request.realServer,
        members: members(cluster, request.realServer, request.services),
        timeoutMs: request.timeoutMs,
        intervalMs: request.intervalMs,
        remove: request.remove,
      };
    case 'force-failback':
      return { playbook: request.playbook, timeoutMs: request.timeoutMs, intervalMs: request.intervalMs };
    case 'remount-fileset': {
      const fileset = cluster.filesets.find((f) => f.name === request.fileset);
      if (!fileset)
        throw new InventoryMismatchError(`fileset ${request.fileset} is not in cluster ${cluster.name}`);
      const unknown = request.hosts.filter((h) => !fileset.hosts.includes(h));
      if (unknown.length > 0)
        throw new InventoryMismatchError(`${unknown.join(', ')} is not a host of fileset ${fileset.name}`);
      return { playbook: request.playbook, fileset, hosts: request.hosts, force: request.force };
    }
    case 'save-rules':
      return { playbook: request.playbook };
    case 'build-step': {
      const hosts = new Set([...cluster.directors, ...cluster.realServers].map((h) => h.name));
      const gone = request.actions
        .flatMap((a) => (a.kind === 'secret-file' ? a.hosts : [a.host]))
        .filter((h) => !hosts.has(h));
      if (gone.length > 0)
        throw new InventoryMismatchError(
          `${[...new Set(gone)].join(', ')} is not in cluster ${cluster.name}`,
        );
      const { cluster: _, ...target } = request;
      // The checks' probes were checked with zod; their kinds are the build's own (src/build/steps).
      return target as TargetOf<'build-step'>;
    }
  }
}
