import type { Cluster, Forwarding, RealServer, VirtualService } from '../config/inventory.js';
import { parseIpAddress } from '../core/ipvs/address.js';
import type {
  IpvsTable,
  RealServer as TableRealServer,
  VirtualService as TableService,
} from '../core/ipvs/model.js';
import {
  describeService,
  parseServiceId,
  realServerKey,
  type ServiceIdInput,
  serviceKey,
} from '../core/ipvs/service-id.js';

/** A virtual service as plans carry it: its inventory name, and how the IPVS table names it. */
export interface ServiceRef {
  name: string;
  /** `serviceKey` of its id: `tcp 10.0.0.100:80`. */
  key: string;
  /** `web (TCP 10.0.0.100:80)`. */
  label: string;
  id: ServiceIdInput;
  vip: string;
}

/** A real server of one virtual service: its name and `RIP:PORT` in that service. */
export interface RealServerRef {
  name: string;
  address: string;
  port: number;
  /** `realServerKey`: `10.0.0.12:80`. */
  key: string;
}

/** One real server in one virtual service, with the weight and forwarding the inventory gives it. */
export interface Member {
  service: ServiceRef;
  realServer: RealServerRef;
  weight: number;
  forwarding: Forwarding;
}

export function serviceRef(vs: VirtualService): ServiceRef {
  const id: ServiceIdInput = { protocol: vs.protocol, address: vs.vip, port: vs.port };
  const parsed = parseServiceId(id);
  // The inventory loader validated every VIP and port; a failure here is a bug, not input.
  if (!parsed.ok) throw new Error(`virtual service ${vs.name}: ${parsed.error.message}`);
  return {
    name: vs.name,
    key: serviceKey(parsed.value),
    label: `${vs.name} (${describeService(parsed.value)})`,
    id,
    vip: parsed.value.protocol === 'fwm' ? vs.vip : parsed.value.address,
  };
}

/** The member of `service` that `realServer` is, per the inventory; undefined when it does not serve it. */
export function memberOf(cluster: Cluster, realServer: RealServer, service: string): Member | undefined {
  const entry = realServer.services.find((s) => s.service === service);
  const vs = cluster.virtualServices.find((v) => v.name === service);
  if (!entry || !vs) return undefined;
  const address = parseIpAddress(realServer.address);
  const canonical = address.ok ? address.value : { family: 'ipv4' as const, address: realServer.address };
  return {
    service: serviceRef(vs),
    realServer: {
      name: realServer.name,
      address: canonical.address,
      port: entry.port,
      key: realServerKey({ ...canonical, port: entry.port }),
    },
    weight: entry.weight,
    forwarding: entry.forwarding,
  };
}

/** Every member of every virtual service of the cluster, per the inventory. */
export function membersOfService(cluster: Cluster, service: string): Member[] {
  return cluster.realServers.flatMap((rs) => {
    const m = memberOf(cluster, rs, service);
    return m ? [m] : [];
  });
}

/**
 * `membersOfService` of every virtual service at once, in one pass over the real servers: each
 * address parsed and each service described once (a status of 1,000 real servers asks for all).
 */
export function membersByService(cluster: Cluster): Map<string, Member[]> {
  const refs = new Map(cluster.virtualServices.map((vs) => [vs.name, serviceRef(vs)]));
  const out = new Map<string, Member[]>(cluster.virtualServices.map((vs) => [vs.name, []]));
  for (const rs of cluster.realServers) {
    const address = parseIpAddress(rs.address);
    const canonical = address.ok ? address.value : { family: 'ipv4' as const, address: rs.address };
    const seen = new Set<string>();
    for (const entry of rs.services) {
      const service = refs.get(entry.service);
      // As memberOf: a service the cluster lacks is no membership, and the first entry counts.
      if (!service || seen.has(entry.service)) continue;
      seen.add(entry.service);
      out.get(entry.service)!.push({
        service,
        realServer: {
          name: rs.name,
          address: canonical.address,
          port: entry.port,
          key: realServerKey({ ...canonical, port: entry.port }),
        },
        weight: entry.weight,
        forwarding: entry.forwarding,
      });
    }
  }
  return out;
}

export function tableService(table: IpvsTable | null, service: ServiceRef): TableService | undefined {
  return table?.services.find((s) => serviceKey(s.id) === service.key);
}

export function tableRealServer(
  table: IpvsTable | null,
  service: ServiceRef,
  realServer: RealServerRef,
): TableRealServer | undefined {
  return tableService(table, service)?.realServers.find((r) => realServerKey(r) === realServer.key);
}

/** The table's forwarding as the inventory spells it (older kernels print Local for dr). */
export function inventoryForwarding(rs: TableRealServer): Forwarding {
  return rs.forwarding === 'local' ? 'dr' : rs.forwarding;
}

/** `web-2 (10.0.0.12:80)`. */
export function describeRealServer(rs: RealServerRef): string {
  return `${rs.name} (${rs.key})`;
}
