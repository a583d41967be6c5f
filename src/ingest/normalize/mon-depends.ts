import { generateMonCf } from '../../build/generate/mon-cf.js';
import type { Inventory } from '../../config/inventory.js';
import { parseMonConfig } from '../../core/mon/config-reader.js';
import { monDependencies } from '../../core/mon/depends.js';
import type { MonDepends } from './normalize-context.js';

/**
 * mon's `depend` lines as the ingest reads them: those of the mon.cf `lvs-chatops gen mon.cf`
 * writes for each cluster with a mon section (every check of a real server depends on its
 * `ping`). Read once per inventory (a reload gives a new one). A cluster without a mon section,
 * or a group the generated file does not have (a hand-written mon.cf), depends on nothing.
 */
export function generatedMonDepends(inventory: () => Inventory): MonDepends {
  const read = new WeakMap<Inventory, Map<string, Map<string, string[]>>>();
  return (cluster, group, service) => {
    const current = inventory();
    let byCluster = read.get(current);
    if (!byCluster) {
      byCluster = dependenciesOf(current);
      read.set(current, byCluster);
    }
    return byCluster.get(cluster)?.get(`${group}:${service}`) ?? [];
  };
}

function dependenciesOf(inventory: Inventory): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const cluster of inventory.clusters) {
    if (cluster.mon === undefined) continue;
    const files = generateMonCf(cluster);
    const file = files.ok ? files.value.find((f) => f.kind === 'mon.cf') : undefined;
    const config = file ? parseMonConfig(file.text) : undefined;
    if (config?.ok) out.set(cluster.name, monDependencies(config.value.config));
  }
  return out;
}
