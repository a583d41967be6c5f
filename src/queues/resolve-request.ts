import type { z } from 'zod';
import type { Cluster, Inventory, RealServer } from '../config/inventory.js';
import { findCluster, findFileset, findHost, findRealServer, findVirtualService } from '../config/lookup.js';
import type { Result } from '../core/result.js';
import { JobError } from './job-error.js';
import {
  DRAIN_DEFAULTS,
  FAILBACK_DEFAULTS,
  type JobRequest,
  type PlaybookRequest,
  playbookRequestSchema,
} from './job-schemas.js';

/**
 * Turns a request as people type it (a real server by name or address, a service by name or
 * VIP:PORT, no cluster) into canonical inventory names with every default filled, or a
 * JobError that says what the inventory does hold. This is where a bad job is stopped: before
 * it exists.
 */
export function resolveRequest(inventory: Inventory, input: unknown): JobRequest {
  const parsed = playbookRequestSchema.safeParse(input);
  if (!parsed.success) throw new JobError('INVALID_REQUEST', issues(parsed.error));
  const request = parsed.data;
  switch (request.playbook) {
    case 'remove-real-server': {
      const { cluster, realServer, services } = resolveMember(inventory, request);
      return { playbook: request.playbook, cluster, realServer, services };
    }
    case 'restore-real-server': {
      const { cluster, realServer, services } = resolveMember(inventory, request);
      return {
        playbook: request.playbook,
        cluster,
        realServer,
        services,
        weight: request.weight ?? null,
        undrain: request.undrain ?? false,
      };
    }
    case 'reweight': {
      const { cluster, realServer, services } = resolveMember(inventory, request);
      return { playbook: request.playbook, cluster, realServer, services, weight: request.weight };
    }
    case 'drain': {
      const { cluster, realServer, services } = resolveMember(inventory, request);
      return {
        playbook: request.playbook,
        cluster,
        realServer,
        services,
        timeoutMs: request.timeoutMs ?? DRAIN_DEFAULTS.timeoutMs,
        intervalMs: request.intervalMs ?? DRAIN_DEFAULTS.intervalMs,
        remove: request.remove ?? false,
      };
    }
    case 'force-failback': {
      const cluster = resolveCluster(inventory, request.cluster);
      if (cluster.directors.length < 2 || !cluster.heartbeat) {
        throw new JobError('INVALID_REQUEST', [
          `cluster ${cluster.name} has ${cluster.heartbeat ? 'one director' : 'no heartbeat section'}: there is no failover to undo`,
        ]);
      }
      return {
        playbook: request.playbook,
        cluster: cluster.name,
        timeoutMs: request.timeoutMs ?? FAILBACK_DEFAULTS.timeoutMs,
        intervalMs: request.intervalMs ?? FAILBACK_DEFAULTS.intervalMs,
      };
    }
    case 'remount-fileset': {
      const scope =
        request.cluster === undefined ? {} : { cluster: resolveCluster(inventory, request.cluster).name };
      const { cluster, fileset } = unwrap(findFileset(inventory, request.fileset, scope));
      if (fileset.mount.length === 0 || fileset.unmount.length === 0) {
        throw new JobError('NO_MOUNT_COMMANDS', [
          `fileset ${fileset.name} has no ${fileset.mount.length === 0 ? 'mount' : 'unmount'} command; ` +
            `set filesets[].${fileset.mount.length === 0 ? 'mount' : 'unmount'} (or type and device) in the inventory`,
        ]);
      }
      let hosts = fileset.hosts;
      if (request.host !== undefined) {
        const { host } = unwrap(findHost(inventory, request.host, { cluster: cluster.name }));
        if (!fileset.hosts.includes(host.name)) {
          throw new JobError('NOT_IN_INVENTORY', [
            `${host.name} is not a host of fileset ${fileset.name}; its hosts are ${fileset.hosts.join(', ')}`,
          ]);
        }
        hosts = [host.name];
      }
      return {
        playbook: request.playbook,
        cluster: cluster.name,
        fileset: fileset.name,
        hosts,
        force: request.force ?? false,
      };
    }
    case 'save-rules':
      return { playbook: request.playbook, cluster: resolveCluster(inventory, request.cluster).name };
    case 'build-step': {
      const cluster = resolveCluster(inventory, request.cluster);
      const hosts = new Set([...cluster.directors, ...cluster.realServers].map((h) => h.name));
      const named = [
        ...request.actions.flatMap((a) => (a.kind === 'secret-file' ? a.hosts : [a.host])),
        ...request.checks.flatMap((c) => c.probes.map((p) => p.host)),
      ];
      const unknown = [...new Set(named.filter((h) => !hosts.has(h)))];
      if (unknown.length > 0) {
        throw new JobError('NOT_IN_INVENTORY', [
          `${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a host of cluster ${cluster.name}; its hosts are ${[...hosts].join(', ')}`,
        ]);
      }
      return { ...request, cluster: cluster.name };
    }
  }
}

function issues(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}

function unwrap<T>(result: Result<T, Error & { code: string }>): T {
  if (result.ok) return result.value;
  throw new JobError('NOT_IN_INVENTORY', [result.error.message]);
}

function resolveCluster(inventory: Inventory, name: string | undefined): Cluster {
  if (name !== undefined) return unwrap(findCluster(inventory, name));
  const [only, ...others] = inventory.clusters;
  if (only && others.length === 0) return only;
  throw new JobError('INVALID_REQUEST', [
    `say which cluster: the inventory has ${inventory.clusters.map((c) => c.name).join(', ')}`,
  ]);
}

function resolveMember(
  inventory: Inventory,
  request: Extract<PlaybookRequest, { realServer: string }>,
): { cluster: string; realServer: string; services: string[] } {
  const scope =
    request.cluster === undefined ? {} : { cluster: resolveCluster(inventory, request.cluster).name };
  const { cluster, realServer } = unwrap(findRealServer(inventory, request.realServer, scope));
  if (request.service === undefined) {
    return {
      cluster: cluster.name,
      realServer: realServer.name,
      services: realServer.services.map((s) => s.service),
    };
  }
  const { virtualService } = unwrap(
    findVirtualService(inventory, request.service, { cluster: cluster.name }),
  );
  if (!serves(realServer, virtualService.name)) {
    throw new JobError('NOT_IN_INVENTORY', [
      `${realServer.name} does not serve ${virtualService.name}; it serves ${realServer.services.map((s) => s.service).join(', ')}`,
    ]);
  }
  return { cluster: cluster.name, realServer: realServer.name, services: [virtualService.name] };
}

function serves(realServer: RealServer, service: string): boolean {
  return realServer.services.some((s) => s.service === service);
}
