import { createHash } from 'node:crypto';
import type { Incident, TimelineEntry } from '../../core/incidents/index.js';
import type { IncidentStore } from '../../store/incident-store.js';
import type { NotificationStore } from '../../store/notification-store.js';
import { ChannelBusyError } from '../errors/channel-busy-error.js';
import { NotifyRefusedError } from '../errors/notify-refused-error.js';
import type { DigestJob, IncidentJob } from '../notify-jobs.js';
import { renderIncident, renderTimelineEntry } from './render-incident.js';
import { renderStorm } from './render-storm.js';
import type { MessageMarker, SlackChannelClient } from './slack-channel-client.js';

export interface StormOptions {
  /** More than this many incidents of a cluster opened for a channel within `windowMs` is a storm. */
  threshold: number;
  windowMs: number;
}

export const defaultStormOptions: StormOptions = { threshold: 10, windowMs: 60_000 };

export type Delivery = 'gone' | 'up-to-date' | 'posted' | 'updated' | 'digest';

export interface SlackNotifierOptions {
  slack: SlackChannelClient;
  incidents: IncidentStore;
  store: NotificationStore;
  /** Queues a refresh of a storm digest (NotifyProducer.digestChanged). */
  requestDigest: (cluster: string, channel: string) => Promise<void>;
  storm?: StormOptions;
  now?: () => number;
}

/** The key of a timeline entry in the thread: stable as long as the entry exists. */
function entryKey(entry: TimelineEntry): string {
  return `${entry.at}.${entry.type}.${entry.eventId ?? ''}`;
}

/**
 * Delivers incidents to Slack: one message per incident per channel, posted once, edited in
 * place on every change, with the timeline as thread replies. Every step is recorded in
 * Redis as it completes, so a job that is retried, redelivered or run again after a crash
 * goes on where the last run stopped and never posts the same thing twice. During a storm
 * (many incidents of one cluster opening in a channel at once) new incidents are listed in
 * one storm digest message instead of a message each.
 */
export class SlackNotifier {
  private readonly storm: StormOptions;
  private readonly now: () => number;

  constructor(private readonly opts: SlackNotifierOptions) {
    this.storm = opts.storm ?? defaultStormOptions;
    this.now = opts.now ?? Date.now;
  }

  async deliverIncident(job: IncidentJob): Promise<Delivery> {
    const { cluster, incidentId, channel } = job;
    const { store, slack } = this.opts;
    const incident = await this.opts.incidents.get(cluster, incidentId);
    if (!incident) return 'gone';
    let ref = await store.ref(cluster, incidentId, channel);

    if (ref.mode === 'digest') {
      const digest = await store.digest(cluster, channel);
      if (digest?.open && digest.id === ref.digestId) {
        if (ref.delivered < incident.version) {
          await this.opts.requestDigest(cluster, channel);
          await store.setDelivered(cluster, incidentId, channel, incident.version);
        }
        return 'digest';
      }
      // The storm it was listed in is over; from now on it has a message of its own.
      await store.resetRef(cluster, incidentId, channel);
      ref = await store.ref(cluster, incidentId, channel);
    }
    if (ref.ts && ref.delivered >= incident.version) return 'up-to-date';
    if (ref.ts) {
      // A storm's digest speaks first: until it is posted, the updates of messages posted
      // before the storm wait, so the channel's first slots show every new outage.
      const digest = await store.digest(cluster, channel);
      if (digest?.open && !digest.ts) throw new ChannelBusyError(channel, 1000, false);
    }

    let outcome: Delivery = 'up-to-date';
    let ts = ref.ts;
    if (!ts) {
      if (await this.joinsStorm(incident, channel)) {
        await this.opts.requestDigest(cluster, channel);
        return 'digest';
      }
      const marker: MessageMarker = { cluster, subject: incidentId, part: 'main' };
      const claimed = await store.claimPost(cluster, incidentId, channel, this.now());
      ts = claimed === undefined ? undefined : await slack.find(channel, marker, claimed);
      if (!ts) ts = await slack.post(channel, renderIncident(incident, this.now()), marker);
      await store.setPosted(cluster, incidentId, channel, ts, incident.version);
      outcome = 'posted';
    } else if (ref.shown < incident.version) {
      try {
        await slack.update(channel, ts, renderIncident(incident, this.now()));
      } catch (error) {
        if (error instanceof NotifyRefusedError && error.reason === 'message_not_found') {
          // Someone deleted the message: post a new one on the next attempt.
          await store.resetRef(cluster, incidentId, channel);
          throw new Error(`the message of ${incidentId} in ${channel} was deleted; posting it again`);
        }
        throw error;
      }
      await store.setShown(cluster, incidentId, channel, incident.version);
      outcome = 'updated';
    }
    await this.postTimeline(incident, channel, ts);
    await store.setDelivered(cluster, incidentId, channel, incident.version);
    return outcome;
  }

  /**
   * Timeline entries not yet in the thread, oldest first. The opening entry is the message
   * itself; of several repeats waiting, only the latest is posted (the message shows the count).
   */
  private async postTimeline(incident: Incident, channel: string, threadTs: string): Promise<void> {
    const { store, slack } = this.opts;
    const { cluster, id } = incident;
    const marks = await store.threadMarks(cluster, id, channel);
    const pending = incident.timeline.filter((e) => e.type !== 'opened' && !marks.get(entryKey(e))?.ts);
    const lastRepeat = pending.filter((e) => e.type === 'repeat').at(-1);
    for (const entry of pending) {
      if (entry.type === 'repeat' && entry !== lastRepeat) continue;
      const key = entryKey(entry);
      const marker: MessageMarker = { cluster, subject: id, part: key };
      const mark = marks.get(key);
      let ts =
        mark?.claimedAt === undefined
          ? undefined
          : await slack.find(channel, marker, mark.claimedAt, threadTs);
      if (!ts) {
        if (!mark) await store.claimThreadEntry(cluster, id, channel, key, this.now());
        ts = await slack.post(channel, renderTimelineEntry(incident, entry), marker, threadTs);
      }
      await store.setThreadEntryPosted(cluster, id, channel, key, ts);
    }
    // Repeats passed over count as delivered: the message shows how many there were.
    for (const entry of pending) {
      if (entry.type === 'repeat' && entry !== lastRepeat) {
        await store.setThreadEntryPosted(cluster, id, channel, entryKey(entry), 'skipped');
      }
    }
  }

  /** A new outage joins the storm digest when one is open, or when it is the start of one. */
  private async joinsStorm(incident: Incident, channel: string): Promise<boolean> {
    if (incident.kind === 'failover' || incident.kind === 'security') return false;
    const joined = await this.opts.store.joinStorm(
      incident.cluster,
      channel,
      incident.id,
      incident.version,
      { threshold: this.storm.threshold, since: this.now() - this.storm.windowMs },
      this.now(),
    );
    return joined !== undefined;
  }

  /** Posts or updates the storm digest of a cluster in a channel; closes it when all its incidents resolved. */
  async refreshDigest(job: DigestJob): Promise<Delivery> {
    const { cluster, channel } = job;
    const { store, slack } = this.opts;
    const digest = await store.digest(cluster, channel);
    if (!digest) return 'gone';
    const ids = await store.digestMembers(cluster, channel, digest.id);
    const incidents = await this.opts.incidents.getMany(cluster, ids);
    // Close first: an incident that joins after this renders in a digest of its own, and the
    // "storm is over" text never shows while the storm is still open.
    const over = incidents.length > 0 && incidents.every((i) => i.state !== 'open');
    if (
      over &&
      digest.open &&
      !(await store.closeDigest(cluster, channel, digest.id, ids.length, this.now()))
    ) {
      return 'up-to-date'; // someone joined meanwhile; their refresh comes next
    }
    const message = renderStorm(cluster, incidents, digest.openedAt, this.now());
    const fingerprint = createHash('sha1')
      .update(JSON.stringify(message.blocks.slice(2)))
      .digest('hex');
    let outcome: Delivery = 'up-to-date';
    if (!digest.ts) {
      const marker: MessageMarker = { cluster, subject: `digest-${digest.id}`, part: 'main' };
      const claimed = await store.claimDigestPost(cluster, channel, this.now());
      let ts = claimed === undefined ? undefined : await slack.find(channel, marker, claimed);
      if (!ts) ts = await slack.post(channel, message, marker);
      await store.setDigestPosted(cluster, channel, ts);
      outcome = 'posted';
    } else if (digest.rendered !== fingerprint) {
      await slack.update(channel, digest.ts, message);
      outcome = 'updated';
    }
    await store.setDigestRendered(cluster, channel, fingerprint);
    return outcome;
  }
}
