import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Incident } from '../../src/core/incidents/index.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { defaultSeedInput } from '../../src/localslack/seed.js';
import { NOTIFY_QUEUE, notifyPrefix } from '../../src/notifiers/notify-jobs.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { NotificationStore } from '../../src/store/notification-store.js';
import type { PipelineChildSettings } from './alert-pipeline-child.js';
import { killOnExit } from './children.js';
import { peakRssMb, rssMb } from './process-memory.js';
import { CHANNEL, CLUSTER, hostsNamedIn } from './storm-alerts.js';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const BOT_TOKEN = 'xoxb-local-bench-fake';
export const SIGNING_SECRET = 'bench-signing-secret';
export const INGEST_TOKEN = 'bench-ingest-token';

/**
 * The local Slack as the storm's Slack: the lab's workspace, the scopes the notifier uses,
 * and Slack's rate limits on (chat.postMessage about 1/s per channel with a small burst,
 * and the per-method tiers: chat.update is Tier 3, 50 a minute).
 */
export async function startStormSlack(): Promise<LocalSlack> {
  const seed = defaultSeedInput();
  seed.app.scopes = [...new Set([...seed.app.scopes, 'channels:history', 'groups:history', 'chat:write'])];
  return startLocalSlack({
    seed,
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    limits: { postMessagePerChannel: { perSecond: 1, burst: 4 }, tiers: true },
  });
}

/** What the operator can see in a Slack channel now: hosts named by the current messages. */
export class SlackView {
  private readonly byMessage = new Map<string, Set<number>>();
  private readonly visible = new Set<number>();
  private completeAt: number | undefined;
  private lastWriteAt: number | undefined;
  private readonly off: () => void;

  constructor(
    slack: LocalSlack,
    private readonly channel: string,
    private readonly expected: number,
  ) {
    this.off = slack.watch((e) => {
      if (e.type !== 'message_posted' && e.type !== 'message_changed') return;
      if (e.message.channel !== channel || e.message.botId === undefined) return;
      this.lastWriteAt = Date.now();
      const hosts = new Set<number>();
      hostsNamedIn(e.message.text, hosts);
      hostsNamedIn(JSON.stringify(e.message.blocks), hosts);
      this.byMessage.set(e.message.ts, hosts);
      this.recount();
    });
  }

  private recount(): void {
    this.visible.clear();
    for (const hosts of this.byMessage.values()) for (const h of hosts) this.visible.add(h);
    if (this.completeAt === undefined && this.visible.size >= this.expected) this.completeAt = Date.now();
  }

  hosts(): ReadonlySet<number> {
    return this.visible;
  }
  /** When every expected host was first visible at once (Date.now()). */
  allVisibleAt(): number | undefined {
    return this.completeAt;
  }
  lastWrite(): number | undefined {
    return this.lastWriteAt;
  }
  close(): void {
    this.off();
  }
}

export interface LvsChatopsPeer {
  /** Base URL of the ingest: POST `${url}/hooks/mon`. */
  url: string;
  /** The ingest's process. */
  pid: number;
  /** Every process of the pipeline: the ingest's and the event processor's. */
  pids: number[];
  keys: Keys;
  /** Of both processes together. */
  rssMb(): number;
  peakRssMb(): number;
  /** Notify jobs not yet done (waiting, active, delayed, prioritized) and those failed for good. */
  jobs(): Promise<{ pending: number; failed: number }>;
  openIncidents(): Promise<Incident[]>;
  /** Incidents of the cluster open or recently resolved (a cheap count to poll). */
  activeCount(): Promise<number>;
  counters(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

interface PipelineChild {
  pid: number;
  /** The ingest's base URL ('' for the events process). */
  url: string;
  stop(): Promise<void>;
}

/** Forks one process of the alert pipeline in `role` and waits until it is ready. */
async function forkPipeline(settings: PipelineChildSettings): Promise<PipelineChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./alert-pipeline-child.js', import.meta.url)), {
    env: { ...process.env, BENCH_PIPELINE: JSON.stringify(settings) },
    // Its log goes to the bench's log (stderr), never into the table on stdout.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // BENCH_PROFILE_DIR=DIR writes a V8 CPU profile of each pipeline process there (open it in Chrome DevTools).
    ...(process.env.BENCH_PROFILE_DIR && {
      execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`],
    }),
  });
  let output = '';
  const keep = (d: Buffer) => {
    process.stderr.write(d);
    output = (output + d.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      // Loading the modules alone takes tens of seconds on 2 cores at a load of 30.
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `the alert pipeline (${settings.role}) did not start within 90 s (is Redis at ${REDIS_URL} up?)`,
            ),
          ),
        90_000,
      );
      child.once('message', (m: { ready?: boolean; url?: string }) => {
        clearTimeout(timer);
        if (m.ready) resolve(m.url ?? '');
        else reject(new Error(`the alert pipeline (${settings.role}) answered ${JSON.stringify(m)}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new Error(`the alert pipeline (${settings.role}) exited (${code}) before it was ready:\n${output}`),
        );
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    pid: child.pid!,
    url,
    async stop() {
      if (child.connected) child.send('stop');
      const done = await Promise.race([
        exited.then(() => true),
        new Promise((r) => setTimeout(r, 10_000, false)),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * Starts the alert pipeline as an operator deploys it for alert storms, two processes on a
 * fresh Redis key prefix (alert-pipeline-child.js, from the build): the ingest, as `lvs-chatops
 * bot --no-event-processor` runs it, and the event processor with the Slack notifier pointed
 * at `slack`, as `lvs-chatops worker --event-processor` runs them. stop() ends both and
 * deletes every key under the prefix.
 */
export async function startLvsChatops(slack: LocalSlack, hosts: number): Promise<LvsChatopsPeer> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const keys = new Keys(prefix);
  const settings = (role: PipelineChildSettings['role']): PipelineChildSettings => ({
    redisUrl: REDIS_URL,
    prefix,
    slackApiUrl: slack.apiUrl,
    botToken: BOT_TOKEN,
    ingestToken: INGEST_TOKEN,
    hosts,
    role,
  });
  const events = await forkPipeline(settings('events'));
  let ingest: PipelineChild;
  try {
    ingest = await forkPipeline(settings('ingest'));
  } catch (error) {
    await events.stop();
    throw error;
  }
  const probe = new PipelineProbe(REDIS_URL, prefix);
  const { redis } = probe;
  const incidents = new IncidentStore(redis, keys);
  const notifications = new NotificationStore(redis, keys);
  const pids = [ingest.pid, events.pid];
  return {
    url: ingest.url,
    pid: ingest.pid,
    pids,
    keys,
    rssMb: () => pids.reduce((sum, pid) => sum + rssMb(pid), 0),
    peakRssMb: () => pids.reduce((sum, pid) => sum + peakRssMb(pid), 0),
    jobs: () => probe.jobs(),
    openIncidents: () => incidents.open(CLUSTER),
    activeCount: () => probe.activeCount(),
    counters: () => notifications.counters(),
    async stop() {
      await Promise.all([ingest.stop(), events.stop()]);
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.del(...found);
      } while (cursor !== '0');
      await probe.close();
    },
  };
}

/**
 * Reads how far an alert pipeline has got, from outside, in its Redis (any key prefix, any
 * database): incidents recorded and notify jobs not yet done.
 */
export class PipelineProbe {
  readonly redis: Redis;
  private readonly queue: Queue;
  private readonly keys: Keys;

  constructor(redisUrl: string, prefix: string) {
    this.redis = createRedis({ REDIS_URL: redisUrl }, 'command');
    this.keys = new Keys(prefix);
    this.queue = new Queue(NOTIFY_QUEUE, {
      connection: this.redis.duplicate(),
      prefix: notifyPrefix(prefix),
    });
  }

  /** Notify jobs not yet done (waiting, active, delayed, prioritized) and those failed for good. */
  async jobs(): Promise<{ pending: number; failed: number }> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'waiting-children',
      'failed',
    );
    const pending =
      (c.waiting ?? 0) +
      (c.active ?? 0) +
      (c.delayed ?? 0) +
      (c.prioritized ?? 0) +
      (c['waiting-children'] ?? 0);
    return { pending, failed: c.failed ?? 0 };
  }

  /** Incidents of the storm's cluster open or recently resolved. */
  activeCount(): Promise<number> {
    return this.redis.zcard(this.keys.activeIncidents(CLUSTER));
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.redis.quit();
  }
}

export { CHANNEL };
