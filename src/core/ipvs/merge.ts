import { err, ok, type ParseError, type Result } from '../result.js';
import type { CounterListing, RateListing, StatsListing } from './list-parser.js';
import type { IpvsTable } from './model.js';
import { describeService, realServerKey, serviceKey } from './service-id.js';

function differ(message: string): ParseError {
  return {
    code: 'IPVS_LISTINGS_DIFFER',
    message: `${message}; the table changed between the listings, so read them again`,
  };
}

type Attach<C> = (target: { stats: unknown; rates: unknown }, counters: C) => void;

function attach<C>(
  table: IpvsTable,
  listing: CounterListing<C>,
  what: string,
  put: Attach<C>,
): ParseError | null {
  const byService = new Map(listing.services.map((s) => [serviceKey(s.id), s]));
  if (byService.size !== listing.services.length) return differ(`${what} lists a service twice`);
  for (const service of table.services) {
    const other = byService.get(serviceKey(service.id));
    if (!other) return differ(`${describeService(service.id)} is in the table but not in ${what}`);
    byService.delete(serviceKey(service.id));
    put(service, other.counters);
    const byServer = new Map(other.realServers.map((r) => [realServerKey(r), r]));
    for (const rs of service.realServers) {
      const found = byServer.get(realServerKey(rs));
      if (!found) {
        return differ(
          `${describeService(service.id)}: ${realServerKey(rs)} is in the table but not in ${what}`,
        );
      }
      byServer.delete(realServerKey(rs));
      put(rs, found.counters);
    }
    const extra = [...byServer.keys()][0];
    if (extra !== undefined) {
      return differ(`${describeService(service.id)}: ${extra} is in ${what} but not in the table`);
    }
  }
  const extra = [...byService.values()][0];
  if (extra) return differ(`${describeService(extra.id)} is in ${what} but not in the table`);
  return null;
}

/**
 * One table from `ipvsadm -L -n` plus `--stats` and/or `--rate` listings of the same director:
 * every service and real server gets its counters. The listings must show the same services
 * and real servers; if not, the table changed in between and the answer is an error.
 */
export function mergeIpvsListings(
  table: IpvsTable,
  extra: { stats?: StatsListing; rates?: RateListing },
): Result<IpvsTable> {
  const merged: IpvsTable = {
    ...table,
    services: table.services.map((s) => ({ ...s, realServers: s.realServers.map((r) => ({ ...r })) })),
  };
  if (extra.stats) {
    const e = attach(merged, extra.stats, 'the --stats listing', (t, c) => {
      t.stats = c;
    });
    if (e) return err(e);
  }
  if (extra.rates) {
    const e = attach(merged, extra.rates, 'the --rate listing', (t, c) => {
      t.rates = c;
    });
    if (e) return err(e);
  }
  return ok(merged);
}
