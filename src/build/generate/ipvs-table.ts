import type { Cluster } from '../../config/inventory.js';
import type { IpvsTable } from '../../core/ipvs/index.js';
import { isIpv6, servicesOf } from './cluster-parts.js';

/**
 * The IPVS table the inventory describes: every virtual service with every real server in it,
 * at its inventory weight. What `ipvsadm -R` loads from the rules file and what a Check
 * compares `ipvsadm -L -n` with.
 */
export function inventoryIpvsTable(cluster: Cluster): IpvsTable {
  return {
    version: null,
    connectionTableSize: null,
    services: cluster.virtualServices.map((vs) => {
      const family = isIpv6(vs.vip) ? ('ipv6' as const) : ('ipv4' as const);
      return {
        id: { protocol: vs.protocol, family, address: vs.vip, port: vs.port },
        scheduler: vs.scheduler,
        schedFlags: [],
        persistence:
          vs.persistence === undefined
            ? null
            : {
                timeout: Math.round(vs.persistence / 1000),
                netmask: family === 'ipv6' ? '128' : '255.255.255.255',
                engine: null,
              },
        ops: false,
        stats: null,
        rates: null,
        realServers: cluster.realServers.flatMap((r) =>
          servicesOf(cluster, r)
            .filter((t) => t.service === vs)
            .map((t) => ({
              family: isIpv6(r.address) ? ('ipv6' as const) : ('ipv4' as const),
              address: r.address,
              port: t.port,
              forwarding: t.forwarding as 'dr' | 'nat' | 'tun',
              weight: t.weight,
              activeConns: null,
              inactiveConns: null,
              stats: null,
              rates: null,
              tunnel: null,
            })),
        ),
      };
    }),
  };
}
