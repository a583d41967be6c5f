import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { LocalMessage } from '../../src/localslack/types.js';
import { FollowedJobs } from '../../src/store/followed-jobs.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { buildDistIfStale, until } from './faults-support.js';
import { type Child, distUrl, runModule } from './ingest-child.js';
import { INGEST_TOKEN } from './ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { commandPlan, inventoryYaml, run, startRig, type WorkerRig } from './worker-support.js';

// A change asked in Slack is followed by the bot: its message shows the job's progress, then
// its end. What is followed is kept in Redis, so the message still reaches the end when the
// bot that followed it is killed (SIGKILL) mid-job: a bot started afterwards, or another bot
// already running, takes it over. The bots are real processes (from dist/), the worker is real
// and runs the job's commands over a real sshd; each job waits at a gate the test opens only
// after the kill, so the job cannot end before it.

let rig: WorkerRig;
let slack: LocalSlack;
let dir: string;
let followed: FollowedJobs;
const bots: (Child & { port: number })[] = [];

beforeAll(async () => {
  await buildDistIfStale();
  rig = await startRig({ approvalRequired: ['reweight'] });
  slack = await startAlertSlack({ postMessagePerChannel: false });
  dir = await mkdtemp(join(tmpdir(), 'lvs-follow-'));
  // The local Slack's workspace is T0LAB: approval clicks count only from the inventory's team.
  await writeFile(
    join(dir, 'inventory.yml'),
    inventoryYaml(rig.lb1, rig.lb2, { approvalRequired: ['reweight'] }).replace(
      'team: T0TEST',
      'team: T0LAB',
    ),
  );
  followed = new FollowedJobs(rig.redis, rig.prefix);
  await rig.startWorker();
}, 240_000);

afterAll(async () => {
  await Promise.all(bots.map((b) => b.kill()));
  // Open every gate, so that no command is left waiting on the sshd.
  for (const name of ['gate-1', 'gate-2']) await writeFile(join(dir, name), '').catch(() => undefined);
  await slack?.close();
  await rig?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `lvs-chatops bot` as startBot runs it, in a process of its own, on the rig's Redis prefix. */
async function startBotProcess(): Promise<Child & { port: number }> {
  const source = `
    const { startBot } = await import(${JSON.stringify(distUrl('src/bot/start-bot.js'))});
    const { readEnv } = await import(${JSON.stringify(distUrl('src/config/env.js'))});
    const { loadInventory } = await import(${JSON.stringify(distUrl('src/config/load-inventory.js'))});
    const { createLogger } = await import(${JSON.stringify(distUrl('src/log/logger.js'))});
    const { Keys } = await import(${JSON.stringify(distUrl('src/store/keys.js'))});
    const env = readEnv(process.env);
    const inventory = await loadInventory(env.LVS_INVENTORY);
    if (!inventory.ok) throw new Error(JSON.stringify(inventory.error));
    const bot = await startBot({
      env,
      inventory: inventory.value,
      logger: createLogger({ level: 'info' }),
      keys: new Keys(process.env.FOLLOW_TEST_PREFIX),
      follow: { leaseMs: 3000, sweepMs: 1000 },
    });
    console.log('ready ' + bot.port);
  `;
  const child = await runModule(
    source,
    {
      LVS_INVENTORY: join(dir, 'inventory.yml'),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      INGEST_TOKEN,
      REDIS_URL: TEST_REDIS_URL,
      PORT: '0',
      FOLLOW_TEST_PREFIX: rig.prefix,
    },
    60_000,
  );
  const bot = { ...child, port: Number(child.ready) };
  bots.push(bot);
  return bot;
}

function receiveAt(bot: { port: number }): void {
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
}

/** A job of three steps over SSH; the second waits until the test creates `gate`. */
function gatedPlan(gate: string) {
  return () =>
    commandPlan([
      { id: 'before the gate', actions: [run('lb1', 'true')] },
      {
        id: 'at the gate',
        actions: [run('lb1', 'sh', '-c', `until [ -e ${gate} ]; do sleep 0.2; done`)],
      },
      { id: 'after the gate', actions: [run('lb1', 'true')] },
    ]);
}

function shown(ts: string): string {
  const m = slack.message('C0LVSOPS', ts);
  return m ? `${m.text}\n${JSON.stringify(m.blocks)}` : '';
}

const seen = new Set<string>();
/** The next message in #lvs-ops matching `pattern` that no earlier step of this file took. */
async function nextMessage(what: string, pattern: RegExp): Promise<LocalMessage> {
  const m = await until(
    what,
    () => slack.messages('C0LVSOPS').find((x) => pattern.test(x.text) && !seen.has(x.ts)),
    60_000,
  );
  seen.add(m.ts);
  return m;
}

async function isFollowed(jobId: string): Promise<boolean> {
  return (await followed.list()).some((f) => f.jobId === jobId);
}

function logsOf(bot: Child): string {
  return `${bot.lines.join('\n')}\n${bot.stderr()}`;
}

describe('a job started from Slack is followed to its end across bots', () => {
  it('reaches its end in Slack when the bot that followed it is killed and a new one starts', {
    timeout: 180_000,
  }, async () => {
    rig.setPlan(gatedPlan(join(dir, 'gate-1')));
    const first = await startBotProcess();
    receiveAt(first);
    const asked = await slack.command('/lvs restore web-1', { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
    expect(asked.ack.ok).toBe(true);
    const message = await nextMessage('the job message', /queued as j\d+|job j\d+/);
    const jobId = /(?:queued as|job) (j\d+)/.exec(message.text)![1]!;
    await until('the message to show the job running at the gate', () =>
      /at the gate/.test(shown(message.ts)) && shown(message.ts).includes(':gear: running')
        ? true
        : undefined,
    );

    await first.kill();
    const second = await startBotProcess();
    await writeFile(join(dir, 'gate-1'), '');
    const record = await rig.producer.waitFor(jobId, 60_000, 200);
    expect(record.status).toBe('done');
    const end = await until(
      `the message of ${jobId} to show its end`,
      () =>
        /job j\d+ done/.test(slack.message('C0LVSOPS', message.ts)!.text) ? shown(message.ts) : undefined,
      60_000,
    );
    expect(end).toContain(`*Job ${jobId}*: :white_check_mark: done`);
    expect(end).toContain('after the gate');
    expect(logsOf(second)).toContain('following a job whose follower stopped');

    // No longer followed once the message shows the end, and the record of it expires.
    await until(`${jobId} no longer followed`, async () => !(await isFollowed(jobId)) || undefined);
    expect((await followed.get(jobId))?.endedAt).toBeGreaterThan(0);
    expect(await rig.redis.ttl(`${rig.prefix}:{follow}:job:${jobId}`)).toBeGreaterThan(0);
    await second.kill();
  });

  it('with two bots, the other one takes an approved run over when the one that followed it dies', {
    timeout: 180_000,
  }, async () => {
    rig.setPlan(gatedPlan(join(dir, 'gate-2')));
    const [first, other] = [await startBotProcess(), await startBotProcess()];
    receiveAt(first);
    const asked = await slack.command('/lvs weight web-2 3', { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
    expect(asked.ack.ok).toBe(true);
    const approval = await nextMessage('the approval request', /^Approval needed/);
    const clicked = await slack.click(approval, 'lvs_approve', { user: 'U0APPROVER' });
    expect(clicked.ack.ok).toBe(true);
    const jobId = await until('the approved run at the gate', () => {
      const m = slack.message('C0LVSOPS', approval.ts)!;
      return /at the gate/.test(shown(approval.ts)) ? /job (j\d+) running/.exec(m.text)?.[1] : undefined;
    });

    await first.kill();
    await writeFile(join(dir, 'gate-2'), '');
    expect((await rig.producer.waitFor(jobId, 60_000, 200)).status).toBe('done');
    const end = await until(
      `the approval message to show ${jobId} done`,
      () =>
        /job j\d+ done/.test(slack.message('C0LVSOPS', approval.ts)!.text) ? shown(approval.ts) : undefined,
      60_000,
    );
    expect(end).toContain('Approved by <@U0APPROVER>');
    expect(end).toContain(`*Job ${jobId}*: :white_check_mark: done`);
    expect(logsOf(other)).toContain('following a job whose follower stopped');
    await until(`${jobId} no longer followed`, async () => !(await isFollowed(jobId)) || undefined);
  });
});
