import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { Plan } from '../../src/playbooks/plan.js';
import type { PlanInput } from '../../src/playbooks/target.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { EventStore } from '../../src/store/event-store.js';
import { Keys } from '../../src/store/keys.js';
import type { Planner } from '../../src/workers/playbook-processor.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { TestSshd } from '../support/sshd.js';
import { DurableRedis, duplicatePosts, markerOf, posts, sleep, until } from './faults-support.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger } from './ingest-support.js';
import { BOT_TOKEN, startAlertSlack } from './notifier-support.js';
import { commandPlan, inventoryYaml, loadYaml, OPERATOR, run } from './worker-support.js';

// Redis restarted (SIGTERM, then started again on its AOF) while alerts are being posted and
// remediation jobs run: every alert becomes exactly one incident update in Slack, every job
// runs its command exactly once on a real sshd. Lost: 0, done twice: 0.

const PREFIX = 'faults-redis';
const SERVERS = 10;
const JOBS = 6;

let redis: DurableRedis;
let slack: LocalSlack;
let sshd: TestSshd;
let pipeline: AlertPipeline;
let worker: PlaybookWorker;
let runner: SshExecutor;
let producer: JobProducer;
let general: Redis;
const ledger = () => join(sshd.dir, 'ran.log');

/** Each job appends its own line (`job-<weight>`) to a file on the host, slowly enough to be caught mid-run. */
const planner: Planner = {
  readsFor: () => [],
  planFor: (input) => {
    const weight = (input as PlanInput).target as { weight?: number };
    return {
      ...commandPlan([
        {
          id: 'append',
          actions: [run('lb1', 'sh', '-c', `sleep 1; echo job-${weight.weight} >> ${ledger()}`)],
        },
      ]),
      playbook: 'reweight',
    } as Plan;
  },
};

beforeAll(async () => {
  [redis, slack, sshd] = await Promise.all([
    DurableRedis.start(),
    startAlertSlack({ postMessagePerChannel: false }),
    TestSshd.start(),
  ]);
  const env = readEnv({
    INGEST_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
  });
  pipeline = await startAlertPipeline({
    env,
    inventory: labInventory({ realServers: SERVERS }),
    logger: quietLogger(),
    keys: new Keys(PREFIX),
    port: 0,
    jobs: false,
    storm: { threshold: 1000, windowMs: 60_000 },
    lockDurationMs: 5_000,
    stalledIntervalMs: 2_000,
  });
  const sshInventory = loadYaml(inventoryYaml(sshd, sshd));
  general = quiet(new Redis(redis.url, { maxRetriesPerRequest: null }));
  runner = new SshExecutor({ connectTimeoutMs: 3_000 });
  worker = await PlaybookWorker.start({
    connect: () => quiet(new Redis(redis.url, { maxRetriesPerRequest: null })),
    inventory: sshInventory,
    logger: quietLogger(),
    prefix: PREFIX,
    runner,
    events: new EventStore(general, new Keys(PREFIX)),
    planner,
    lockDurationMs: 5_000,
    stalledIntervalMs: 2_000,
    shutdownGraceMs: 2_000,
  });
  producer = new JobProducer({ redis: general, inventory: sshInventory, prefix: PREFIX, backoffMs: 500 });
}, 60_000);

afterAll(async () => {
  await worker?.close(0).catch(() => undefined);
  await runner?.close().catch(() => undefined);
  await producer?.close().catch(() => undefined);
  await pipeline?.close().catch(() => undefined);
  general?.disconnect();
  await slack?.close();
  await redis?.dispose();
  await sshd?.dispose();
});

/** The restart refuses connections for a moment: expected here, not worth a stack trace. */
function quiet(connection: Redis): Redis {
  connection.on('error', () => undefined);
  return connection;
}

/** Posts an alert as slack.alert does: a 503 (Redis down) or a refused connection is tried again. */
async function deliver(body: Record<string, unknown>): Promise<number> {
  let tries = 0;
  for (;;) {
    tries++;
    const status = await post(pipeline.server!.url, '/hooks/mon', body).then(
      (a) => a.status,
      () => 0,
    );
    if (status === 202) return tries;
    if (status !== 503 && status !== 0) throw new Error(`the ingest answered ${status}`);
    if (tries > 200) throw new Error('the ingest did not take the alert back within 200 tries');
    await sleep(100);
  }
}

describe('Redis restarted with alerts and jobs in flight', () => {
  it('loses no alert and no job, and does nothing twice', { timeout: 90_000 }, async () => {
    const jobs: string[] = [];
    for (let w = 1; w <= JOBS; w++) {
      jobs.push(
        (await producer.requestRun({ playbook: 'reweight', realServer: 'web-1', weight: w }, OPERATOR)).jobId,
      );
    }
    // Round 1: every server down once.
    for (let s = 1; s <= SERVERS; s++) await deliver(monBody({ server: s, summary: `round 1 web-${s}` }));
    // Once a job has run (the queue is busy with the rest), restart Redis in the middle of round 2.
    await until(
      'a first job to run',
      async () => (await readFile(ledger(), 'utf8').catch(() => '')).length > 0,
    );
    // Redis stops (SIGTERM: it flushes its AOF and exits) after three alerts of round 2, and
    // starts again a second later: the other seven alerts meet a Redis that is down.
    let retried = 0;
    for (let s = 1; s <= 3; s++) await deliver(monBody({ server: s, summary: `round 2 web-${s}` }));
    await redis.stop('SIGTERM');
    const back = sleep(1_000).then(() => redis.startAgain());
    for (let s = 4; s <= SERVERS; s++) {
      retried += (await deliver(monBody({ server: s, summary: `round 2 web-${s}` }))) - 1;
    }
    await back;

    // Every job done, each command run exactly once.
    for (const id of jobs) {
      const record = await producer.waitFor(id, 45_000, 200);
      expect(record.status, `${id}: ${record.summary}`).toBe('done');
    }
    const lines = (await readFile(ledger(), 'utf8')).trim().split('\n');
    expect(lines.sort()).toEqual(Array.from({ length: JOBS }, (_, i) => `job-${i + 1}`).sort());

    // Every alert is one incident update: each incident at 2 alerts, posted once, with one repeat in its thread.
    const incidents = await until(
      'every incident at 2 alerts',
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === SERVERS && open.every((i) => i.count === 2) ? open : undefined;
      },
      30_000,
    );
    await until(
      'each incident posted with its repeat in the thread',
      () =>
        incidents.every((i) =>
          posts(slack, 'C0LVSOPS').some((c) => markerOf(c)?.subject === i.id && markerOf(c)?.part !== 'main'),
        ),
      30_000,
    );
    const mains = posts(slack, 'C0LVSOPS').filter((c) => markerOf(c)?.part === 'main');
    expect(mains.map((c) => markerOf(c)!.subject).sort()).toEqual(incidents.map((i) => i.id).sort());
    for (const main of mains) {
      const thread = slack.thread('C0LVSOPS', String(main.response.ts));
      expect(
        thread.map((m) => m.text.split(' ')[1]),
        markerOf(main)!.subject,
      ).toEqual(['repeat:']);
    }
    expect(duplicatePosts(slack, 'C0LVSOPS')).toEqual([]);
    // The restart was really in the way of the alerts (else this test showed nothing).
    expect(retried).toBeGreaterThan(0);
  });
});
