import type { Redis } from 'ioredis';
import type { Inventory } from '../config/inventory.js';
import type { EventStore } from '../store/event-store.js';
import type { IncidentStore } from '../store/incident-store.js';
import { Keys } from '../store/keys.js';
import { CounterSet, type MetricFamily, renderPrometheus } from './prometheus-text.js';

export type HookSource = 'mon' | 'heartbeat' | 'keepalived';

/**
 * What `GET /metrics` shows. Request counters are this process's (each bot replica is
 * scraped on its own, as Prometheus expects); the stream length, open incidents and the
 * notification counters are read from Redis at scrape time, since the notify workers may
 * run in other processes.
 */
export class IngestMetrics {
  readonly accepted = new CounterSet();
  readonly duplicate = new CounterSet();
  readonly rejected = new CounterSet();
  /** 401, 403 and 429, by the token's name (`none` without one) and why. */
  readonly refusedSenders = new CounterSet();

  async render(sources: {
    redis: Redis;
    keys?: Keys;
    events: EventStore;
    incidents: IncidentStore;
    inventory: Inventory;
  }): Promise<string> {
    const keys = sources.keys ?? new Keys();
    const [streamLength, notify, open] = await Promise.all([
      sources.events.length(),
      sources.redis.hgetall(keys.notifyMetrics()),
      Promise.all(
        sources.inventory.clusters.map(async (c) => ({
          cluster: c.name,
          open: (await sources.incidents.open(c.name)).length,
        })),
      ),
    ]);
    const notifySamples = (what: string) =>
      Object.entries(notify)
        .filter(([field]) => field.startsWith(`${what}:`))
        .map(([field, value]) => ({
          labels: { target: field.slice(what.length + 1) },
          value: Number(value),
        }));
    const families: MetricFamily[] = [
      {
        name: 'lvs_chatops_ingest_accepted_total',
        help: 'Events accepted and stored in the event stream, by source.',
        type: 'counter',
        samples: this.accepted.samples(),
      },
      {
        name: 'lvs_chatops_ingest_duplicate_total',
        help: 'Events sent again after they were accepted (answered 202, stored once), by source.',
        type: 'counter',
        samples: this.duplicate.samples(),
      },
      {
        name: 'lvs_chatops_ingest_rejected_total',
        help: 'Requests refused, by source and HTTP status.',
        type: 'counter',
        samples: this.rejected.samples(),
      },
      {
        name: 'lvs_chatops_ingest_sender_refused_total',
        help: 'Requests refused for who sent them, by token name (INGEST_TOKEN, CLUSTER/NAME, or none) and reason (unauthorized, other-cluster, other-host, not-a-director, throttled).',
        type: 'counter',
        samples: this.refusedSenders.samples(),
      },
      {
        name: 'lvs_chatops_event_stream_length',
        help: 'Entries in the event stream.',
        type: 'gauge',
        samples: [{ value: streamLength }],
      },
      {
        name: 'lvs_chatops_incidents_open',
        help: 'Open incidents, by cluster.',
        type: 'gauge',
        samples: open.map((o) => ({ labels: { cluster: o.cluster }, value: o.open })),
      },
      {
        name: 'lvs_chatops_notifications_sent_total',
        help: 'Messages posted or updated by the notifiers, by target (slack, webhook).',
        type: 'counter',
        samples: notifySamples('sent'),
      },
      {
        name: 'lvs_chatops_notifications_rate_limited_total',
        help: 'HTTP 429 answers the notifiers got, by target.',
        type: 'counter',
        samples: notifySamples('ratelimited'),
      },
      {
        name: 'lvs_chatops_notifications_failed_total',
        help: 'Notifications given up on, by target.',
        type: 'counter',
        samples: notifySamples('failed'),
      },
    ];
    return renderPrometheus(families);
  }
}
