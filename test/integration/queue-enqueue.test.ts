import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/config/inventory.js';
import { DrainMemory } from '../../src/queues/drain-memory.js';
import { AUDIT_TTL_SECONDS, JobAudit } from '../../src/queues/job-audit.js';
import { JobError } from '../../src/queues/job-error.js';
import { JobKeys } from '../../src/queues/job-keys.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import type { PlaybookRequest } from '../../src/queues/job-schemas.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from '../../src/queues/queue-names.js';
import { testRedis } from '../support/redis.js';
import { labInventory } from '../unit/playbook-fixtures.js';

const OPERATOR = { user: 'U0OPERATOR', via: 'slack' } as const;
const SNAPSHOT = { lines: ['active director: lb1'], hash: 'abcd1234' };

let ctx: ReturnType<typeof testRedis>;
let inventory: Inventory;
let producer: JobProducer;

beforeEach(() => {
  ctx = testRedis();
  inventory = labInventory();
  producer = new JobProducer({ redis: ctx.redis, inventory, prefix: ctx.prefix });
});
afterEach(async () => {
  await producer.close();
  await ctx.cleanup();
});

async function counts(name: string) {
  const queue = new Queue(name, { connection: ctx.redis, prefix: bullPrefix(ctx.prefix) });
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  await queue.close();
  return Object.values(c).reduce((a, b) => a + b, 0);
}

async function nothingQueued() {
  expect(await counts(changesQueueName('lab'))).toBe(0);
  expect(await counts(TASKS_QUEUE)).toBe(0);
  expect(await ctx.redis.get(new JobKeys(ctx.prefix).sequence())).toBeNull();
}

async function refusal(p: Promise<unknown>): Promise<JobError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JobError);
  return error as JobError;
}

describe('a job is validated when it is queued, not when it runs', () => {
  it('refuses an unknown playbook and lists the playbooks', async () => {
    const e = await refusal(
      producer.requestPlan({ playbook: 'reboot-everything' } as unknown as PlaybookRequest, OPERATOR),
    );
    expect(e.code).toBe('INVALID_REQUEST');
    expect(e.message).toContain(
      'unknown playbook; the playbooks are remove-real-server, restore-real-server',
    );
    await nothingQueued();
  });

  it('refuses a real server the inventory does not hold, naming the close ones', async () => {
    const e = await refusal(producer.requestPlan({ playbook: 'drain', realServer: 'web-9' }, OPERATOR));
    expect(e.code).toBe('NOT_IN_INVENTORY');
    expect(e.message).toBe('web-9 is not in the inventory; did you mean web-1, web-2, web-3?');
    const injected = await refusal(
      producer.requestPlan({ playbook: 'drain', realServer: 'web-2; reboot' }, OPERATOR),
    );
    expect(injected.code).toBe('NOT_IN_INVENTORY');
    await nothingQueued();
  });

  it('refuses a weight out of 0–65535', async () => {
    for (const weight of [70_000, -1, 1.5]) {
      const e = await refusal(
        producer.requestPlan({ playbook: 'reweight', realServer: 'web-2', weight }, OPERATOR),
      );
      expect(e.message).toBe(
        'weight: a weight is a whole number from 0 to 65535 (0 takes no new connections)',
      );
    }
    await nothingQueued();
  });

  it('refuses a fileset without mount commands', async () => {
    inventory.clusters[0]!.filesets[0]!.mount = [];
    const e = await refusal(producer.requestPlan({ playbook: 'remount-fileset', fileset: 'www' }, OPERATOR));
    expect(e.code).toBe('NO_MOUNT_COMMANDS');
    expect(e.message).toContain(
      'fileset www has no mount command; set filesets[].mount (or type and device) in the inventory',
    );
    await nothingQueued();
  });

  it('refuses a host that is not one of the fileset, and a service the real server does not serve', async () => {
    const host = await refusal(
      producer.requestPlan({ playbook: 'remount-fileset', fileset: 'www', host: 'web-1' }, OPERATOR),
    );
    expect(host.message).toBe('web-1 is not a host of fileset www; its hosts are lb1, lb2');
    const svc = await refusal(
      producer.requestPlan({ playbook: 'drain', realServer: 'web-2', service: 'api' }, OPERATOR),
    );
    expect(svc.message).toContain('api is not in cluster lab');
    await nothingQueued();
  });

  it('refuses a table change without the approval the policy asks for', async () => {
    const e = await refusal(
      producer.requestRun({ playbook: 'remove-real-server', realServer: 'web-2' }, OPERATOR),
    );
    expect(e.code).toBe('APPROVAL_REQUIRED');
    expect(e.message).toContain('remove-real-server on cluster lab needs an approval');
    await nothingQueued();
  });

  it('refuses a requester approving their own request (two-person rule)', async () => {
    const e = await refusal(
      producer.requestRun({ playbook: 'remove-real-server', realServer: 'web-2' }, OPERATOR, {
        by: 'U0OPERATOR',
        at: Date.now(),
        snapshot: SNAPSHOT,
      }),
    );
    expect(e.code).toBe('TWO_PERSON_RULE');
    await nothingQueued();
  });

  it('queues an approved change in its cluster queue with canonical names and an audit record', async () => {
    const job = await producer.requestRun(
      { playbook: 'drain', realServer: '10.210.0.12', service: '10.210.0.100:80', remove: true },
      OPERATOR,
      { by: 'U0APPROVER', at: Date.now(), snapshot: SNAPSHOT },
    );
    expect(job).toEqual({ jobId: 'j1', queue: 'changes.lab', status: 'queued' });
    const view = await producer.get('1');
    expect(view?.audit).toMatchObject({
      id: 'j1',
      status: 'queued',
      request: {
        playbook: 'drain',
        cluster: 'lab',
        realServer: 'web-2',
        services: ['web'],
        timeoutMs: 600_000,
        intervalMs: 2_000,
        remove: true,
      },
      requestedBy: OPERATOR,
      approval: { by: 'U0APPROVER', override: false, snapshot: SNAPSHOT },
    });
    expect(await counts('changes.lab')).toBe(1);
  });

  it('sends dry runs and remounts to the shared tasks queue', async () => {
    expect((await producer.requestPlan({ playbook: 'drain', realServer: 'web-2' }, OPERATOR)).queue).toBe(
      TASKS_QUEUE,
    );
    // Every manual change needs an approval by default, a remount included.
    const remount = await producer.requestRun({ playbook: 'remount-fileset', fileset: 'www' }, OPERATOR, {
      by: 'U0APPROVER',
      at: Date.now(),
      override: false,
      snapshot: SNAPSHOT,
    });
    expect(remount.queue).toBe(TASKS_QUEUE);
  });
});

// Found by the soak (docs/bench.md): the list of jobs and the map of their queues only grew.
describe('jobs past the audit retention', () => {
  it('leave the list of jobs and the map of their queues when a new job is queued', async () => {
    const keys = new JobKeys(ctx.prefix);
    const long = Date.now() - AUDIT_TTL_SECONDS * 1000 - 86_400_000;
    await ctx.redis.zadd(keys.recent(), long, 'j-old');
    await ctx.redis.hset(keys.queueOf(), 'j-old', TASKS_QUEUE);
    const { jobId } = await producer.requestPlan({ playbook: 'drain', realServer: 'web-2' }, OPERATOR);
    expect(await ctx.redis.zrange(keys.recent(), '0', '-1')).toEqual([jobId]);
    expect(Object.keys(await ctx.redis.hgetall(keys.queueOf()))).toEqual([jobId]);
    expect((await new JobAudit(ctx.redis, keys).recent(10)).map((r) => r.id)).toEqual([jobId]);
  });
});

describe('automatic remediation (policy.auto)', () => {
  const down = (eventId: string) => ({ realServer: 'web-2', status: 'down' as const, eventId });

  it("queues the policy's playbook once per event, even when the alert is sent again", async () => {
    const first = await producer.requestAuto(down('e1'));
    expect(first).toEqual({ queued: true, jobId: 'j1', playbook: 'remove-real-server' });
    expect(await producer.requestAuto(down('e1'))).toMatchObject({
      queued: false,
      code: 'DUPLICATE',
      jobId: 'j1',
    });
    expect((await producer.get('j1'))?.audit.requestedBy).toEqual({
      user: 'auto',
      via: 'auto',
      eventId: 'e1',
    });
    expect(await producer.requestAuto({ realServer: 'web-2', status: 'up', eventId: 'e2' })).toMatchObject({
      queued: true,
      playbook: 'restore-real-server',
    });
  });

  it('holds back automatic actions past the per-hour cap of a real server', async () => {
    for (let i = 0; i < 4; i++) expect((await producer.requestAuto(down(`cap-${i}`))).queued).toBe(true);
    const fifth = await producer.requestAuto(down('cap-4'));
    expect(fifth).toMatchObject({ queued: false, code: 'AUTO_CAP' });
    if (!fifth.queued)
      expect(fifth.reason).toContain('web-2 was changed automatically 4 times in the last hour');
    // Another real server has its own budget.
    expect(
      (await producer.requestAuto({ realServer: 'web-3', status: 'down', eventId: 'other' })).queued,
    ).toBe(true);
  });

  it('does nothing for a service the policy does not automate', async () => {
    inventory.clusters[0]!.policy.auto = [];
    expect(await producer.requestAuto(down('e9'))).toMatchObject({ queued: false, code: 'NOT_AUTOMATIC' });
    await nothingQueued();
  });
});

describe('undrain and cancel', () => {
  it('asks for the weight the drain kept, and refuses when no drain kept one', async () => {
    const e = await refusal(producer.undrainRequest({ realServer: 'web-2' }));
    expect(e.code).toBe('NOTHING_TO_UNDRAIN');
    expect(e.message).toContain('/lvs restore web-2');
    await new DrainMemory(ctx.redis, new JobKeys(ctx.prefix)).keep('lab', 'web-2', 'web', 3, 'j7');
    expect(await producer.undrainRequest({ realServer: 'web-2' })).toEqual({
      playbook: 'restore-real-server',
      cluster: 'lab',
      realServer: 'web-2',
      undrain: true,
    });
  });

  it('takes a waiting job out of its queue and records who cancelled it', async () => {
    const job = await producer.requestPlan({ playbook: 'save-rules' }, OPERATOR);
    const outcome = await producer.cancel(job.jobId, 'U0APPROVER');
    expect(outcome).toEqual({
      accepted: true,
      status: 'cancelled',
      message: 'j1 was cancelled before it started',
    });
    expect(await counts(TASKS_QUEUE)).toBe(0);
    const audit = (await producer.get('j1'))!.audit;
    expect(audit.status).toBe('cancelled');
    expect(audit.cancel?.by).toBe('U0APPROVER');
    expect((await producer.cancel('j1', 'U0APPROVER')).accepted).toBe(false);
    await expect(producer.cancel('j99', 'U0APPROVER')).rejects.toThrow('there is no job j99');
  });
});
