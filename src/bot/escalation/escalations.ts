import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Cluster, Inventory } from '../../config/inventory.js';
import type { LvsEvent } from '../../core/events/event.js';
import type { Incident } from '../../core/incidents/index.js';
import type { Logger } from '../../log/logger.js';
import { createRedis } from '../../redis/create-redis.js';
import type { EventStore } from '../../store/event-store.js';
import type { IncidentStore } from '../../store/incident-store.js';
import type { Keys } from '../../store/keys.js';
import type { NotificationStore } from '../../store/notification-store.js';
import {
  episodeStart,
  escalationText,
  nextDueAt,
  reminderDueAt,
  reminderText,
  scheduleStart,
  shouldEscalate,
  shouldRemind,
  stepDueAt,
} from './escalation-plan.js';

/**
 * Escalation of unacknowledged incidents, and reminders of long open ones.
 *
 * Why delayed BullMQ jobs with deterministic ids (and not a sorted-set scheduler with a lock):
 * - a restart forgets nothing: the due step is a job in Redis, and BullMQ moves it to wait
 *   when its delay is over, whichever bot process is up then;
 * - two bot processes both schedule the same step (each runs the event processor's hook and
 *   the start-up sweep) but the job id `esc-CLUSTER-INCIDENT-EPISODE-STEP` makes the second
 *   `add` a no-op, and BullMQ hands a job to one worker only: one escalation;
 * - nothing polls: a sorted set would need every process to poll it and take a lock per entry,
 *   which is what BullMQ's delayed set already does, with stalled-job recovery included;
 * - a rerun of a stalled job (its worker died after posting) would post again, so each step
 *   also takes a marker (SET NX) before it posts: at most one message per step. A post Slack
 *   refuses gives the marker back, and BullMQ's retry (with backoff) posts it: the Slack client
 *   does not retry or wait out a rate limit itself, so a stopping bot never waits on one.
 * An ack or a resolve does not remove the pending job: the job reads the incident when it
 * fires and does nothing unless it is still open and unacknowledged (shouldEscalate). That is
 * simpler than cancelling and is right even when the ack lands while the job runs.
 *
 * Completed jobs are kept (not removed) for a week, so a late `add` of the same id stays a no-op.
 *
 * Time: the schedule counts from when the bot learned of the episode (the ingest's time of its
 * event), not the event's own time, and each job carries when it was due: the next one is due
 * its spacing later, or, when that has passed already, its spacing after the late one fired
 * (escalation-plan.ts nextDueAt). A replayed log or a spooled alert from long ago, or a
 * restart after hours without a bot, sends at most one late message per kind, never a burst.
 */
export const ESCALATION_QUEUE = 'escalations';

/** How long a due step waits for the incident's own message, to ping in its thread. */
const NO_THREAD_WAIT_MS = 60_000;

const jobDataSchema = z.strictObject({
  v: z.literal(1),
  cluster: z.string().min(1),
  incident: z.string().min(1),
  /** The episode's start (epoch ms): it opened, or reopened. */
  episode: z.number().int().nonnegative(),
  kind: z.enum(['step', 'remind']),
  /** Step index (0-based) or reminder number (1-based). */
  n: z.number().int().nonnegative(),
  /** When it was due (epoch ms); the next is due from here. Absent in jobs queued before it was kept. */
  dueAt: z.number().int().nonnegative().optional(),
});
type EscalationJob = z.infer<typeof jobDataSchema>;

/** What posts to Slack: chat.postMessage (the bot's WebClient), a thread reply when `thread_ts` is given. */
export type PostMessage = (args: {
  channel: string;
  text: string;
  thread_ts?: string;
}) => Promise<{ ts?: string | undefined }>;

export interface EscalationsOptions {
  redisUrl: string;
  keys: Keys;
  inventory: Inventory | (() => Inventory);
  incidents: IncidentStore;
  events: EventStore;
  notifications: NotificationStore;
  post: PostMessage;
  logger: Logger;
  /** Run the worker that fires due steps (default true). */
  worker?: boolean;
  now?: () => number;
}

/** What an incident hook needs (src/ingest/event-processor.ts IncidentHook). */
export interface EscalationHook {
  afterApply(event: LvsEvent, incident: Incident): Promise<void>;
}

export class Escalations {
  private readonly connection: Redis;
  private readonly workerConnection: Redis | undefined;
  private readonly queue: Queue;
  private readonly worker: Worker | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: EscalationsOptions) {
    this.now = opts.now ?? Date.now;
    this.connection = createRedis({ REDIS_URL: opts.redisUrl }, 'blocking');
    this.connection.on('error', (e) => opts.logger.warn({ err: e.message }, 'escalations: Redis error'));
    // A hash tag of its own: BullMQ's scripts touch several keys of the queue (Redis Cluster).
    const prefix = `${opts.keys.prefix}:{escalations}`;
    this.queue = new Queue(ESCALATION_QUEUE, { connection: this.connection, prefix });
    if (opts.worker !== false) {
      this.workerConnection = createRedis({ REDIS_URL: opts.redisUrl }, 'blocking');
      this.workerConnection.on('error', (e) =>
        opts.logger.warn({ err: e.message }, 'escalations: Redis error'),
      );
      this.worker = new Worker(ESCALATION_QUEUE, (job: Job) => this.fire(job.data), {
        connection: this.workerConnection,
        prefix,
        concurrency: 4,
      });
      this.worker.on('failed', (job, err) =>
        opts.logger.info({ job: job?.id, err: err.message }, 'escalation job failed; BullMQ retries it'),
      );
      this.worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'escalation worker error'));
    }
  }

  private inventory(): Inventory {
    const inv = this.opts.inventory;
    return typeof inv === 'function' ? inv() : inv;
  }

  private cluster(name: string): Cluster | undefined {
    return this.inventory().clusters.find((c) => c.name === name);
  }

  /** The hook the event processor calls after each event: an open incident gets its first step and reminder scheduled. */
  hook(): EscalationHook {
    return {
      afterApply: async (event, incident) => {
        // The episode's jobs are queued by its first event (later ones find them queued): when
        // the ingest took that event is when the bot learned of the episode.
        if (incident.state === 'open') await this.schedule(incident, event.receivedAt);
      },
    };
  }

  /**
   * At start-up: incidents that opened while no bot ran (or before this version) are scheduled
   * too, counting from now (an incident whose jobs are queued already keeps them).
   */
  async sweep(): Promise<number> {
    let n = 0;
    for (const cluster of this.inventory().clusters) {
      for (const incident of await this.opts.incidents.open(cluster.name)) {
        await this.schedule(incident);
        n += 1;
      }
    }
    return n;
  }

  /**
   * Schedules step 0 and the first reminder of the incident's episode, counting from
   * `learnedAt` (when the bot learned of the episode; default now); idempotent.
   */
  async schedule(incident: Incident, learnedAt: number = this.now()): Promise<void> {
    const cluster = this.cluster(incident.cluster);
    if (!cluster) return;
    const episode = episodeStart(incident);
    const from = scheduleStart(learnedAt, this.now());
    const base = { v: 1 as const, cluster: cluster.name, incident: incident.id, episode };
    const first = stepDueAt(cluster.policy.escalation, from, 0);
    if (first !== undefined) await this.add({ ...base, kind: 'step', n: 0, dueAt: first });
    const remind = reminderDueAt(from, cluster.policy.remindEvery, 1);
    await this.add({ ...base, kind: 'remind', n: 1, dueAt: remind });
  }

  private async add(data: EscalationJob & { dueAt: number }): Promise<void> {
    // BullMQ refuses ':' in custom ids; incident ids and cluster names never hold '|'.
    const id = ['esc', data.cluster, data.incident, data.episode, data.kind, data.n].join('|');
    await this.queue.add(data.kind, data, {
      jobId: id,
      delay: Math.max(0, data.dueAt - this.now()),
      // 1 s doubling to 17 min, 34 min in all: covers NO_THREAD_WAIT_MS, and a Slack that is
      // down or rate limits as long as Slack's own client would have kept trying.
      attempts: 12,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    });
  }

  /** A due step or reminder: act only if the incident still needs it, post, record, schedule the next. */
  private async fire(raw: unknown): Promise<string> {
    const parsed = jobDataSchema.safeParse(raw);
    if (!parsed.success) return `ignored: not an escalation job (${parsed.error.issues[0]?.message})`;
    const data = parsed.data;
    const cluster = this.cluster(data.cluster);
    if (!cluster) return `ignored: cluster ${data.cluster} is no longer in the inventory`;
    const incident = await this.opts.incidents.get(cluster.name, data.incident);
    const verdict =
      data.kind === 'step'
        ? shouldEscalate(incident, data.episode, this.now())
        : shouldRemind(incident, data.episode, this.now());
    if (!verdict.act || !incident) {
      const why = verdict.act ? 'gone' : verdict.why;
      this.opts.logger.info(
        { incident: data.incident, kind: data.kind, n: data.n, why },
        'escalation not needed',
      );
      return `not needed: ${why}`;
    }
    const steps = cluster.policy.escalation;
    const now = this.now();
    const home = cluster.slack.channel;
    const ref = await this.opts.notifications.ref(cluster.name, incident.id, home);
    // Jobs queued before `dueAt` was kept counted from the episode's own time.
    const dueAt =
      data.dueAt ??
      (data.kind === 'step'
        ? (stepDueAt(steps, data.episode, data.n) ?? now)
        : reminderDueAt(data.episode, cluster.policy.remindEvery, data.n));
    // The ping belongs in the incident message's thread: when the notifier has not posted that
    // message yet (a busy channel), wait for it a little (BullMQ retries with backoff) rather
    // than ping beside it; after a minute, or for an incident shown in a storm digest, post
    // in the channel.
    if (!ref.ts && ref.mode !== 'digest' && now - dueAt < NO_THREAD_WAIT_MS) {
      throw new Error(`the message of ${incident.id} is not in ${home} yet; escalating once it is`);
    }
    const marker = `${this.opts.keys.prefix}:{${cluster.name}}:escalated:${data.incident}:${data.episode}:${data.kind}:${data.n}`;
    const first = await this.connection.set(marker, String(now), 'EX', 30 * 86_400, 'NX');
    if (first === 'OK') {
      const words =
        data.kind === 'step'
          ? escalationText(incident, steps, data.n, now, this.inventory().slack)
          : reminderText(incident, steps, now, this.inventory().slack);
      const thread = ref.ts;
      try {
        await this.opts.post({ channel: home, text: words.text, ...(thread && { thread_ts: thread }) });
      } catch (error) {
        // Slack refused it (a 429, a 5xx, down): nothing was posted, so the retry posts it.
        await this.connection.del(marker);
        throw error;
      }
      const stepChannel = data.kind === 'step' ? steps[data.n]!.channel : home;
      if (stepChannel !== home) await this.opts.post({ channel: stepChannel, text: words.text });
      await this.record(incident, data, words.note, now);
      this.opts.logger.info(
        { incident: incident.id, kind: data.kind, n: data.n, channel: stepChannel },
        data.kind === 'step' ? 'incident escalated' : 'incident reminder sent',
      );
    }
    // The next one, its spacing after this one was due, or after now when that has passed (a
    // no-op when it is already queued).
    const base = { v: 1 as const, cluster: data.cluster, incident: data.incident, episode: data.episode };
    if (data.kind === 'step') {
      const next = steps[data.n + 1];
      if (next !== undefined) {
        const due = nextDueAt(dueAt, next.after, this.now());
        await this.add({ ...base, kind: 'step', n: data.n + 1, dueAt: due });
      }
    } else {
      const due = nextDueAt(dueAt, cluster.policy.remindEvery, this.now());
      await this.add({ ...base, kind: 'remind', n: data.n + 1, dueAt: due });
    }
    return first === 'OK' ? 'sent' : 'already sent';
  }

  /** The escalation on the incident's timeline: an info event, as an ack is recorded (src/bot/incident-actions.ts). */
  private async record(incident: Incident, data: EscalationJob, note: string, now: number): Promise<void> {
    await this.opts.events.append({
      id: `escalation-${incident.id}-${data.episode}-${data.kind}-${data.n}`,
      source: 'mon',
      kind: incident.kind === 'failover' ? 'failover' : 'alert',
      status: 'info',
      cluster: incident.cluster,
      ...(incident.group !== undefined && { group: incident.group }),
      ...(incident.service !== undefined && { service: incident.service }),
      ...(incident.host !== undefined && { host: incident.host }),
      ...(incident.kind === 'failover' && { phase: 'other' as const }),
      summary: note,
      at: now,
      receivedAt: now,
    });
  }

  async close(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
    this.workerConnection?.disconnect();
  }
}
