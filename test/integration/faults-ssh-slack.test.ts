import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { LocalMessage } from '../../src/localslack/types.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import { Keys } from '../../src/store/keys.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { until } from './faults-support.js';
import { INGEST_TOKEN, quietLogger } from './ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { commandPlan, processesRunning, run, startRig, type WorkerRig } from './worker-support.js';

// sshd down, a host that takes the TCP connection and never speaks SSH, a command that
// hangs: a change asked for in Slack (/lvs weight, no approval needed by the policy) is
// tried again where that can help, then fails within a bounded time, and its message in
// Slack ends saying so and why. Never a job stuck forever.

let rig: WorkerRig;
let slack: LocalSlack;
let bot: RunningBot;
let producer: JobProducer;
let blackhole: Server;
const held = new Set<Socket>();

beforeAll(async () => {
  rig = await startRig();
  slack = await startAlertSlack({ postMessagePerChannel: false });
  // web-1 "unreachable": its SSH port takes connections and never answers.
  blackhole = createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
  const web1 = rig.inventory.clusters[0]!.realServers.find((s) => s.name === 'web-1')!;
  web1.ssh.port = (blackhole.address() as { port: number }).port;
  await rig.startWorker();
  bot = await startBot({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: TEST_REDIS_URL,
      PORT: '0',
    }),
    inventory: rig.inventory,
    logger: quietLogger(),
    keys: new Keys(rig.prefix),
  });
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
  producer = new JobProducer({ redis: rig.redis, inventory: rig.inventory, prefix: rig.prefix });
}, 60_000);

afterAll(async () => {
  for (const s of held) s.destroy();
  blackhole?.close();
  await bot?.close();
  await producer?.close();
  await slack?.close();
  await rig?.dispose();
});

let weight = 10;

/**
 * `/lvs weight web-1 N` by an operator; resolves to the job's final record and the text of
 * its message in the channel once the job is over and the message shows it.
 */
async function changeFromSlack(
  deadlineMs: number,
): Promise<{ status: string; summary: string; attempts: number; shown: string }> {
  weight++;
  const asked = await slack.command(`/lvs weight web-1 ${weight}`, {
    user: 'U0OPERATOR',
    channel: 'C0LVSOPS',
  });
  expect(asked.ack.ok).toBe(true);
  const queued = await until(
    'the job message',
    () =>
      // A fast failure may already have turned "queued as jN" into "… job jN failed".
      slack
        .messages('C0LVSOPS')
        .find((m: LocalMessage) => /(?:queued as|job) j\d+/.test(m.text) && !seen.has(m.ts)),
    30_000,
  ).catch((err: Error) => {
    const said = JSON.stringify({
      ack: asked.ack.body,
      later: asked.responses(),
      messages: slack.messages('C0LVSOPS').map((m) => m.text),
    });
    throw new Error(`${err.message}; the bot said ${said}`);
  });
  seen.add(queued.ts);
  const jobId = /(?:queued as|job) (j\d+)/.exec(queued.text)![1]!;
  const record = await producer.waitFor(jobId, deadlineMs, 200);
  const shown = await until(
    `the message of ${jobId} to show its end`,
    () => {
      const m = slack.message('C0LVSOPS', queued.ts)!;
      const text = `${m.text}\n${JSON.stringify(m.blocks)}`;
      return /failed|timed out/i.test(text) ? text : undefined;
    },
    15_000,
  );
  return { status: record.status, summary: record.summary ?? '', attempts: record.attempts.length, shown };
}
const seen = new Set<string>();

describe('SSH faults end in a clear failure in Slack', () => {
  it('sshd down: retried, then failed saying the host refused, within the retries', {
    timeout: 90_000,
  }, async () => {
    await rig.lb2.stop();
    rig.setPlan(() => commandPlan([{ id: 'on-lb2', actions: [run('lb2', 'true')] }]));
    const job = await changeFromSlack(60_000);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBeGreaterThan(1);
    expect(job.summary).toMatch(/lb2.*refused/i);
    expect(job.shown).toContain(job.summary);
    // No approver was asked: the message says the policy let it run, and mentions nobody.
    expect(job.shown).toContain('No approval needed');
    expect(job.shown).not.toContain('<@policy>');
    await rig.lb2.restart();
  });

  it('a host that never answers SSH: each try gives up at the connect timeout, then the job fails', {
    timeout: 90_000,
  }, async () => {
    rig.setPlan(() => commandPlan([{ id: 'on-web-1', actions: [run('web-1', 'true')] }]));
    const job = await changeFromSlack(70_000);
    expect(job.status).toBe('failed');
    expect(job.attempts).toBeGreaterThan(1);
    expect(job.summary).toMatch(/web-1.*did not complete the SSH handshake/);
    expect(job.shown).toContain(job.summary);
  });

  it('a command that hangs: stopped at its timeout, the remote process ended, the job failed', {
    timeout: 90_000,
  }, async () => {
    rig.setPlan(() =>
      commandPlan([{ id: 'hang', actions: [{ ...run('lb1', 'sleep', '3607'), timeoutMs: 2_000 }] }]),
    );
    const job = await changeFromSlack(60_000);
    expect(job.status).toMatch(/failed|timed-out/);
    expect(job.summary).toMatch(/lb1.*(timed out|timeout|did not finish)/i);
    expect(job.shown).toContain(job.summary);
    await until('the hung command gone from the host', async () =>
      (await processesRunning('sleep', '3607')).length === 0 ? true : undefined,
    );
  });
});
