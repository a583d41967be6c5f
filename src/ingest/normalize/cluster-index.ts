import { canonicalAddress } from '../../config/address.js';
import type { Cluster, Director, RealServer, VirtualService } from '../../config/inventory.js';

/** A cluster's hosts and virtual services by name and address, built once per cluster object. */
export interface ClusterIndex {
  realServers: Map<string, RealServer>;
  directors: Map<string, Director>;
  /** `VIP|PORT`, and `VIP|` when the VIP has one service. */
  services: Map<string, VirtualService>;
}

const indexes = new WeakMap<Cluster, ClusterIndex>();

/**
 * The ingest resolves every alert against the inventory; a map per cluster makes that a
 * lookup instead of a scan of every real server. A miss goes to config's lookups, which say
 * what the inventory holds instead.
 */
export function clusterIndex(cluster: Cluster): ClusterIndex {
  let index = indexes.get(cluster);
  if (index) return index;
  index = { realServers: new Map(), directors: new Map(), services: new Map() };
  // Names win over addresses, as in config's lookups: addresses first, names over them.
  for (const r of cluster.realServers) index.realServers.set(r.address, r);
  for (const r of cluster.realServers) index.realServers.set(r.name, r);
  for (const d of cluster.directors) index.directors.set(d.address, d);
  for (const d of cluster.directors) index.directors.set(d.node, d);
  for (const d of cluster.directors) index.directors.set(d.name, d);
  const perVip = new Map<string, VirtualService[]>();
  for (const s of cluster.virtualServices) {
    index.services.set(`${s.vip}|${s.port}`, s);
    perVip.set(s.vip, [...(perVip.get(s.vip) ?? []), s]);
  }
  for (const [vip, list] of perVip) if (list.length === 1) index.services.set(`${vip}|`, list[0]!);
  indexes.set(cluster, index);
  return index;
}

/** An address in the inventory's canonical form, or the text as given (a name). */
export function keyOf(text: string): string {
  return canonicalAddress(text) ?? text;
}
