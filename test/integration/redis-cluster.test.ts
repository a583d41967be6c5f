import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Env, readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { createRedis, type RedisRole } from '../../src/redis/create-redis.js';
import { SshExecutor } from '../../src/ssh/ssh-executor.js';
import { ApprovalStore } from '../../src/store/approval-store.js';
import { BuildProgressStore } from '../../src/store/build-progress.js';
import { Keys } from '../../src/store/keys.js';
import { userRateLimit } from '../../src/store/user-rate-limit.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { TestSshd } from '../support/sshd.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack, subjectOf } from './notifier-support.js';
import { cli, RedisClusterSet } from './redis-processes.js';
import { commandPlan, inventoryYaml, loadYaml, OPERATOR, run } from './worker-support.js';

/**
 * REDIS_URL=redis-cluster://…: on a Redis Cluster of three primaries every multi-key command,
 * script and transaction of the project must stay in one hash slot (a cross-slot one fails
 * with CROSSSLOT). The alert path, the job queues and the bot's stores run here for real.
 */

let cluster: RedisClusterSet;
let slack: LocalSlack;
let pipeline: AlertPipeline;
let lb1: TestSshd;
let lb2: TestSshd;
let producer: JobProducer;
let worker: PlaybookWorker;
let runner: SshExecutor;
let env: Env;
const connections: Redis[] = [];
const prefix = 'lvs';

function connect(role: RedisRole): Redis {
  const redis = createRedis(env, role);
  redis.on('error', () => undefined);
  connections.push(redis);
  return redis;
}

beforeAll(async () => {
  cluster = await RedisClusterSet.start();
  [lb1, lb2] = await Promise.all([TestSshd.start(), TestSshd.start()]);
  slack = await startAlertSlack({ postMessagePerChannel: false });
  env = readEnv({
    REDIS_URL: cluster.url,
    INGEST_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
  });
}, 120_000);

afterAll(async () => {
  await worker?.close(0).catch(() => undefined);
  await runner?.close();
  await producer?.close().catch(() => undefined);
  await pipeline?.close().catch(() => undefined);
  for (const c of connections) c.disconnect();
  await slack?.close();
  await Promise.all([lb1?.dispose(), lb2?.dispose()]);
  await cluster?.dispose();
}, 60_000);

describe('Redis Cluster', () => {
  it('turns alerts into incidents and Slack messages, with the storm digest, across three primaries', {
    timeout: 120_000,
  }, async () => {
    pipeline = await startAlertPipeline({
      env,
      inventory: labInventory({ realServers: 6 }),
      logger: quietLogger(),
      keys: new Keys(prefix),
      port: 0,
      paceMs: 0,
      // Past 3 incidents at once in a channel, the rest are listed in one digest (a 5-key script).
      storm: { threshold: 3, windowMs: 60_000 },
      jobs: false,
    });
    await pipeline.subscriptions.add({ channel: 'C0ALERTS', kind: 'alert' });
    const resend = monBody({ server: 1 });
    for (const body of [resend, resend, ...[2, 3, 4, 5, 6].map((server) => monBody({ server }))]) {
      expect((await post(pipeline.server!.url, '/hooks/mon', body)).status).toBeLessThan(300);
    }
    const incidents = await until(
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === 6 ? open : undefined;
      },
      30_000,
      '6 incidents',
    );
    // The resent alert (same id) was recognised: one alert in its incident.
    expect(incidents.map((i) => i.count)).toEqual([1, 1, 1, 1, 1, 1]);
    // Every incident is shown in each channel: a message of its own, or a line in the digest.
    for (const channel of ['C0LVSOPS', 'C0ALERTS']) {
      await until(
        async () => {
          const subjects = botMessages(slack, channel).map((m) => subjectOf(slack, m));
          const own = subjects.filter((s) => incidents.some((i) => i.id === s));
          const digest = await pipeline.notifications.digest('lab', channel);
          const listed = digest ? await pipeline.notifications.digestMembers('lab', channel, digest.id) : [];
          return own.length + listed.length === 6 && digest?.ts !== undefined;
        },
        30_000,
        `6 incidents shown in ${channel}`,
      );
    }
    // The state really is spread over the primaries (else this would prove little).
    const perNode = await Promise.all(cluster.nodes.map((n) => cli(n.port, 'DBSIZE').then(Number)));
    expect(perNode.filter((n) => n > 0).length, `keys per node: ${perNode.join(', ')}`).toBeGreaterThan(1);
  });

  it('runs a job from the queue through a worker, once', { timeout: 90_000 }, async () => {
    const ledger = `${lb1.dir}/ledger`;
    const inventory = loadYaml(inventoryYaml(lb1, lb2));
    producer = new JobProducer({ redis: connect('command'), inventory, prefix });
    runner = new SshExecutor({ connectTimeoutMs: 3_000 });
    worker = await PlaybookWorker.start({
      connect: () => connect('blocking'),
      inventory,
      logger: quietLogger(),
      prefix,
      runner,
      planner: {
        readsFor: () => [],
        planFor: () =>
          commandPlan([{ id: 'ledger', actions: [run('lb1', 'sh', '-c', `echo ran >> ${ledger}`)] }]),
      },
    });
    const plan = await producer.requestPlan(
      { playbook: 'reweight', realServer: 'web-2', weight: 3 },
      OPERATOR,
    );
    const change = await producer.requestRun(
      { playbook: 'reweight', realServer: 'web-2', weight: 3 },
      OPERATOR,
    );
    expect((await producer.waitFor(plan.jobId, 60_000)).status).toBe('planned');
    expect((await producer.waitFor(change.jobId, 60_000)).status).toBe('done');
    expect(await readFile(ledger, 'utf8')).toBe('ran\n');
    expect((await producer.recent(5)).map((r) => r.id)).toEqual(
      expect.arrayContaining([plan.jobId, change.jobId]),
    );
  });

  it("keeps approvals, the guided build's progress and the command rate limit", async () => {
    const redis = connect('command');
    const approvals = new ApprovalStore(redis, prefix);
    const req = await approvals.create({
      cluster: 'lab',
      request: { playbook: 'drain', realServer: 'web-2' },
      requestedBy: 'U0OPERATOR',
      channel: 'C0LVSOPS',
      planJobId: 'j1',
      snapshot: { lines: ['-A -t 10.0.0.100:80 -s wlc'], hash: 'abc' },
      needsOverride: false,
      title: 'Drain web-2',
      expiresAt: Date.now() + 60_000,
    });
    await approvals.update(req.id, { ts: '1700000000.000100' });
    await approvals.refuse(req.id, { user: 'U0OTHER', at: 1, reason: 'not an approver' });
    expect((await approvals.decide(req.id, 'approved', 'U0APPROVER')).won).toBe(true);
    expect(await approvals.get(req.id)).toMatchObject({
      state: 'approved',
      ts: '1700000000.000100',
      refusals: [{ user: 'U0OTHER' }],
    });

    const progress = new BuildProgressStore(redis, prefix);
    await progress.start('lab', 'U0OPERATOR', 'prepare');
    expect(await progress.get('lab')).toMatchObject({ cluster: 'lab', current: 'prepare' });
    await progress.reset('lab');
    expect(await progress.get('lab')).toBeNull();

    const allow = userRateLimit(redis, { prefix, max: 2, windowSeconds: 60 });
    expect([await allow('U0OPERATOR'), await allow('U0OPERATOR'), await allow('U0OPERATOR')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
