import type { Redis } from 'ioredis';
import type { Inventory, VirtualService } from '../config/inventory.js';
import type { LvsEvent } from '../core/events/event.js';
import type { Incident } from '../core/incidents/index.js';
import { checkCapacityFloor } from '../core/policy/capacity-floor.js';
import type { Logger } from '../log/logger.js';
import type { AutoOutcome, QueuedJob } from '../queues/job-producer.js';
import type { PlaybookRequest, Requester } from '../queues/job-schemas.js';
import type { EventStore } from '../store/event-store.js';
import { Keys } from '../store/keys.js';
import type { IncidentHook } from './event-processor.js';

/** What the hook needs of src/queues' JobProducer. */
export interface AutoJobs {
  requestAuto(alert: {
    group?: string;
    monService?: string;
    cluster?: string;
    realServer: string;
    service?: string;
    status: 'down' | 'up';
    eventId: string;
  }): Promise<AutoOutcome>;
  requestPlan(request: PlaybookRequest, requestedBy: Requester): Promise<QueuedJob>;
}

export interface AutoRemediationOptions {
  jobs: AutoJobs;
  inventory: Inventory | (() => Inventory);
  redis: Redis;
  keys?: Keys;
  /** Where notes about what was done go, to show in the incident's thread. */
  events: EventStore;
  logger: Logger;
}

/**
 * The HOWTO's lvs.alert, with brakes. When the cluster's `policy.auto` names a playbook for a
 * virtual service, the alert that opens an outage of one of its real servers queues the
 * removal directly, and the one that resolves it queues the restore (JobProducer.requestAuto:
 * at most maxPerServerPerHour per real server, once per event). A removal that would take
 * the service below its capacity floor, counting the real servers alerts already say are
 * down, is not queued: a dry run is, for an approver to look at and approve with an override
 * (the worker checks the floor again against the live table either way). What was decided is
 * noted on the incident, so it shows in the thread.
 *
 * Idempotent per event: a redelivered event asks nothing twice.
 */
export class AutoRemediation implements IncidentHook {
  private readonly keys: Keys;

  constructor(private readonly opts: AutoRemediationOptions) {
    this.keys = opts.keys ?? new Keys();
  }

  async afterApply(event: LvsEvent, incident: Incident): Promise<void> {
    if (event.kind !== 'alert' || event.status === 'info') return;
    const realServer = event.target?.realServer;
    if (!realServer || !event.target?.vip) return;
    const inventory = typeof this.opts.inventory === 'function' ? this.opts.inventory() : this.opts.inventory;
    const cluster = inventory.clusters.find((c) => c.name === event.cluster);
    const service = cluster?.virtualServices.find(
      (s) => s.vip === event.target?.vip && (event.target.port === undefined || s.port === event.target.port),
    );
    if (!cluster || !service) return;
    const rule = cluster.policy.auto.find((a) => a.service === service.name);
    // Only the event that opened (or reopened) the outage removes; only the one that resolved it restores.
    const entry = incident.timeline.find((e) => e.eventId === event.id);
    const down = event.status === 'down' && (entry?.type === 'opened' || entry?.type === 'reopened');
    const up = event.status === 'up' && entry?.type === 'resolved';
    if (!down && !up) return;
    const downSet = this.keys.autoDown(cluster.name, service.name);
    if (down) await this.opts.redis.sadd(downSet, realServer);
    else await this.opts.redis.srem(downSet, realServer);
    if (!rule || (down ? !rule.onDown : !rule.onUp)) return;

    if (down && rule.onDown === 'remove-real-server') {
      const check = await this.floorCheck(cluster, service, realServer, downSet);
      if (!check.ok) {
        await this.holdForApproval(event, incident, service, realServer, check.summary);
        return;
      }
    }
    const outcome = await this.opts.jobs.requestAuto({
      cluster: cluster.name,
      realServer,
      service: service.name,
      status: down ? 'down' : 'up',
      eventId: event.id,
      ...(incident.group !== undefined && { group: incident.group }),
      ...(incident.service !== undefined && { monService: incident.service }),
    });
    if (outcome.queued) {
      await this.note(
        event,
        incident,
        `auto-${outcome.jobId}`,
        `automatic ${outcome.playbook} of ${realServer} queued as job ${outcome.jobId} (policy.auto); /lvs job ${outcome.jobId}`,
      );
    } else if (outcome.code === 'AUTO_CAP') {
      await this.note(event, incident, 'auto-cap', `no automatic action: ${outcome.reason}`);
    } else if (outcome.code !== 'DUPLICATE') {
      this.opts.logger.info({ eventId: event.id, reason: outcome.reason }, 'auto-remediation: nothing to do');
    }
  }

  /** Would removing the real server leave the service above its floor, the servers alerts call down taken out too? */
  private async floorCheck(
    cluster: Inventory['clusters'][number],
    service: VirtualService,
    realServer: string,
    downSet: string,
  ) {
    const down = new Set(await this.opts.redis.smembers(downSet));
    down.delete(realServer);
    const members = cluster.realServers.flatMap((r) =>
      r.services.filter((s) => s.service === service.name).map((s) => ({ name: r.name, weight: s.weight })),
    );
    return checkCapacityFloor({
      floor: cluster.policy.capacityFloor,
      configuredWeight: members.reduce((sum, m) => sum + m.weight, 0),
      serving: members
        .filter((m) => !down.has(m.name))
        .map((m) => ({ key: m.name, label: m.name, weight: m.weight })),
      changes: [{ kind: 'take-out', key: realServer }],
    });
  }

  private async holdForApproval(
    event: LvsEvent,
    incident: Incident,
    service: VirtualService,
    realServer: string,
    why: string,
  ): Promise<void> {
    const marker = this.keys.autoHeld(event.cluster, event.id);
    if ((await this.opts.redis.set(marker, '1', 'EX', 7 * 86_400, 'NX')) !== 'OK') return;
    const plan = await this.opts.jobs.requestPlan(
      { playbook: 'remove-real-server', cluster: event.cluster, realServer, service: service.name },
      { user: 'auto', via: 'auto', eventId: event.id },
    );
    await this.note(
      event,
      incident,
      'auto-held',
      `automatic removal of ${realServer} held: removing it ${why}. Dry run ${plan.jobId} waits for an approver (/lvs job ${plan.jobId})`,
    );
  }

  /** A note on the incident: an info event about the same service, shown in its thread. */
  private async note(event: LvsEvent, incident: Incident, what: string, text: string): Promise<void> {
    const now = Date.now();
    await this.opts.events.append({
      id: `${event.id}:${what}`.slice(0, 200),
      source: 'job',
      kind: 'alert',
      status: 'info',
      cluster: event.cluster,
      ...(incident.group !== undefined && { group: incident.group }),
      ...(incident.service !== undefined && { service: incident.service }),
      ...(event.host !== undefined && { host: event.host }),
      summary: text.slice(0, 4000),
      at: Math.max(now, event.at),
      receivedAt: now,
    });
  }
}
