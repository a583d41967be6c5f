import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, startAlertSlack } from './notifier-support.js';

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline;
let jobs: JobProducer;
const inventory = labInventory({
  auto: { maxPerHour: 2 },
  capacityFloor: { minServers: 1, minWeightFraction: 0.5 },
});

beforeEach(async () => {
  ctx = testRedis();
  slack = await startAlertSlack({ postMessagePerChannel: false });
  jobs = new JobProducer({ redis: ctx.redis, inventory, prefix: ctx.prefix });
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    paceMs: 0,
    jobs,
  });
});
afterEach(async () => {
  await pipeline.close();
  await jobs.close();
  await slack.close();
  await ctx.cleanup();
});

async function send(body: Record<string, unknown>) {
  expect((await post(pipeline.server!.url, '/hooks/mon', body)).status).toBe(202);
}

/** The incident thread's replies in the default channel, for the real server. */
async function thread(server: number): Promise<string[]> {
  const root = await slack.waitForMessage(
    'C0LVSOPS',
    (m) => (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`web-${server}:http`),
    10_000,
  );
  return slack.thread('C0LVSOPS', root.ts).map((m) => m.text);
}

describe('automatic remediation (policy.auto)', () => {
  it('queues the removal when an alert opens the outage and the restore when it resolves, once per event', async () => {
    const down = monBody({ server: 2 });
    await send(down);
    await send(down); // a resend: the same event
    await send(monBody({ server: 2 })); // a repeat: the outage is already open
    const removal = await until(
      async () => (await jobs.recent()).find((r) => r.playbook === 'remove-real-server'),
      10_000,
      'a removal',
    );
    expect(removal).toMatchObject({
      kind: 'run',
      cluster: 'lab',
      requestedBy: { user: 'auto', via: 'auto', eventId: down.id },
      request: { playbook: 'remove-real-server', realServer: 'web-2', services: ['web'] },
    });
    await until(
      async () => (await thread(2)).some((t) => t.includes(`queued as job ${removal.id}`)),
      10_000,
      'the note in the thread',
    );

    await send(monBody({ server: 2, type: 'up' }));
    const restore = await until(
      async () => (await jobs.recent()).find((r) => r.playbook === 'restore-real-server'),
      10_000,
      'a restore',
    );
    expect(restore.request).toMatchObject({ realServer: 'web-2' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobs.recent()).toHaveLength(2);
  });

  it('stops acting on a flapping real server after maxPerServerPerHour, and says so in the thread', async () => {
    await send(monBody({ server: 3 }));
    await send(monBody({ server: 3, type: 'up' }));
    await until(async () => (await jobs.recent()).length === 2, 10_000, 'remove and restore');
    await send(monBody({ server: 3 }));
    await until(
      async () => (await thread(3)).some((t) => t.includes('no automatic action')),
      10_000,
      'the cap noted',
    );
    expect(await jobs.recent()).toHaveLength(2);
  });

  it('asks for an approval (a dry run) instead of removing a real server below the capacity floor', async () => {
    await send(monBody({ server: 1 }));
    await until(async () => (await jobs.recent()).length === 1, 10_000, 'the first removal');
    // web-1 is out; removing web-3 too would leave one of three (33% < 50%).
    await send(monBody({ server: 3 }));
    const plan = await until(
      async () => (await jobs.recent()).find((r) => r.kind === 'plan'),
      10_000,
      'a dry run',
    );
    expect(plan).toMatchObject({
      playbook: 'remove-real-server',
      request: { realServer: 'web-3' },
      requestedBy: { via: 'auto' },
    });
    expect((await jobs.recent()).filter((r) => r.kind === 'run')).toHaveLength(1);
    const notes = await until(
      async () => {
        const t = await thread(3);
        return t.some((x) => x.includes('held')) ? t : undefined;
      },
      10_000,
      'the hold noted',
    );
    expect(notes.find((x) => x.includes('held'))).toMatch(
      /automatic removal of web-3 held: removing it would leave 1 live real server .* Dry run j\d+ waits for an approver/,
    );
  });
});
