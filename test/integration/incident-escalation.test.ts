import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { ESCALATION_QUEUE } from '../../src/bot/escalation/escalations.js';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import type { Incident } from '../../src/core/incidents/index.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';

// Escalation through the whole bot on real Redis and the local Slack: mon's alert → an
// incident → nobody acknowledges it → the on-call group is mentioned in the incident's thread,
// then the second level in its own channel; /lvs incident ID shows the timeline.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

/** The lab inventory with an escalation chain: the on-call group after `first`, the approver in #alerts `second` later. */
function inventory(first: number, second: number): Inventory {
  const inv = labInventory();
  inv.slack.usergroups = [{ id: 'S0ONCALL', name: 'lvs-oncall' }];
  inv.slack.channels.push({ id: 'C0ALERTS', name: 'alerts' });
  const lab = inv.clusters[0]!;
  lab.policy.escalation = [
    { after: first, channel: 'C0LVSOPS', mention: { users: [], usergroups: ['S0ONCALL'] } },
    { after: second, channel: 'C0ALERTS', mention: { users: ['U0APPROVER'], usergroups: [] } },
  ];
  // mon on lb1, whose SSH key is not on this machine: its downtime log cannot be read.
  lab.mon = { host: 'lb1', address: '10.200.0.1', port: 2583, dtlogFile: '/var/log/mon/downtime.log' };
  return inv;
}

async function setup(inv: Inventory, bots = 1) {
  const ctx = testRedis();
  cleanups.push(() => ctx.cleanup());
  const slack = await startAlertSlack();
  cleanups.push(() => slack.close());
  const running: RunningBot[] = [];
  const launch = async (i: number) => {
    const bot = await startBot({
      env: readEnv({
        INGEST_TOKEN,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(await freePort()),
      }),
      inventory: inv,
      logger: quietLogger(),
      keys: new Keys(ctx.prefix),
      notifyWorker: i === 0,
    });
    cleanups.push(() => bot.close());
    running.push(bot);
    return bot;
  };
  for (let i = 0; i < bots; i++) await launch(i);
  slack.setApp({ requestUrl: `http://127.0.0.1:${running[0]!.port}/slack/events` });
  const store = new IncidentStore(ctx.redis, new Keys(ctx.prefix));
  const res = await post(`http://127.0.0.1:${running[0]!.port}`, '/hooks/mon', monBody({ server: 2 }));
  expect(res.status).toBe(202);
  const incident = await until(async () => (await store.open('lab'))[0], 20_000, 'the incident');
  return { ctx, slack, bots: running, store, incident, launch };
}

/** Every bot message of a channel, top level and thread replies. */
function texts(slack: LocalSlack, channel: string): string[] {
  return slack
    .messages(channel, { includeReplies: true })
    .filter((m) => m.botId !== undefined)
    .map((m) => m.text);
}

const ONCALL = '<!subteam^S0ONCALL>';
const APPROVER = '<@U0APPROVER>';

describe('escalation of unacknowledged incidents', () => {
  it('mentions the on-call group in the incident thread, then the second level in its channel, and records both', async () => {
    const { slack, store, incident, ctx } = await setup(inventory(2_000, 2_000));
    await until(() => texts(slack, 'C0ALERTS').some((t) => t.includes(APPROVER)), 30_000, 'the second level');
    const first = texts(slack, 'C0LVSOPS').filter((t) => t.includes(ONCALL));
    expect(first).toHaveLength(1);
    expect(first[0]).toContain(`${incident.id}`);
    expect(first[0]).toContain('nobody acknowledged it (level 1 of 2)');
    // The incident message's thread holds the ping (the message was posted before 2 s had passed).
    const message = slack
      .messages('C0LVSOPS')
      .find((m) => m.botId !== undefined && JSON.stringify(m.blocks).includes('lvs_ack'));
    expect(message).toBeDefined();
    expect(slack.thread('C0LVSOPS', message!.ts).some((r) => r.text.includes(ONCALL))).toBe(true);
    expect(texts(slack, 'C0ALERTS').filter((t) => t.includes(APPROVER))).toHaveLength(1);
    const recorded = await until(
      async () => {
        const i = await store.get('lab', incident.id);
        const notes = i?.timeline.filter((t) => t.text.startsWith('escalated to')) ?? [];
        return notes.length === 2 ? notes : undefined;
      },
      20_000,
      'both escalations on the timeline',
    );
    expect(recorded.map((n) => n.text)).toEqual([
      expect.stringContaining('escalated to @lvs-oncall in #lvs-ops (level 1 of 2)'),
      expect.stringContaining('escalated to @approver in #alerts (level 2 of 2)'),
    ]);

    // /lvs incident ID: a job on the incident's real server with its approver, the escalations,
    // and mon's downtime log said to be unreadable (never a failure).
    const jobs = new JobProducer({
      redis: ctx.redis,
      inventory: inventory(2_000, 2_000),
      prefix: ctx.prefix,
    });
    cleanups.push(() => jobs.close());
    const queued = await jobs.requestRun(
      { playbook: 'remove-real-server', cluster: 'lab', realServer: 'web-2' },
      { user: 'U0OPERATOR', via: 'slack', channel: 'C0LVSOPS' },
      { by: 'U0APPROVER', at: Date.now(), snapshot: { lines: [], hash: 'seen' } },
    );
    const res = await slack.command(`/lvs incident ${incident.id}`, { user: 'U0OTHER', channel: 'C0LVSOPS' });
    expect(JSON.stringify(res.ack.body)).toContain(`Reading the timeline of ${incident.id}`);
    const reply = JSON.stringify((await res.waitForResponse(undefined, 30_000)).body);
    expect(reply).toContain(`${queued.jobId} approved by <@U0APPROVER>`);
    expect(reply).toContain('asked by <@U0OPERATOR>');
    expect(reply).toContain('escalated to @lvs-oncall');
    expect(reply).toContain("mon's downtime log was not read");
    expect(reply).toContain('Open for');
  });

  it('does not escalate an incident someone acknowledged', async () => {
    // Long enough that the ack, sent at once, lands well before the step is due.
    const { slack, store, incident, ctx } = await setup(inventory(15_000, 2_000));
    const ack = await slack.command(`/lvs ack ${incident.id} on it`, {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    expect(ack.ack.ok).toBe(true);
    const acked = await until(
      async () => ((await store.get('lab', incident.id)) as Incident | undefined)?.ack,
      20_000,
      'the ack on the incident',
    );
    expect(acked.by).toBe('U0OPERATOR');
    // /lvs incidents: who has it, per cluster.
    const list = JSON.stringify(
      (await slack.command('/lvs incidents', { user: 'U0OTHER', channel: 'C0LVSOPS' })).ack.body,
    );
    expect(list).toContain('Cluster lab*: 1 open');
    expect(list).toContain(`*${incident.id}*`);
    expect(list).toContain('<@U0OPERATOR> has it');
    const queue = new Queue(ESCALATION_QUEUE, {
      connection: ctx.connect(),
      prefix: `${ctx.prefix}:{escalations}`,
    });
    cleanups.push(() => queue.close());
    const id = ['esc', 'lab', incident.id, incident.openedAt, 'step', 0].join('|');
    const outcome = await until(
      async () => {
        const job = await queue.getJob(id);
        if (!job || !(await job.isCompleted())) return undefined;
        return String((await queue.getJob(id))?.returnvalue);
      },
      45_000,
      'the first step to fall due',
    );
    expect(acked.at).toBeLessThan(incident.openedAt + 15_000);
    expect(outcome).toBe('not needed: acknowledged');
    expect(texts(slack, 'C0LVSOPS').some((t) => t.includes(ONCALL))).toBe(false);
    expect(
      await queue.getJob(['esc', 'lab', incident.id, incident.openedAt, 'step', 1].join('|')),
    ).toBeUndefined();
  });

  it('reminds of an incident still open after remindEvery, again every as long, on its timeline', async () => {
    const inv = inventory(120_000, 120_000);
    inv.clusters[0]!.policy.remindEvery = 2_000;
    const { slack, store, incident } = await setup(inv);
    const reminders = await until(
      () => {
        const found = texts(slack, 'C0LVSOPS').filter((t) => t.includes('is still open after'));
        return found.length >= 2 ? found : undefined;
      },
      30_000,
      'two reminders',
    );
    // Nobody has it, so the last escalation level hears it; nobody was escalated to yet.
    expect(reminders[0]).toContain(`${APPROVER} *${incident.id}*`);
    expect(reminders[0]).toContain('nobody acknowledged it');
    expect(texts(slack, 'C0LVSOPS').some((t) => t.includes(ONCALL))).toBe(false);
    await until(
      async () => (await store.get('lab', incident.id))?.timeline.some((t) => t.text.startsWith('reminder:')),
      20_000,
      'the reminder on the timeline',
    );
  });

  it('a step Slack rate-limits is posted once Slack takes it, and a bot stopping meanwhile does not wait for it', async () => {
    const { slack, bots, launch } = await setup(inventory(2_000, 120_000));
    await slack.waitForMessage('C0LVSOPS', (m) => JSON.stringify(m.blocks).includes('lvs_ack'), 20_000);
    slack.faults.rateLimit('chat.postMessage', { duration: 600_000, retryAfter: 600 });
    await until(
      () =>
        slack.calls('chat.postMessage').some((c) => c.status === 429 && String(c.args.text).includes(ONCALL)),
      30_000,
      'the step to be refused with 429',
    );
    // Slack said to come back in 10 minutes: the bot stops now all the same (the test's
    // timeout would end a close that waited).
    await bots[0]!.close();
    slack.faults.clear();
    await launch(0);
    await until(() => texts(slack, 'C0LVSOPS').some((t) => t.includes(ONCALL)), 60_000, 'the step posted');
    expect(texts(slack, 'C0LVSOPS').filter((t) => t.includes(ONCALL))).toHaveLength(1);
  });

  it('two bot processes escalate once', async () => {
    const { slack, incident } = await setup(inventory(2_000, 2_000), 2);
    const list = JSON.stringify(
      (await slack.command('/lvs incidents', { user: 'U0OTHER', channel: 'C0LVSOPS' })).ack.body,
    );
    expect(list).toContain(`*${incident.id}*`);
    expect(list).toContain('*nobody has it*');
    await until(() => texts(slack, 'C0ALERTS').some((t) => t.includes(APPROVER)), 30_000, 'the second level');
    expect(texts(slack, 'C0LVSOPS').filter((t) => t.includes(ONCALL))).toHaveLength(1);
    expect(texts(slack, 'C0ALERTS').filter((t) => t.includes(APPROVER))).toHaveLength(1);
  });
});
