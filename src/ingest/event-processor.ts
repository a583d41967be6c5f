import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Inventory } from '../config/inventory.js';
import type { LvsEvent } from '../core/events/event.js';
import type { Incident } from '../core/incidents/index.js';
import { channelsFor, type Subject, type Subscription } from '../core/subscriptions/subscription.js';
import type { Logger } from '../log/logger.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import type { IncidentStore } from '../store/incident-store.js';
import type { SubscriptionStore } from '../store/subscription-store.js';

/** Where incident changes go: NotifyProducer queues a notification job per channel. */
export interface NotificationSink {
  incidentChanged(incident: Incident, channels: readonly string[], opened: boolean): Promise<void>;
}

/** Acts on an event once it is part of an incident (auto-remediation). Must be idempotent per event. */
export interface IncidentHook {
  afterApply(event: LvsEvent, incident: Incident): Promise<void>;
}

export interface EventProcessorOptions {
  /** The event store on a connection of its own: reads block on it. */
  events: EventStore;
  incidents: IncidentStore;
  subscriptions: SubscriptionStore;
  inventory: Inventory | (() => Inventory);
  notify: NotificationSink;
  hooks?: IncidentHook[];
  logger: Logger;
  /** The consumer group every bot process shares. */
  group?: string;
  /** This process's name in the group; unique per process. */
  consumer?: string;
  batchSize?: number;
  blockMs?: number;
  /** An entry another consumer held this long without acknowledging it is taken over (it died). */
  claimIdleMs?: number;
  claimEveryMs?: number;
}

export const EVENT_GROUP = 'incidents';

/**
 * Turns the event stream into incidents and notifications. Several bot processes share the
 * stream through one consumer group; each event is applied to the incident store, the
 * notification jobs for every subscribed channel (and the cluster's default channel) are
 * queued, and only then is the entry acknowledged. A process that dies in between leaves the
 * entry pending: another takes it over and runs it again, which is harmless (the incident
 * store recognises the event, and the notification is queued again for the same version).
 *
 * It lives in ingest because it is the second half of the ingest path (the stream ingest
 * writes, read back in the same bot process) and needs only core and store; the notification
 * producer and hooks are handed in.
 */
export class EventProcessor {
  private readonly group: string;
  readonly consumer: string;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastClaim = 0;
  /** Entries this process handled (acknowledged), for metrics and tests. */
  processed = 0;

  constructor(private readonly opts: EventProcessorOptions) {
    this.group = opts.group ?? EVENT_GROUP;
    this.consumer = opts.consumer ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  private inventory(): Inventory {
    const inv = this.opts.inventory;
    return typeof inv === 'function' ? inv() : inv;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.opts.events.ensureGroup(this.group);
    this.stopping = false;
    this.running = this.loop();
  }

  /** Stops after the batch in hand (its entries are acknowledged or left pending). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    let backoff = 100;
    while (!this.stopping) {
      try {
        await this.processOnce();
        backoff = 100;
      } catch (error) {
        if (this.stopping) break;
        this.opts.logger.error({ err: error }, 'event processor: will retry');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** One round: take over stale entries when due, then read a batch (waiting up to blockMs). Returns entries done. */
  async processOnce(): Promise<number> {
    const { events } = this.opts;
    let done = 0;
    const now = Date.now();
    if (now - this.lastClaim >= (this.opts.claimEveryMs ?? 5000)) {
      this.lastClaim = now;
      const stale = await events.claimStale(this.group, this.consumer, this.opts.claimIdleMs ?? 30_000);
      done += await this.handle(stale);
    }
    const batch = await events.read(
      this.group,
      this.consumer,
      this.opts.batchSize ?? 100,
      this.opts.blockMs ?? 1000,
    );
    done += await this.handle(batch);
    return done;
  }

  /**
   * Handles a batch. Events about different incidents apply in parallel (the incident store
   * keeps each key's events in order); a batch with a failover, or with an event and the
   * service it depends on (mon's `depend`), goes one event at a time, since those decide how
   * other events fold.
   */
  private async handle(entries: StoredEvent[]): Promise<number> {
    if (entries.length === 0) return 0;
    const subs = await this.opts.subscriptions.list();
    const one = async (entry: StoredEvent): Promise<void> => {
      if (entry.event) await this.apply(entry.event, subs);
      else
        this.opts.logger.error(
          { streamId: entry.streamId, error: entry.error },
          'event processor: unreadable entry dropped',
        );
    };
    const acked: string[] = [];
    let failure: unknown;
    // Only a dependency in the same batch can race the event that depends on it: earlier
    // batches are applied already.
    const services = new Set(
      entries.flatMap(({ event: e }) =>
        e?.group && e.service ? [`${e.cluster}/${e.group}:${e.service}`] : [],
      ),
    );
    const ordered = entries.some(
      ({ event: e }) =>
        e && (e.kind === 'failover' || (e.dependsOn ?? []).some((d) => services.has(`${e.cluster}/${d}`))),
    );
    if (ordered) {
      for (const entry of entries) {
        try {
          await one(entry);
        } catch (error) {
          failure = error;
          break;
        }
        acked.push(entry.streamId);
      }
    } else {
      const results = await Promise.allSettled(entries.map(one));
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') acked.push(entries[i]!.streamId);
        else failure ??= r.reason;
      });
    }
    // What was done is acknowledged even when another entry failed; the rest stays pending.
    await this.opts.events.ack(this.group, acked);
    this.processed += acked.length;
    if (failure !== undefined) throw failure;
    return acked.length;
  }

  private async apply(event: LvsEvent, subs: Subscription[]): Promise<void> {
    const decision = await this.opts.incidents.apply(event);
    let incident: Incident | undefined;
    let opened = false;
    if (decision.type === 'ignored') {
      // Applied before by a process that died before queueing its notifications: queue them again.
      incident = await this.opts.incidents.appliedTo(event.cluster, event.id);
    } else {
      incident = decision.incident;
      opened = decision.type === 'opened';
    }
    if (!incident) return;
    const cluster = this.inventory().clusters.find((c) => c.name === incident.cluster);
    const subject: Subject = {
      cluster: incident.cluster,
      kind: incident.kind === 'failover' ? 'failover' : 'alert',
      ...(incident.group !== undefined && { group: incident.group }),
      ...(incident.service !== undefined && { service: incident.service }),
    };
    const channels = channelsFor(subs, subject, cluster?.slack.channel);
    await this.opts.notify.incidentChanged(incident, channels, opened);
    for (const hook of this.opts.hooks ?? []) await hook.afterApply(event, incident);
  }
}
