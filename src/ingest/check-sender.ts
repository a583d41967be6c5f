import type { IngestSender } from '../config/ingest-tokens.js';
import type { Cluster, Director, Inventory, RealServer } from '../config/inventory.js';
import { findHost } from '../config/lookup.js';
import type { LvsEvent } from '../core/events/event.js';
import { clusterIndex, keyOf } from './normalize/cluster-index.js';
import { hostIn } from './normalize/find-in-cluster.js';
import { SenderRefused } from './sender-refused.js';

/** What every body says about itself: where it is from. */
export interface SenderClaim {
  cluster?: string | undefined;
  hostname: string;
}

/**
 * Before the body is read against the inventory: a token of one cluster may not claim another
 * cluster, nor a hostname of another cluster, nor (when it lists hosts) a host it does not
 * list. Checked first, so that such a body learns nothing of the other cluster's names from a
 * 422. Returns the cluster the token implies when the body names none (undefined for
 * INGEST_TOKEN, which speaks for every cluster).
 */
export function checkClaim(
  sender: IngestSender,
  claim: SenderClaim,
  inventory: Inventory,
): string | undefined {
  if (sender.cluster === undefined) return undefined;
  const speaksFor = `token ${sender.name} speaks for cluster ${sender.cluster} only`;
  if (claim.cluster !== undefined && claim.cluster !== sender.cluster) {
    throw new SenderRefused(sender, 'other-cluster', `${speaksFor}, not ${claim.cluster}`, [
      `cluster: ${claim.cluster} is not ${sender.cluster}; send with ${claim.cluster}'s own token`,
    ]);
  }
  const own = inventory.clusters.find((c) => c.name === sender.cluster);
  if (own === undefined) {
    throw new SenderRefused(sender, 'other-cluster', `${speaksFor}, which is no longer in the inventory`, [
      `cluster: ${sender.cluster} is not in the inventory; remove the token or restore the cluster`,
    ]);
  }
  const host = hostIn(inventory, own, claim.hostname);
  if (host === undefined) {
    const elsewhere = findHost(inventory, claim.hostname);
    if (elsewhere.ok) {
      const other = elsewhere.value.cluster.name;
      throw new SenderRefused(
        sender,
        'other-cluster',
        `${speaksFor}, and ${claim.hostname} is a host of ${other}`,
        [`hostname: ${claim.hostname} is a host of cluster ${other}, not ${sender.cluster}`],
      );
    }
  }
  if (sender.hosts !== undefined && (host === undefined || !sender.hosts.includes(host.name))) {
    throw new SenderRefused(
      sender,
      'other-host',
      `token ${sender.name} speaks for ${sender.hosts.join(', ')} only, not ${claim.hostname}`,
      [
        `hostname: ${claim.hostname} is not one of the hosts token ${sender.name} lists (${sender.hosts.join(', ')})`,
      ],
    );
  }
  return sender.cluster;
}

/**
 * Once the body is an event: its cluster is the token's, and a real server's state
 * (keepalived's notify_up/notify_down) comes only from a director of its cluster. Returns
 * the flood throttle's bucket: the token, per inventory host it speaks as; every name the
 * inventory does not hold shares the token's one bucket, so a made-up hostname per request
 * does not get a bucket of its own.
 */
export function checkEvent(
  sender: IngestSender,
  hostname: string,
  event: LvsEvent,
  inventory: Inventory,
): string {
  const cluster = inventory.clusters.find((c) => c.name === event.cluster);
  if (cluster === undefined || (sender.cluster !== undefined && sender.cluster !== event.cluster)) {
    throw new SenderRefused(
      sender,
      'other-cluster',
      `token ${sender.name} speaks for cluster ${sender.cluster ?? '?'} only, not ${event.cluster}`,
      [`cluster: the body is about ${event.cluster}`],
    );
  }
  const host = hostIn(inventory, cluster, hostname);
  if (
    event.source === 'keepalived' &&
    event.kind === 'alert' &&
    directorOf(cluster, hostname, host) === undefined
  ) {
    const directors = cluster.directors.map((d) => d.name).join(', ');
    throw new SenderRefused(
      sender,
      'not-a-director',
      `a real server's state is reported only by the directors of cluster ${cluster.name} (${directors}); ${hostname} is not one of them`,
      [
        `hostname: ${hostname} is not a director of cluster ${cluster.name}; keepalived's notify_up/notify_down run on directors`,
      ],
    );
  }
  return `${sender.name}@${host?.name ?? '*'}`;
}

function directorOf(
  cluster: Cluster,
  hostname: string,
  host: Director | RealServer | undefined,
): Director | undefined {
  return clusterIndex(cluster).directors.get(keyOf(hostname)) ?? cluster.directors.find((d) => d === host);
}
