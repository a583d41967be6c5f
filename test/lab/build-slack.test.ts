import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type LocalMessage, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { SshExecutor } from '../../src/ssh/index.js';
import { type BuildBot, startBuildBot } from '../support/build-bot.js';
import { testRedis } from '../support/redis.js';
import { ssh } from './lab-client.js';

/**
 * `/lvs build lab` through the local Slack, against the lab: the Check buttons run their
 * read-only probes on the lab's directors and real servers over SSH (pinned keys) and the
 * message shows pass or fail with the evidence; Apply asks an approver in the thread and runs.
 */
const lab = inject('lab');
const CHANNEL = 'C0LVSOPS';
const OPERATOR = 'U0OPERATOR';
const APPROVER = 'U0APPROVER';
const SIGNING_SECRET = 'build-test-signing-secret';
const BOT_TOKEN = 'xoxb-0000000000-build-test';

let slack: LocalSlack;
let bot: BuildBot | undefined;
const executor = new SshExecutor();
const redis = testRedis();

beforeAll(async () => {
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error('the lab inventory does not load');
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
  // Apply is a build-step job: the real producer, and a real worker on the lab cluster's changes queue.
  bot = await startBuildBot({
    slack,
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    inventory: loaded.value,
    redis,
    runner: executor,
    worker: true,
  });
});

afterAll(async () => {
  await bot?.close();
  await slack?.close();
  await executor.close();
  await redis.cleanup();
});

/** The build message, once it satisfies `done` (it is edited in place after each click). */
async function buildMessage(
  ts: string,
  done: (m: LocalMessage) => boolean,
  timeoutMs = 60_000,
): Promise<LocalMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = slack.message(CHANNEL, ts);
    if (m && done(m)) return m;
    if (Date.now() > deadline)
      throw new Error(
        `the build message never matched; it says:\n${m ? JSON.stringify(m.blocks).slice(0, 3000) : 'nothing'}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

const msg = (at: string): LocalMessage => slack.message(CHANNEL, at)!;
const content = (m: LocalMessage) => JSON.stringify(m.blocks);
const vip = () => lab.vip;

describe('/lvs build through the local Slack, against the lab', () => {
  let ts: string;

  it('opens the build of lab at step 1 of 14 with its buttons', async () => {
    const res = await slack.command('/lvs build lab', { user: OPERATOR, channel: CHANNEL });
    expect(JSON.stringify(res.ack.body)).toContain('Opening the guided build of lab');
    const m = await slack.waitForMessage(CHANNEL, (x) => x.text.startsWith('Guided build of lab'));
    ts = m.ts;
    expect(m.text).toBe('Guided build of lab: Step 1 of 14, Choose the forwarding method');
    expect(content(m)).toContain('lvs_build_next');
  });

  it('passes the IPVS check on the lab: the VIP’s service with every real server, read with ipvsadm -L -n', async () => {
    await slack.click(msg(ts), 'lvs_build_goto', {
      user: OPERATOR,
      value: JSON.stringify({ c: 'lab', s: 'ipvs-table' }),
    });
    await buildMessage(ts, (m) => m.text.includes('Step 4 of 14'));
    await slack.click(msg(ts), 'lvs_build_check', { user: OPERATOR });
    const m = await buildMessage(
      ts,
      (x) => content(x).includes('Check passed') || content(x).includes('Check failed'),
    );
    const text = content(m);
    expect(text).toContain('Check passed');
    expect(text).toContain(`lb1: tcp ${vip()}:80 wlc with web-1 dr w1, web-2 dr w1, web-3 dr w1`);
    expect(text).toContain(':white_check_mark: done');
  });

  it('moves on with Next once the check passed', async () => {
    await slack.click(msg(ts), 'lvs_build_next', { user: OPERATOR });
    const m = await buildMessage(ts, (x) => x.text.includes('Step 5 of 14'));
    expect(m.text).toContain('The VIP on every real server');
  });

  it('fails the real servers’ check when web-2 lost its VIP on lo, with the evidence; Apply (approved) puts it back and the check passes', async () => {
    const removed = await ssh(lab, 'web-2', `ip addr del ${vip()}/32 dev lo`);
    expect(removed.code).toBe(0);
    try {
      await slack.click(msg(ts), 'lvs_build_check', { user: OPERATOR });
      const failed = await buildMessage(ts, (x) => content(x).includes('Check failed'));
      expect(content(failed)).toContain(`web-2: ${vip()}/32 not on lo`);
      expect(content(failed)).toContain(`web-1: ${vip()}/32 on lo`);

      await slack.click(msg(ts), 'lvs_build_apply', { user: OPERATOR });
      const request = await slack.waitForMessage(
        CHANNEL,
        (x) => x.threadTs === ts && x.text.startsWith('Apply a1'),
      );
      expect(content(request)).toContain(`ip addr replace ${vip()}/32 dev lo label lo:0`);
      // The requester is no approver: refused, nothing runs.
      await slack.click(msg(request.ts), 'lvs_build_apply_approve', { user: OPERATOR });
      await slack.waitForEphemeral(OPERATOR, (e) => e.text.includes('Only approvers of lab'));
      await slack.click(msg(request.ts), 'lvs_build_apply_approve', { user: APPROVER });
      const done = await buildMessage(ts, (x) => content(x).includes('Check passed'), 90_000);
      expect(content(done)).toContain(`web-2: ${vip()}/32 (lo:0) on lo`);
      expect(content(done)).toContain('approved by <@U0APPROVER>');
      const answer = slack.message(CHANNEL, request.ts)!;
      expect(content(answer)).toContain('Done');
      // It ran as a job of the cluster's changes queue, with its audit record (`/lvs job ID`).
      const jobId = /job (j\d+)/.exec(content(answer))?.[1];
      expect(jobId, content(answer)).toBeDefined();
      const audit = (await bot!.jobs.get(jobId!))!.audit;
      expect(audit).toMatchObject({ playbook: 'build-step', queue: 'changes.lab', status: 'done' });
      expect(audit.approval?.by).toBe(APPROVER);
      expect(audit.requestedBy.user).toBe(OPERATOR);
      const put = audit.steps.find((x) => x.title === `web-2: put the VIP ${vip()} on lo:0`);
      expect(put).toMatchObject({ state: 'done', acted: true });
    } finally {
      // Whatever happened above, leave web-2 as the lab had it.
      await ssh(lab, 'web-2', `ip addr replace ${vip()}/32 dev lo`);
    }
  });

  it('asks why before skipping, and records the reason with the name', async () => {
    await slack.click(msg(ts), 'lvs_build_goto', {
      user: OPERATOR,
      value: JSON.stringify({ c: 'lab', s: 'mon-cgi' }),
    });
    await buildMessage(ts, (x) => x.text.includes('mon.cgi'));
    await slack.click(msg(ts), 'lvs_build_skip', { user: OPERATOR });
    // The modal opens after the click is acknowledged.
    const modal = await slack.waitForView(OPERATOR, (v) => v.callbackId === 'lvs_build_skip_reason');
    const empty = await slack.submitView(modal, {
      user: OPERATOR,
      values: { lvs_build_skip_reason_text: ' ' },
    });
    expect(empty.outcome).toBe('errors');
    await slack.submitView(modal, {
      user: OPERATOR,
      values: { lvs_build_skip_reason_text: 'Slack shows mon’s state' },
    });
    const m = await buildMessage(ts, (x) => x.text.includes('Step 9 of 14'));
    expect(m.text).toContain('Take dead real servers out of the table');
  });

  it('refuses the buttons to someone who is not an operator, and changes nothing', async () => {
    await slack.click(msg(ts), 'lvs_build_next', { user: 'U0OTHER' });
    await slack.waitForEphemeral('U0OTHER', (e) => e.text.includes('Only operators of lab'));
    expect(slack.message(CHANNEL, ts)!.text).toContain('Step 9 of 14');
  });
});
