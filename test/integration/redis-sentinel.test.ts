import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { createRedis, type RedisRole } from '../../src/redis/create-redis.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { Keys } from '../../src/store/keys.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { TestSshd } from '../support/sshd.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack, subjectOf } from './notifier-support.js';
import { SentinelSet } from './redis-processes.js';
import { commandPlan, inventoryYaml, loadYaml, OPERATOR, run } from './worker-support.js';

/**
 * REDIS_URL=redis-sentinel://…: the bot's alert path (ingest → stream → incidents → Slack) and
 * the remediation jobs (producer → BullMQ → worker → SSH) keep going while the Redis primary
 * is killed and a Sentinel set promotes its replica. Nothing accepted is lost, nothing is done
 * twice: every alert is one incident and one Slack message, every job ran its command once.
 */

const ALERTS = 24;
const JOBS = 12;

let lb1: TestSshd;
let lb2: TestSshd;
/** What one scenario started, stopped after it whatever happened. */
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  [lb1, lb2] = await Promise.all([TestSshd.start(), TestSshd.start()]);
}, 120_000);

afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
}, 60_000);

afterAll(async () => {
  await Promise.all([lb1?.dispose(), lb2?.dispose()]);
}, 60_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Sentinel set, the alert pipeline and a playbook worker on it; alerts and jobs sent at a
 * steady pace; `failover` run once both streams are under way. Then checks that every alert
 * is one incident and one Slack message, and every queued job ran its command once.
 */
async function streamThroughFailover(
  failover: (set: SentinelSet) => Promise<void>,
): Promise<{ refused: number }> {
  const set = await SentinelSet.start();
  cleanups.push(() => set.dispose());
  const slack = await startAlertSlack({ postMessagePerChannel: false });
  cleanups.push(() => slack.close());
  const prefix = `sentinel-${randomUUID().slice(0, 8)}`;
  const env = readEnv({
    REDIS_URL: set.url,
    INGEST_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
  });
  // Connections of the test's own, as the CLI opens them: their errors are logged, not thrown.
  const connect = (role: RedisRole): Redis => {
    const redis = createRedis(env, role);
    redis.on('error', () => undefined);
    cleanups.push(async () => redis.disconnect());
    return redis;
  };
  const pipeline = await startAlertPipeline({
    env,
    inventory: labInventory({ realServers: ALERTS }),
    logger: quietLogger(),
    keys: new Keys(prefix),
    port: 0,
    paceMs: 0,
    storm: { threshold: 1000, windowMs: 60_000 },
    claimIdleMs: 2000,
    jobs: false,
  });
  cleanups.push(() => pipeline.close());

  // Each job appends its weight to a ledger on lb1: a job run twice leaves its line twice.
  const ledger = `${lb1.dir}/ledger-${prefix}`;
  const inventory = loadYaml(inventoryYaml(lb1, lb2));
  const producer = new JobProducer({ redis: connect('command'), inventory, prefix, backoffMs: 500 });
  cleanups.push(() => producer.close());
  const runner = new SshExecutor({ connectTimeoutMs: 3_000 });
  cleanups.push(() => runner.close());
  const worker = await PlaybookWorker.start({
    connect: () => connect('blocking'),
    inventory,
    logger: quietLogger(),
    prefix,
    runner,
    planner: {
      readsFor: () => [],
      planFor: (input) => {
        const weight = 'weight' in input.target ? input.target.weight : undefined;
        return commandPlan([
          { id: 'ledger', actions: [run('lb1', 'sh', '-c', `echo ${weight} >> ${ledger}`)] },
        ]);
      },
    },
  });
  cleanups.push(() => worker.close(0));
  const ledgerLines = async () =>
    (await readFile(ledger, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);

  // The alert script's way: resend the same alert (same id) until it is accepted.
  let accepted = 0;
  let refused = 0;
  const sendAlerts = async () => {
    for (let server = 1; server <= ALERTS; server++) {
      const body = monBody({ server });
      await until(
        async () => {
          const answer = await post(pipeline.server!.url, '/hooks/mon', body).catch(() => undefined);
          if (answer && answer.status >= 200 && answer.status < 300) return true;
          refused++;
          await pause(200);
          return false;
        },
        120_000,
        `alert for web-${server} accepted`,
      );
      accepted++;
      await pause(250);
    }
  };
  // An operator's way: a request that failed is asked again (as a new job, with a new weight).
  const requested: number[] = [];
  const queued: { jobId: string; weight: number }[] = [];
  const requestJobs = async () => {
    let weight = 100;
    while (queued.length < JOBS) {
      weight++;
      requested.push(weight);
      try {
        const job = await producer.requestRun(
          { playbook: 'reweight', realServer: 'web-1', weight },
          OPERATOR,
        );
        queued.push({ jobId: job.jobId, weight });
      } catch {
        await pause(300);
      }
      await pause(400);
    }
  };
  let atFailover = { alerts: 0, jobs: 0 };
  const failoverMidStream = async () => {
    await until(
      async () => accepted >= 8 && (await ledgerLines()).length >= 4,
      60_000,
      'the streams under way',
    );
    atFailover = { alerts: accepted, jobs: queued.length };
    await failover(set);
    // Sentinels elect a leader first; on a loaded machine a failed election is tried again.
    await until(async () => (await set.primaryPort()) === set.replica.port, 90_000, 'the replica promoted');
  };

  // Where the streams stand, for a failure's message.
  const progress = async () =>
    `${accepted} alerts accepted, ${refused} refused; ${queued.length} jobs queued, ${(await ledgerLines()).length} ran`;
  const streams = Promise.all([sendAlerts(), requestJobs(), failoverMidStream()]);
  const stuck = new Promise<never>((_, reject) => {
    const timer = setTimeout(
      async () => reject(new Error(`the streams did not end: ${await progress()}`)),
      150_000,
    );
    void streams.finally(() => clearTimeout(timer)).catch(() => undefined);
  });
  await Promise.race([streams, stuck]);
  // The failover happened mid-stream: both streams went on after it.
  expect(atFailover.alerts).toBeLessThan(ALERTS);
  expect(atFailover.jobs).toBeLessThan(JOBS);

  // Every alert is one incident of one alert: none lost, none applied twice.
  const incidents = await until(
    async () => {
      const open = await pipeline.incidents.open('lab');
      return open.length >= ALERTS ? open : undefined;
    },
    60_000,
    `${ALERTS} incidents`,
  );
  expect(incidents).toHaveLength(ALERTS);
  expect(incidents.map((i) => i.count)).toEqual(Array(ALERTS).fill(1));
  // Every incident has one message in the cluster's channel.
  await until(() => botMessages(slack, 'C0LVSOPS').length >= ALERTS, 60_000, `${ALERTS} Slack messages`);
  const subjects = botMessages(slack, 'C0LVSOPS').map((m) => subjectOf(slack, m));
  expect(subjects).toHaveLength(ALERTS);
  expect(new Set(subjects)).toEqual(new Set(incidents.map((i) => i.id)));

  // Every queued job ran, once; a request that failed during the failover ran at most once.
  const audits = await Promise.all(queued.map((q) => producer.waitFor(q.jobId, 60_000)));
  expect(audits.map((a) => a.status)).toEqual(Array(JOBS).fill('done'));
  const lines = await ledgerLines();
  for (const q of queued)
    expect(
      lines.filter((l) => l === q.weight),
      `weight ${q.weight}`,
    ).toHaveLength(1);
  expect(lines.length).toBe(new Set(lines).size);
  for (const l of lines) expect(requested).toContain(l);
  return { refused };
}

describe('Redis Sentinel failover', () => {
  it('loses no alert and no job, and does nothing twice, when the primary dies mid-stream', {
    timeout: 240_000,
  }, async () => {
    const { refused } = await streamThroughFailover(async (set) => {
      await set.primary.kill();
    });
    // The ingest said 503 while there was no primary; the sender's resends were accepted.
    expect(refused).toBeGreaterThan(0);
  });
});
