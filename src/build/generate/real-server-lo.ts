import type { Cluster, RealServer } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { header, isIpv6, loVips, realServersFor } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';

/** One VIP a group of real servers holds on lo, and the alias number it gets (`lo:0`, `lo:1`). */
export interface LoVip {
  vip: string;
  alias: number;
  hosts: RealServer[];
}

/**
 * The VIPs the real servers hold on lo (LVS-DR and TUN; NAT needs none), numbered in
 * inventory order so every real server names the same VIP `lo:N`.
 */
export function loVipPlan(
  cluster: Cluster,
  host: string | undefined,
  what: string,
): Result<LoVip[], GenerateError> {
  const servers = realServersFor(cluster, host, what);
  if (!servers.ok) return servers;
  const all = [...new Set(cluster.realServers.flatMap((r) => loVips(cluster, r)))];
  const plan = all
    .map((vip, alias) => ({
      vip,
      alias,
      hosts: servers.value.filter((r) => loVips(cluster, r).includes(vip)),
    }))
    .filter((p) => p.hosts.length > 0);
  if (plan.length === 0) {
    const who = host ?? `the real servers of cluster ${cluster.name}`;
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `${who} forward${host ? 's' : ''} with NAT only: no VIP goes on lo (${what} is for dr and tun real servers)`,
      ),
    );
  }
  return ok(plan);
}

export function vipPrefix(vip: string): number {
  return isIpv6(vip) ? 128 : 32;
}

export { header };
