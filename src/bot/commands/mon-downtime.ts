import type { Cluster, Inventory } from '../../config/inventory.js';
import { sshTargetFor } from '../../config/lookup.js';
import { parseDtlog } from '../../core/mon/dtlog.js';
import type { CommandRunner } from '../../ssh/command-runner.js';
import type { DowntimeSource } from './incident-timeline.js';

/** mon's own default: `logdir` /var/log/mon, `dtlogfile` downtime.log. */
export const DEFAULT_DTLOG = '/var/log/mon/downtime.log';
/** The newest lines are enough for one incident; a years-old log is not read whole. */
const TAIL_LINES = '5000';

/**
 * Reads mon's downtime log on the host that runs mon, over the inventory's SSH access, with a
 * read-only `tail`. mon's host is a director named in `mon.host`, or the director with that
 * address; when it is neither (mon follows the VIP, as in the lab), each director is tried,
 * the preferred one first, and the first log found is used. Never throws: a host that cannot
 * be reached or has no log is said in the answer, and `/lvs incident` shows the rest.
 */
export function monDowntimeReader(
  inventory: Inventory | (() => Inventory),
  runner: CommandRunner,
  timeoutMs = 8_000,
): (cluster: Cluster) => Promise<DowntimeSource> {
  return async (cluster) => {
    const inv = typeof inventory === 'function' ? inventory() : inventory;
    const mon = cluster.mon;
    if (!mon) return { read: false, why: `cluster ${cluster.name} has no mon in the inventory` };
    const path = mon.dtlogFile ?? DEFAULT_DTLOG;
    const named = cluster.directors.filter((d) => d.name === mon.host || d.address === mon.address);
    const candidates =
      named.length > 0
        ? named
        : [...cluster.directors].sort((a, b) => Number(b.preferred) - Number(a.preferred));
    const failures: string[] = [];
    for (const director of candidates) {
      const target = sshTargetFor(inv, cluster.name, director.name);
      if (!target.ok) {
        failures.push(`${director.name}: ${target.error.message}`);
        continue;
      }
      try {
        const res = await runner.run(target.value, ['tail', '-n', TAIL_LINES, path], { timeoutMs });
        const parsed = parseDtlog(res.stdout);
        if (!parsed.ok) {
          failures.push(`${director.name}:${path}: ${parsed.error.message}`);
          continue;
        }
        return {
          read: true,
          host: director.name,
          entries: parsed.value.entries,
          skipped: parsed.value.skipped.length,
        };
      } catch (error) {
        failures.push(`${director.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { read: false, why: `${path} could not be read (${failures.join('; ') || 'no director'})` };
  };
}
