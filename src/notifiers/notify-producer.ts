import type { Queue } from 'bullmq';
import type { Incident } from '../core/incidents/index.js';
import type { NotificationStore } from '../store/notification-store.js';
import {
  type DigestJob,
  type IncidentJob,
  NOTIFY_ATTEMPTS,
  NOTIFY_BACKOFF,
  NOTIFY_JOB_NAMES,
  type WebhookJob,
} from './notify-jobs.js';

export interface NotifyProducerOptions {
  /** When a storm starts (the Slack notifier's storm options); storms joined here need no job per incident. */
  storm?: { threshold: number; windowMs: number };
  /** Webhook URLs that get every incident change (the generic webhook notifier). */
  webhooks?: readonly string[];
  /** How long "opened recently" counts, for recognising a storm. */
  stormWindowMs?: number;
  /** How long a digest refresh waits for more changes before it runs. */
  digestDelayMs?: number;
}

const KEEP = { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 86_400 } };

/** BullMQ ids and dedup ids may not hold ':'. */
function safe(...parts: string[]): string {
  return parts.join('.').replace(/:/g, '_');
}

/**
 * Queues notification jobs. At most one job per incident and channel waits at a time, and at
 * most one runs (BullMQ deduplication with keepLastIfActive): a storm of changes to one
 * incident becomes one delivery of its latest version, and two workers never edit the same
 * message at once.
 */
export class NotifyProducer {
  private readonly webhooks: readonly string[];
  private readonly stormWindowMs: number;
  private readonly digestDelayMs: number;
  private readonly storm: { threshold: number; windowMs: number };

  constructor(
    private readonly queue: Queue,
    private readonly store: NotificationStore,
    opts: NotifyProducerOptions = {},
  ) {
    this.webhooks = opts.webhooks ?? [];
    this.stormWindowMs = opts.stormWindowMs ?? 60_000;
    this.digestDelayMs = opts.digestDelayMs ?? 1000;
    this.storm = opts.storm ?? { threshold: 10, windowMs: this.stormWindowMs };
  }

  /**
   * Queues the delivery of an incident's change to each channel (and each webhook). During a
   * storm an outage is listed in the channel's storm digest instead: it joins it here, and
   * only the digest's refresh is queued (one for many changes), not a job per incident.
   */
  async incidentChanged(incident: Incident, channels: readonly string[], opened: boolean): Promise<void> {
    if (opened) {
      // A storm is many incidents reaching the channel at once: counted by when they open here,
      // not by their events' own times (a replayed log or spooled alerts from an hour ago are
      // as many messages now).
      const now = Date.now();
      await Promise.all(
        channels.map((c) =>
          this.store.noteOpened(incident.cluster, c, incident.id, now, this.stormWindowMs * 2),
        ),
      );
    }
    const viaDigest = await Promise.all(channels.map((c) => this.listedInDigest(incident, c, opened)));
    const own = channels.filter((_, i) => !viaDigest[i]);
    const digests = channels.filter((_, i) => viaDigest[i]);
    await Promise.all(digests.map((c) => this.digestChanged(incident.cluster, c)));
    const jobs = [
      ...own.map((channel) => {
        const data: IncidentJob = {
          cluster: incident.cluster,
          incidentId: incident.id,
          channel,
          version: incident.version,
        };
        return {
          name: NOTIFY_JOB_NAMES.incident,
          data,
          opts: {
            ...KEEP,
            attempts: NOTIFY_ATTEMPTS,
            backoff: NOTIFY_BACKOFF,
            deduplication: {
              id: safe('incident', incident.cluster, incident.id, channel),
              keepLastIfActive: true,
            },
          },
        };
      }),
      ...this.webhooks.map((url) => {
        const data: WebhookJob = {
          cluster: incident.cluster,
          incidentId: incident.id,
          url,
          version: incident.version,
        };
        return {
          name: NOTIFY_JOB_NAMES.webhook,
          data,
          opts: {
            ...KEEP,
            attempts: NOTIFY_ATTEMPTS,
            backoff: NOTIFY_BACKOFF,
            deduplication: {
              id: safe('webhook', incident.cluster, incident.id, url),
              keepLastIfActive: true,
            },
          },
        };
      }),
    ];
    await Promise.all(jobs.map((j) => this.queue.add(j.name, j.data, j.opts)));
  }

  /**
   * Whether the change goes to the channel's open storm digest: a new outage joins it (or
   * starts one, past the threshold); a change to one it lists updates it.
   */
  private async listedInDigest(incident: Incident, channel: string, opened: boolean): Promise<boolean> {
    if (incident.kind === 'failover' || incident.kind === 'security') return false;
    const { cluster, id } = incident;
    if (!opened) {
      const ref = await this.store.ref(cluster, id, channel);
      if (ref.mode !== 'digest') return false;
      const digest = await this.store.digest(cluster, channel);
      // A digest that closed: the notifier gives the incident a message of its own.
      if (!digest?.open || digest.id !== ref.digestId) return false;
      await this.store.setDelivered(cluster, id, channel, incident.version);
      return true;
    }
    const now = Date.now();
    const joined = await this.store.joinStorm(
      cluster,
      channel,
      id,
      incident.version,
      {
        threshold: this.storm.threshold,
        since: now - this.storm.windowMs,
      },
      now,
    );
    return joined !== undefined;
  }

  /**
   * Queues a refresh of the storm digest of a cluster in a channel. One waits at a time, a
   * moment after the first change, so that the changes of a storm are shown together.
   */
  async digestChanged(cluster: string, channel: string): Promise<void> {
    const data: DigestJob = { cluster, channel };
    await this.queue.add(NOTIFY_JOB_NAMES.digest, data, {
      ...KEEP,
      delay: this.digestDelayMs,
      attempts: NOTIFY_ATTEMPTS,
      backoff: NOTIFY_BACKOFF,
      deduplication: { id: safe('digest', cluster, channel), keepLastIfActive: true },
    });
  }
}
