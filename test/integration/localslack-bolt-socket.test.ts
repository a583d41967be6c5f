import { App, type AuthorizeResult } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalSlack, type LocalSlackOptions, startLocalSlack } from '../../src/localslack/index.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  type BoltApp,
  quietLogger,
  SIGNING_SECRET,
  startSocketBolt,
} from '../support/localslack-bolt.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let slack: LocalSlack | undefined;
const stops: Array<() => Promise<void>> = [];

async function setup(
  register: (app: BoltApp) => void,
  options: Partial<LocalSlackOptions> = {},
  bolt: { clientPingTimeout?: number } = {},
): Promise<LocalSlack> {
  slack = await startLocalSlack({
    app: { socketMode: true },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    ...options,
  });
  const started = await startSocketBolt(slack, register, bolt);
  stops.push(started.stop);
  return slack;
}

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await slack?.close();
  slack = undefined;
});

describe('local Slack with a Bolt app in Socket Mode', () => {
  it('delivers a slash command as an envelope; the ack carries the answer and the reply comes through response_url', async () => {
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, respond, command }) => {
        await ack({ text: `Working on ${command.text}…` });
        await respond({ response_type: 'in_channel', text: `${command.text}: 3 real servers up` });
      });
    });
    expect(s.calls('apps.connections.open')).toMatchObject([{ tokenType: 'app', status: 200 }]);
    const result = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(result.ack).toMatchObject({ ok: true, transport: 'socket', body: { text: 'Working on status…' } });
    expect(result.ack.envelopeId).toMatch(/^[0-9a-f-]{36}$/);
    await s.waitForMessage('C0LVSOPS', (m) => m.text === 'status: 3 real servers up');
    expect(s.ephemerals('U0OPERATOR').map((e) => e.text)).toEqual(['Working on status…']);
  });

  it('round-trips a button click over the socket to chat.update', async () => {
    const s = await setup((app) => {
      app.action('lvs_approve', async ({ ack, body, client }) => {
        await ack();
        if (body.type !== 'block_actions' || !body.channel || !body.message) return;
        await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: 'Approved' });
      });
    });
    const posted = await fetch(`${s.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        channel: 'C0LVSOPS',
        text: 'Approve?',
        blocks: JSON.stringify([
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'lvs_approve', text: { type: 'plain_text', text: 'Approve' } },
            ],
          },
        ]),
      }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    const message = s.message('C0LVSOPS', posted.ts);
    if (!message) throw new Error('message not stored');
    const click = await s.click(message, 'lvs_approve', { user: 'U0APPROVER' });
    expect(click.ack).toMatchObject({ ok: true, transport: 'socket' });
    await s.waitForMessage('C0LVSOPS', (m) => m.ts === posted.ts && m.text === 'Approved');
  });

  it("keeps a modal open with the app's field errors when the submission is answered with response_action errors", async () => {
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack, client, command }) => {
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'lvs_weight',
            title: { type: 'plain_text', text: 'Weight' },
            submit: { type: 'plain_text', text: 'Set' },
            blocks: [
              {
                type: 'input',
                block_id: 'weight',
                label: { type: 'plain_text', text: 'New weight' },
                element: { type: 'plain_text_input', action_id: 'lvs_weight_value' },
              },
            ],
          },
        });
      });
      app.view('lvs_weight', async ({ ack, view }) => {
        const value = view.state.values.weight?.lvs_weight_value?.value ?? '';
        if (!/^\d+$/.test(value)) {
          await ack({ response_action: 'errors', errors: { weight: 'A weight is a whole number' } });
          return;
        }
        await ack();
      });
    });
    await s.command('/lvs weight web-2', { user: 'U0OPERATOR' });
    const modal = await s.waitForView('U0OPERATOR');
    const refused = await s.submitView(modal, { values: { lvs_weight_value: 'heavy' } });
    expect(refused).toMatchObject({ outcome: 'errors', errors: { weight: 'A weight is a whole number' } });
    expect(refused.view?.id).toBe(modal.id);
    const accepted = await s.submitView(modal, { values: { lvs_weight_value: '3' } });
    expect(accepted.outcome).toBe('closed');
    expect(s.views('U0OPERATOR').modals).toEqual([]);
  });

  it('redelivers an events_api envelope that was not acknowledged, with retry_attempt and retry_reason', async () => {
    const seen: Array<{ retryNum: number | undefined; retryReason: string | undefined }> = [];
    let authorizations = 0;
    slack = await startLocalSlack({
      app: { socketMode: true },
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      timing: { eventRetryDelaysMs: [50, 50, 50] },
    });
    const s = slack;
    // Bolt acks events once authorized; a slow authorize keeps the first envelope un-acked.
    const app = new App({
      appToken: APP_TOKEN,
      socketMode: true,
      clientOptions: { slackApiUrl: s.apiUrl },
      authorize: async (): Promise<AuthorizeResult> => {
        authorizations++;
        if (authorizations === 1) await sleep(3300);
        return { botToken: BOT_TOKEN, botUserId: s.botUserId, botId: s.botId };
      },
      logger: quietLogger,
    });
    app.event('app_home_opened', async ({ context }) => {
      seen.push({ retryNum: context.retryNum, retryReason: context.retryReason });
    });
    await app.start();
    stops.push(() => app.stop().then(() => undefined));
    const event = await s.openAppHome('U0OPERATOR');
    expect(event?.ack).toMatchObject({ ok: false, error: 'operation_timeout', retryNum: 0 });
    const attempts = await event?.waitForAttempts(2);
    expect(attempts?.[1]).toMatchObject({
      ok: true,
      retryNum: 1,
      retryReason: 'timeout',
      transport: 'socket',
    });
    expect(attempts?.[1]?.envelopeId).not.toBe(attempts?.[0]?.envelopeId);
    await expect.poll(() => seen, { timeout: 5000 }).toContainEqual({ retryNum: 1, retryReason: 'timeout' });
  });

  it("shows the user Slack's operation_timeout notice when a Socket Mode ack comes after three seconds", async () => {
    const s = await setup((app) => {
      app.command('/lvs', async ({ ack }) => {
        await sleep(3300);
        await ack();
      });
    });
    const result = await s.command('/lvs status', { user: 'U0OPERATOR' });
    expect(result.ack).toMatchObject({ ok: false, error: 'operation_timeout', transport: 'socket' });
    expect(s.ephemerals('U0OPERATOR')).toMatchObject([{ notice: 'operation_timeout' }]);
  });

  it('is reconnected to after a dropped socket, and delivers again', async () => {
    const s = await setup(
      (app) => {
        app.command('/lvs', async ({ ack }) => {
          await ack({ text: 'pong' });
        });
      },
      {},
      { clientPingTimeout: 1000 },
    );
    await s.waitForSocket(1);
    s.faults.dropSocket();
    await expect.poll(() => s.calls('apps.connections.open').length >= 2, { timeout: 10_000 }).toBe(true);
    await s.waitForSocket(1, 10_000);
    const result = await s.command('/lvs ping', { user: 'U0OPERATOR' });
    expect(result.ack).toMatchObject({ ok: true, body: { text: 'pong' } });
  });

  it("is reconnected to after Slack's disconnect message (refresh_requested)", async () => {
    const s = await setup(
      (app) => {
        app.command('/lvs', async ({ ack }) => {
          await ack();
        });
      },
      {},
      { clientPingTimeout: 1000 },
    );
    await s.waitForSocket(1);
    s.faults.socketDisconnect('refresh_requested');
    await expect.poll(() => s.calls('apps.connections.open').length >= 2, { timeout: 10_000 }).toBe(true);
    await s.waitForSocket(1, 10_000);
    expect((await s.command('/lvs status', { user: 'U0OPERATOR' })).ack.ok).toBe(true);
  });

  it('sends envelopes in Slack wire form to one of the open connections, and takes acks with a payload', async () => {
    slack = await startLocalSlack({
      app: { socketMode: true },
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
    });
    const s = slack;
    const connect = async (
      label: string,
    ): Promise<{ ws: WebSocket; envelopes: Array<Record<string, unknown>> }> => {
      const { url } = await fetch(`${s.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { authorization: `Bearer ${APP_TOKEN}` },
      }).then((r) => r.json() as Promise<{ url: string }>);
      const ws = new WebSocket(url);
      const envelopes: Array<Record<string, unknown>> = [];
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        if (message.type === 'hello') return;
        envelopes.push(message);
        const payload = message.type === 'slash_commands' ? { text: `ack from ${label}` } : {};
        ws.send(JSON.stringify({ envelope_id: message.envelope_id, payload }));
      });
      await new Promise((resolve) => ws.once('open', resolve));
      return { ws, envelopes };
    };
    const first = await connect('first');
    const second = await connect('second');
    await s.waitForSocket(2);
    const a = await s.command('/lvs status', { user: 'U0OPERATOR' });
    const b = await s.command('/lvs jobs', { user: 'U0OPERATOR' });
    expect([first.envelopes.length, second.envelopes.length]).toEqual([1, 1]);
    expect(first.envelopes[0]).toEqual({
      envelope_id: a.ack.envelopeId,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: a.payload,
    });
    expect([a.ack.body, b.ack.body]).toEqual([{ text: 'ack from first' }, { text: 'ack from second' }]);
    const home = await s.openAppHome('U0APPROVER');
    const event = [...first.envelopes, ...second.envelopes].find((e) => e.type === 'events_api');
    expect(event).toMatchObject({
      envelope_id: home?.ack.envelopeId,
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: {
        type: 'event_callback',
        event: { type: 'app_home_opened', user: 'U0APPROVER', tab: 'home' },
      },
    });
    first.ws.close();
    second.ws.close();
  });

  it('says hello with num_connections, debug_info and connection_info, and refuses a used or unknown ticket', async () => {
    slack = await startLocalSlack({
      app: { socketMode: true },
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
    });
    const s = slack;
    const opened = await fetch(`${s.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_TOKEN}` },
    }).then((r) => r.json() as Promise<{ ok: boolean; url: string }>);
    expect(opened.ok).toBe(true);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[^&]+&app_id=A0LVSCHATOPS$/);
    const ws = new WebSocket(opened.url);
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data))));
      ws.once('error', reject);
    });
    expect(hello).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: {
        host: expect.any(String),
        build_number: expect.any(Number),
        approximate_connection_time: expect.any(Number),
      },
      connection_info: { app_id: 'A0LVSCHATOPS' },
    });
    const reused = new WebSocket(opened.url);
    const refusal = await new Promise<number | undefined>((resolve) => {
      reused.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      reused.once('open', () => resolve(undefined));
      reused.once('error', () => undefined);
    });
    expect(refusal).toBe(401);
    reused.terminate();
    ws.close();
  });
});
