import { parseEndpoint } from '../../config/address.js';
import { suggestionText } from '../../config/closest-names.js';
import type { Cluster, Inventory } from '../../config/inventory.js';
import { findCluster } from '../../config/lookup.js';
import { IngestError } from '../ingest-error.js';

/** What a body says about where it comes from, to find its cluster when it names none. */
export interface ClusterHints {
  /** Addresses it mentions (VIP, real server, hosts). */
  addresses?: string[];
  /** Host names it mentions (the sender's hostname, a heartbeat node, a real server name). */
  names?: string[];
}

/**
 * The cluster a body is about: the one it names, else the only one, else the one cluster
 * whose VIPs, real servers or directors the body mentions. Otherwise 422 saying how to name it.
 */
export function resolveCluster(
  inventory: Inventory,
  named: string | undefined,
  hints: ClusterHints,
): Cluster {
  if (named !== undefined) {
    const found = findCluster(inventory, named);
    if (found.ok) return found.value;
    throw new IngestError('unknown_name', found.error.message, [
      `cluster: ${named} is not in the inventory; ${suggestionText(
        named,
        inventory.clusters.map((c) => c.name),
      )}`,
    ]);
  }
  const [only, ...others] = inventory.clusters;
  if (only !== undefined && others.length === 0) return only;
  const addresses = new Set(
    (hints.addresses ?? []).map((a) => parseEndpoint(a)?.address).filter((a): a is string => a !== undefined),
  );
  const names = new Set(hints.names ?? []);
  const matching = inventory.clusters.filter(
    (c) =>
      c.virtualServices.some((s) => addresses.has(s.vip)) ||
      c.realServers.some((r) => addresses.has(r.address) || names.has(r.name)) ||
      c.directors.some((d) => addresses.has(d.address) || names.has(d.name) || names.has(d.node)),
  );
  const [one, ...more] = matching;
  if (one !== undefined && more.length === 0) return one;
  const known = inventory.clusters.map((c) => c.name).join(', ') || 'none';
  const why =
    one === undefined
      ? 'nothing it names is in the inventory'
      : `it could be ${matching.map((c) => c.name).join(' or ')}`;
  throw new IngestError('unknown_name', `the body names no cluster and ${why}`, [
    `cluster: missing; set LVS_CHATOPS_CLUSTER (or -C CLUSTER) on the sending host; clusters: ${known}`,
  ]);
}
