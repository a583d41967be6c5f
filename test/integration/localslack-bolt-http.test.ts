import type { SlashCommand } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalSlack, type LocalSlackOptions, startLocalSlack } from '../../src/localslack/index.js';
import { BOT_TOKEN, type BoltApp, SIGNING_SECRET, startHttpBolt } from '../support/localslack-bolt.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let slack: LocalSlack | undefined;
let stopBolt: (() => Promise<void>) | undefined;

async function setup(
  register: (app: BoltApp) => void,
  options: Partial<LocalSlackOptions> = {},
): Promise<LocalSlack> {
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    ...options,
  });
  const bolt = await startHttpBolt(slack, register);
  stopBolt = bolt.stop;
  return slack;
}

afterEach(async () => {
  await stopBolt?.();
  await slack?.close();
  stopBolt = undefined;
  slack = undefined;
});

const approvalBlocks = [
  { type: 'section', text: { type: 'mrkdwn', text: 'Drain *web-2* from web:80?' } },
  {
    type: 'actions',
    block_id: 'approval',
    elements: [
      {
        type: 'button',
        action_id: 'lvs_approve',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'job-1',
        style: 'primary',
      },
      {
        type: 'button',
        action_id: 'lvs_reject',
        text: { type: 'plain_text', text: 'Reject' },
        value: 'job-1',
        style: 'danger',
      },
    ],
  },
];

describe('local Slack with a Bolt app in HTTP mode', () => {
  it('delivers a signed slash command with every documented field, and the reply arrives through response_url', async () => {
    let received: SlashCommand | undefined;
    const s = await setup((app) => {
      app.command('/lvs', async ({ command, ack, respond }) => {
        received = command;
        await ack();
        await respond({
          response_type: 'in_channel',
          text: `status of ${command.text}: all real servers up`,
        });
      });
    });
    const result = await s.command('/lvs status lab', { user: 'U0OPERATOR' });
    expect(result.ack).toMatchObject({ ok: true, status: 200, transport: 'http' });
    const post = await result.waitForResponse();
    expect(post.status).toBe(200);
    expect(post.effect?.kind).toBe('in_channel');
    const message = await s.waitForMessage('C0LVSOPS', (m) => m.text.includes('all real servers up'));
    expect(message).toMatchObject({ user: s.botUserId, botId: s.botId, via: 'response_url' });
    expect(received).toMatchObject({
      token: expect.any(String),
      team_id: 'T0LAB',
      team_domain: 'lvs-lab',
      channel_id: 'C0LVSOPS',
      channel_name: 'lvs-ops',
      user_id: 'U0OPERATOR',
      user_name: 'operator',
      command: '/lvs',
      text: 'status lab',
      api_app_id: s.appId,
      is_enterprise_install: 'false',
      response_url: result.responseUrl,
      trigger_id: result.triggerId,
    });
  });

  it("shows the app's immediate answer to a command only to the user who typed it", async () => {
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        await ack({ text: 'Usage: /lvs status [CLUSTER]' });
      });
    });
    await s.command('/lvs help', { user: 'U0OPERATOR' });
    expect(s.ephemerals('U0OPERATOR').map((e) => e.text)).toEqual(['Usage: /lvs status [CLUSTER]']);
    expect(s.ephemerals('U0APPROVER')).toEqual([]);
    expect(s.messages('C0LVSOPS')).toEqual([]);
  });

  it('round-trips a button click: block_actions reaches the action handler, which updates the message', async () => {
    const clicks: Array<{ user: string; value: string | undefined; container: unknown }> = [];
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, client, command }) => {
        await ack();
        await client.chat.postMessage({
          channel: command.channel_id,
          text: 'Approval needed',
          blocks: approvalBlocks,
        });
      });
      app.action('lvs_approve', async ({ ack, body, action, client }) => {
        await ack();
        if (body.type !== 'block_actions' || action.type !== 'button') return;
        clicks.push({ user: body.user.id, value: action.value, container: body.container });
        await client.chat.update({
          channel: body.channel?.id ?? '',
          ts: body.message?.ts ?? '',
          text: `Approved by <@${body.user.id}>`,
          blocks: [],
        });
      });
    });
    await s.command('/lvs drain web-2', { user: 'U0OPERATOR' });
    const message = await s.waitForMessage('C0LVSOPS', (m) => m.text === 'Approval needed');
    const click = await s.click(message, 'lvs_approve', { user: 'U0APPROVER' });
    expect(click.ack.ok).toBe(true);
    const updated = await s.waitForMessage('C0LVSOPS', (m) => m.text === 'Approved by <@U0APPROVER>');
    expect(updated.ts).toBe(message.ts);
    expect(updated.edits).toHaveLength(1);
    expect(updated.edits[0]?.text).toBe('Approval needed');
    expect(clicks).toEqual([
      {
        user: 'U0APPROVER',
        value: 'job-1',
        container: { type: 'message', message_ts: message.ts, channel_id: 'C0LVSOPS', is_ephemeral: false },
      },
    ]);
    expect(s.calls('chat.update')).toHaveLength(1);
  });

  it('replaces and then deletes the clicked message through the click response_url', async () => {
    const s = await setup((app) => {
      app.action('lvs_reject', async ({ ack, respond }) => {
        await ack();
        await respond({ replace_original: true, text: 'Rejected' });
        await respond({ delete_original: true });
      });
    });
    const posted = await fetch(`${s.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0LVSOPS', text: 'Approval needed', blocks: approvalBlocks }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    const message = s.message('C0LVSOPS', posted.ts);
    if (!message) throw new Error('message not stored');
    const click = await s.click(message, 'lvs_reject', { user: 'U0APPROVER' });
    await click.waitForResponse((p) => p.effect?.kind === 'deleted');
    expect(click.responses().map((p) => p.effect?.kind)).toEqual(['replaced', 'deleted']);
    const after = s.message('C0LVSOPS', posted.ts);
    expect(after?.deleted).toBe(true);
    expect(after?.edits.map((e) => e.text)).toEqual(['Approval needed']);
    expect(s.messages('C0LVSOPS')).toEqual([]);
  });

  it('delivers a click in an ephemeral message without the message, and replaces it through response_url', async () => {
    let payload: Record<string, unknown> = {};
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        await ack({
          text: 'Pick a real server',
          blocks: [
            {
              type: 'actions',
              elements: [
                {
                  type: 'static_select',
                  action_id: 'lvs_pick',
                  options: ['web-1', 'web-2'].map((v) => ({
                    text: { type: 'plain_text', text: v },
                    value: v,
                  })),
                },
              ],
            },
          ],
        });
      });
      app.action('lvs_pick', async ({ ack, body, respond }) => {
        await ack();
        payload = body as unknown as Record<string, unknown>;
        if (body.type !== 'block_actions' || body.actions[0]?.type !== 'static_select') return;
        await respond({ replace_original: true, text: `Draining ${body.actions[0].selected_option?.value}` });
      });
    });
    await s.command('/lvs drain', { user: 'U0OPERATOR' });
    const [picker] = s.ephemerals('U0OPERATOR');
    if (!picker) throw new Error('no ephemeral picker');
    await s.click(picker, 'lvs_pick', { user: 'U0OPERATOR', value: 'web-2' });
    await s.waitForEphemeral('U0OPERATOR', (e) => e.text === 'Draining web-2');
    expect(s.ephemerals('U0OPERATOR')).toMatchObject([
      { ts: picker.ts, text: 'Draining web-2', edits: [{ text: 'Pick a real server' }] },
    ]);
    expect(payload.message).toBeUndefined();
    expect(payload.container).toEqual({
      type: 'message',
      message_ts: picker.ts,
      channel_id: 'C0LVSOPS',
      is_ephemeral: true,
    });
    await expect(s.click(picker, 'lvs_pick', { user: 'U0APPROVER', value: 'web-1' })).rejects.toThrow(
      /not shown to U0APPROVER/,
    );
  });

  it('opens a modal with a fresh trigger_id, refuses the same trigger twice, and delivers the submission', async () => {
    const outcomes: string[] = [];
    let submitted: unknown;
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, client, command }) => {
        await ack();
        const view = {
          type: 'modal' as const,
          callback_id: 'lvs_silence',
          title: { type: 'plain_text' as const, text: 'Silence' },
          submit: { type: 'plain_text' as const, text: 'Silence' },
          blocks: [
            {
              type: 'input',
              block_id: 'duration',
              label: { type: 'plain_text', text: 'For how long?' },
              element: { type: 'plain_text_input', action_id: 'lvs_duration' },
            },
          ],
        };
        await client.views.open({ trigger_id: command.trigger_id, view });
        outcomes.push('opened');
        try {
          await client.views.open({ trigger_id: command.trigger_id, view });
        } catch (error) {
          outcomes.push((error as { data?: { error?: string } }).data?.error ?? 'unknown');
        }
      });
      app.view('lvs_silence', async ({ ack, view }) => {
        submitted = view.state.values;
        await ack();
      });
    });
    await s.command('/lvs silence', { user: 'U0OPERATOR' });
    const modal = await s.waitForView('U0OPERATOR', (v) => v.callbackId === 'lvs_silence');
    await expect.poll(() => outcomes).toEqual(['opened', 'exchanged_trigger_id']);
    const result = await s.submitView(modal, { values: { lvs_duration: '2h' } });
    expect(result.outcome).toBe('closed');
    expect(submitted).toEqual({ duration: { lvs_duration: { type: 'plain_text_input', value: '2h' } } });
    expect(s.views('U0OPERATOR').modals).toEqual([]);
  });

  it('delivers a click inside a modal with the view, and lets the app push a second modal with its trigger_id', async () => {
    let container: unknown;
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, client, command }) => {
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'lvs_build',
            title: { type: 'plain_text', text: 'Guided build' },
            blocks: [
              {
                type: 'actions',
                elements: [
                  { type: 'button', action_id: 'lvs_next', text: { type: 'plain_text', text: 'Next' } },
                ],
              },
            ],
          },
        });
      });
      app.action('lvs_next', async ({ ack, body, client }) => {
        await ack();
        if (body.type !== 'block_actions') return;
        container = body.container;
        await client.views.push({
          trigger_id: body.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'lvs_build_2',
            title: { type: 'plain_text', text: 'Step 2' },
            blocks: [],
          },
        });
      });
    });
    await s.command('/lvs build lab', { user: 'U0OPERATOR' });
    const first = await s.waitForView('U0OPERATOR', (v) => v.callbackId === 'lvs_build');
    const click = await s.click(first, 'lvs_next', { user: 'U0OPERATOR' });
    expect(click.responseUrl).toBeUndefined();
    await s.waitForView('U0OPERATOR', (v) => v.callbackId === 'lvs_build_2');
    expect(container).toEqual({ type: 'view', view_id: first.id });
    expect(s.views('U0OPERATOR').modals.map((v) => v.callbackId)).toEqual(['lvs_build', 'lvs_build_2']);
    expect(s.views('U0OPERATOR').modals[1]).toMatchObject({ rootViewId: first.id, previousViewId: first.id });
  });

  it("delivers a command typed in the user's direct messages with the app as channel_name directmessage", async () => {
    let channel: { id?: string; name?: string } = {};
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, command, say }) => {
        channel = { id: command.channel_id, name: command.channel_name };
        await ack();
        await say('here are your jobs');
      });
    });
    const dm = s.directMessageChannel('U0OPERATOR');
    await s.command('/lvs jobs', { user: 'U0OPERATOR', channel: dm });
    expect(channel).toEqual({ id: dm, name: 'directmessage' });
    await s.waitForMessage(dm, (m) => m.text === 'here are your jobs');
  });

  it('refuses a trigger_id older than three seconds with expired_trigger_id', async () => {
    let error: string | undefined;
    const s = await setup(
      (app) => {
        app.command('/lvs', async ({ ack, client, command }) => {
          await ack();
          await sleep(300);
          try {
            await client.views.open({
              trigger_id: command.trigger_id,
              view: { type: 'modal', title: { type: 'plain_text', text: 'Late' }, blocks: [] },
            });
          } catch (e) {
            error = (e as { data?: { error?: string } }).data?.error;
          }
        });
      },
      { timing: { triggerTtlMs: 200 } },
    );
    await s.command('/lvs build', { user: 'U0OPERATOR' });
    await expect.poll(() => error).toBe('expired_trigger_id');
    expect(s.views('U0OPERATOR').modals).toEqual([]);
  });

  it('has its forged signature rejected by Bolt (401) without running the handler', async () => {
    let ran = 0;
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        ran++;
        await ack();
      });
    });
    s.faults.forgeSignature();
    const forged = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(forged.ack).toMatchObject({ ok: false, status: 401, error: 'dispatch_failed' });
    expect(ran).toBe(0);
    expect(s.ephemerals('U0OPERATOR')).toMatchObject([
      { notice: 'dispatch_failed', text: '/lvs failed with the error "dispatch_failed"' },
    ]);
    const honest = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(honest.ack).toMatchObject({ ok: true, status: 200 });
    expect(ran).toBe(1);
  });

  it('has a stale request timestamp rejected by Bolt (401) without running the handler', async () => {
    let ran = 0;
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        ran++;
        await ack();
      });
    });
    s.faults.staleTimestamp();
    const stale = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(stale.ack).toMatchObject({ ok: false, status: 401 });
    expect(ran).toBe(0);
  });

  it("shows the user Slack's operation_timeout notice when the app acks after three seconds", async () => {
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        await sleep(3300);
        await ack().catch(() => undefined);
      });
    });
    const result = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(result.ack).toMatchObject({ ok: false, error: 'operation_timeout' });
    expect(result.ack.ackMs).toBeUndefined();
    expect(s.ephemerals('U0OPERATOR')).toMatchObject([
      {
        channel: 'C0LVSOPS',
        notice: 'operation_timeout',
        text: '/lvs failed with the error "operation_timeout"',
      },
    ]);
  });

  it('accepts five posts to a response_url and refuses the sixth, which Bolt reports as a RespondError', async () => {
    const statuses: Array<number | string> = [];
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, respond }) => {
        await ack();
        for (let i = 1; i <= 6; i++) {
          try {
            const response = await respond({ text: `step ${i}` });
            statuses.push(response.status);
          } catch (error) {
            statuses.push((error as { code?: string }).code ?? 'error');
          }
        }
      });
    });
    const result = await s.command('/lvs jobs', { user: 'U0OPERATOR' });
    await expect.poll(() => statuses.length).toBe(6);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 'slack_bolt_respond_error']);
    expect(result.responses().map((p) => p.error)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'used_url',
    ]);
    expect(s.ephemerals('U0OPERATOR').map((e) => e.text)).toEqual([
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step 5',
    ]);
  });

  it('refuses a response_url after its lifetime with expired_url', async () => {
    const s = await setup(
      (app) => {
        app.command('/lvs', async ({ ack }) => {
          await ack();
        });
      },
      { timing: { responseUrlTtlMs: 200 } },
    );
    const result = await s.command('/lvs jobs', { user: 'U0OPERATOR' });
    await sleep(300);
    const response = await fetch(result.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'too late' }),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('expired_url');
  });

  it('gets the url_verification challenge answered by Bolt', async () => {
    const s = await setup(() => undefined);
    expect(await s.verifyUrl()).toMatchObject({ ok: true, status: 200 });
  });

  it('retries an event the app refused, with x-slack-retry-num and x-slack-retry-reason', async () => {
    const seen: Array<{ retryNum: number | undefined; retryReason: string | undefined; text: string }> = [];
    const s = await setup(
      (app) => {
        app.event('app_mention', async ({ event, context }) => {
          seen.push({ retryNum: context.retryNum, retryReason: context.retryReason, text: event.text });
        });
      },
      { timing: { eventRetryDelaysMs: [50, 50, 50] } },
    );
    s.faults.forgeSignature();
    const { event } = await s.mention(`<@${s.botUserId}> status`, { user: 'U0OPERATOR' });
    expect(event?.ack).toMatchObject({ ok: false, status: 401, retryNum: 0 });
    const attempts = await event?.waitForAttempts(2);
    expect(attempts?.[1]).toMatchObject({ ok: true, status: 200, retryNum: 1, retryReason: 'http_error' });
    await expect
      .poll(() => seen)
      .toEqual([{ retryNum: 1, retryReason: 'http_error', text: `<@${s.botUserId}> status` }]);
  });
});
