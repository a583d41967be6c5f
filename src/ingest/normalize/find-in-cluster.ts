import { formatEndpoint } from '../../config/address.js';
import type { Cluster, Director, Inventory, RealServer, VirtualService } from '../../config/inventory.js';
import { findDirector, findHost, findRealServer, findVirtualService } from '../../config/lookup.js';
import { IngestError } from '../ingest-error.js';
import { clusterIndex, keyOf } from './cluster-index.js';

/**
 * Inventory lookups inside one cluster that answer 422 with the closest names when the body
 * names something the inventory does not hold. `field` is where the name came from in the body.
 */

export function realServerIn(
  inventory: Inventory,
  cluster: Cluster,
  query: string,
  field: string,
): RealServer {
  const found = findRealServer(inventory, query, { cluster: cluster.name });
  if (found.ok) return found.value.realServer;
  throw new IngestError('unknown_name', found.error.message, [`${field}: ${found.error.message}`]);
}

export function virtualServiceIn(
  inventory: Inventory,
  cluster: Cluster,
  address: string,
  port: number | undefined,
  field: string,
): VirtualService {
  const hit = clusterIndex(cluster).services.get(`${keyOf(address)}|${port ?? ''}`);
  if (hit) return hit;
  const query = port === undefined ? address : formatEndpoint(address, port);
  const found = findVirtualService(inventory, query, { cluster: cluster.name });
  if (found.ok) return found.value.virtualService;
  throw new IngestError('unknown_name', found.error.message, [`${field}: ${found.error.message}`]);
}

export function directorIn(inventory: Inventory, cluster: Cluster, query: string, field: string): Director {
  const hit = clusterIndex(cluster).directors.get(keyOf(query));
  if (hit) return hit;
  const found = findDirector(inventory, query, { cluster: cluster.name });
  if (found.ok) return found.value.director;
  throw new IngestError('unknown_name', found.error.message, [`${field}: ${found.error.message}`]);
}

/** A director or real server by name or address, or undefined. */
export function hostIn(
  inventory: Inventory,
  cluster: Cluster,
  query: string,
): Director | RealServer | undefined {
  const index = clusterIndex(cluster);
  const key = keyOf(query);
  const hit = index.realServers.get(key) ?? index.directors.get(key);
  if (hit) return hit;
  const found = findHost(inventory, query, { cluster: cluster.name });
  return found.ok ? found.value.host : undefined;
}

/** The message a lookup of `query` would give, for a 422 about several names at once. */
export function hostProblem(inventory: Inventory, cluster: Cluster, query: string): string {
  const found = findHost(inventory, query, { cluster: cluster.name });
  return found.ok ? '' : found.error.message;
}
