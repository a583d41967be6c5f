/**
 * One key naming scheme for all of lvs-chatops' Redis state. Keys of one cluster share a
 * hash tag (`{cluster}`) so that a Redis Cluster keeps them in one slot and a transaction
 * over a cluster's incidents stays possible.
 */
export class Keys {
  constructor(readonly prefix = 'lvs') {}

  /** The ingest stream: every accepted event, durably, before 202 is answered. */
  eventStream(): string {
    return `${this.prefix}:{events}:stream`;
  }
  /** Marks an event id as accepted, so a resend is recognised. */
  eventSeen(id: string): string {
    return `${this.prefix}:{events}:seen:${id}`;
  }

  incident(cluster: string, id: string): string {
    return `${this.prefix}:{${cluster}}:incident:${id}`;
  }
  /** Open incidents and those resolved recently (reopen/settle windows), scored by last seen. */
  activeIncidents(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:active`;
  }
  /** Every incident of the cluster, scored by the time it opened. */
  allIncidents(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:all`;
  }
  incidentSeq(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:seq`;
  }
  /** Bumped by every incident write: a change counter of the cluster's incidents. */
  incidentRev(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:rev`;
  }
  /** Incident key (cluster/alert/group/service, …) → id of the latest incident with that key. */
  incidentByKey(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:by-key`;
  }
  /**
   * Bumped by every write of an incident with this key: the optimistic lock of one key, so
   * events about different services apply in parallel and only those about the same one retry.
   */
  incidentKeyRev(cluster: string, key: string): string {
    return `${this.prefix}:{${cluster}}:incidents:rev:${key}`;
  }
  /** The cluster's recent failover incidents, scored by last seen (other alerts fold under them). */
  failoverIncidents(cluster: string): string {
    return `${this.prefix}:{${cluster}}:incidents:failovers`;
  }
  /** Marks an event as applied (value: the incident it went to), so a redelivery changes nothing. */
  appliedEvent(cluster: string, eventId: string): string {
    return `${this.prefix}:{${cluster}}:incidents:applied:${eventId}`;
  }

  subscriptions(): string {
    return `${this.prefix}:{subs}:all`;
  }
  subscriptionSeq(): string {
    return `${this.prefix}:{subs}:seq`;
  }

  /** The Slack message of an incident in a channel: ts, delivered version, claim marker, mode. */
  notifyRef(cluster: string, incidentId: string, channel: string): string {
    return `${this.prefix}:{${cluster}}:notify:ref:${incidentId}:${channel}`;
  }
  /** Timeline entries of an incident posted in its thread: entry key → claim time or ts. */
  notifyThread(cluster: string, incidentId: string, channel: string): string {
    return `${this.prefix}:{${cluster}}:notify:thread:${incidentId}:${channel}`;
  }
  /** Incidents of the cluster opened for a channel, scored by time: how a storm is recognised. */
  notifyOpened(cluster: string, channel: string): string {
    return `${this.prefix}:{${cluster}}:notify:opened:${channel}`;
  }
  /** The storm digest of a cluster in a channel: its id, ts, claim marker, open flag. */
  notifyDigest(cluster: string, channel: string): string {
    return `${this.prefix}:{${cluster}}:notify:digest:${channel}`;
  }
  /** The incidents listed in one storm digest, scored by the time they joined. */
  notifyDigestMembers(cluster: string, channel: string, digestId: string): string {
    return `${this.notifyDigestMembersPrefix(cluster, channel)}${digestId}:members`;
  }
  notifyDigestMembersPrefix(cluster: string, channel: string): string {
    return `${this.prefix}:{${cluster}}:notify:digest:${channel}:`;
  }
  notifyDigestSeq(cluster: string): string {
    return `${this.prefix}:{${cluster}}:notify:digest-seq`;
  }
  /** The next time (epoch ms) the app may write to a Slack channel: the per-channel pace. */
  slackPace(channel: string): string {
    return `${this.prefix}:{slack}:pace:${channel}`;
  }
  /** Counters of notifications (sent, rate limited, failed), shared by every worker process. */
  notifyMetrics(): string {
    return `${this.prefix}:{metrics}:notify`;
  }

  /** The flood throttle of one sending host: its token bucket (in the stream's slot: one script admits). */
  throttleBucket(source: string): string {
    return `${this.prefix}:{events}:throttle:${source}:bucket`;
  }
  /** What one sending host reported recently (report → last time): repeats vs new. */
  throttleRecent(source: string): string {
    return `${this.prefix}:{events}:throttle:${source}:recent`;
  }

  /** Real servers of a virtual service that alerts say are down (for the capacity floor of automatic removals). */
  autoDown(cluster: string, service: string): string {
    return `${this.prefix}:{${cluster}}:auto:down:${service}`;
  }
  /** Marks that an event's automatic removal was held and an approval asked for, once. */
  autoHeld(cluster: string, eventId: string): string {
    return `${this.prefix}:{${cluster}}:auto:held:${eventId}`;
  }
}
