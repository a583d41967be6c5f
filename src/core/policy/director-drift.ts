import { describeIpvsChange, diffIpvsTables } from '../ipvs/diff.js';
import type { IpvsTable } from '../ipvs/model.js';
import { serviceKey } from '../ipvs/service-id.js';

/**
 * How the standby director's table differs from the active one's, for the cluster's virtual
 * services. A standby with none of them loaded is not drift: heartbeat setups that load the
 * table on takeover (the lab's, and any `ipvsadm` resource in haresources) keep the standby empty.
 */
export type DirectorDrift =
  | { kind: 'in-sync'; standby: string }
  | { kind: 'not-loaded'; standby: string; summary: string }
  | { kind: 'drift'; standby: string; differences: string[]; summary: string };

function only(table: IpvsTable, services: ReadonlySet<string>): IpvsTable {
  return { ...table, services: table.services.filter((s) => services.has(serviceKey(s.id))) };
}

export function directorDrift(input: {
  active: string;
  activeTable: IpvsTable;
  standby: string;
  standbyTable: IpvsTable;
  /** The cluster's virtual services, by `serviceKey`. */
  services: readonly string[];
}): DirectorDrift {
  const keys = new Set(input.services);
  const active = only(input.activeTable, keys);
  const standby = only(input.standbyTable, keys);
  if (standby.services.length === 0 && active.services.length > 0) {
    return {
      kind: 'not-loaded',
      standby: input.standby,
      summary: `${input.standby} (standby) has none of the cluster's virtual services loaded; heartbeat loads them on takeover`,
    };
  }
  const differences = diffIpvsTables(active, standby).map(describeIpvsChange);
  if (differences.length === 0) return { kind: 'in-sync', standby: input.standby };
  return {
    kind: 'drift',
    standby: input.standby,
    differences,
    summary: `${input.standby} (standby) differs from ${input.active} (active): ${differences.join('; ')}`,
  };
}
