import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';

const BOT_TOKEN = 'xoxb-0000000000-fuzz-test';
const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-fuzz-test';

let slack: LocalSlack;
let responseUrl: string;

beforeAll(async () => {
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: 'secret',
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    limits: { postMessagePerChannel: false },
  });
  // Nothing listens on port 9: the command fails to dispatch but its response_url exists.
  responseUrl = (await slack.command('/lvs status', { user: 'U0OPERATOR' })).responseUrl;
});

afterAll(async () => {
  await slack.close();
});

const METHODS = [
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.delete',
  'chat.getPermalink',
  'conversations.list',
  'conversations.open',
  'conversations.members',
  'conversations.info',
  'conversations.history',
  'conversations.replies',
  'users.info',
  'users.list',
  'usergroups.list',
  'usergroups.users.list',
  'views.open',
  'views.push',
  'views.update',
  'views.publish',
  'apps.connections.open',
];

/** JSON that looks like what a buggy app might send: Slack's field names with any values. */
const slackishJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      'section',
      'actions',
      'button',
      'plain_text',
      'mrkdwn',
      'C0LVSOPS',
      'U0OPERATOR',
      'home',
      'modal',
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(
    fc.oneof(
      fc.constantFrom(
        'type',
        'text',
        'blocks',
        'elements',
        'accessory',
        'fields',
        'action_id',
        'block_id',
        'value',
      ),
      fc.constantFrom(
        'channel',
        'ts',
        'user',
        'user_id',
        'view',
        'view_id',
        'trigger_id',
        'thread_ts',
        'cursor',
        'limit',
      ),
      fc.string({ maxLength: 8 }),
    ),
    tie('value'),
    { maxKeys: 6 },
  ),
}));

const body = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ contentType: 'text/plain', payload: s })),
  fc.string({ maxLength: 200 }).map((s) => ({ contentType: 'application/json; charset=utf-8', payload: s })),
  slackishJson.object.map((o) => ({
    contentType: 'application/json; charset=utf-8',
    payload: JSON.stringify(o),
  })),
  slackishJson.object.map((o) => ({
    contentType: 'application/x-www-form-urlencoded',
    payload: new URLSearchParams(
      Object.entries(o).map(
        ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
      ),
    ).toString(),
  })),
  fc
    .string({ maxLength: 200 })
    .map((s) => ({ contentType: 'multipart/form-data; boundary=xyz', payload: `--xyz\r\n${s}` })),
  fc.constant({ contentType: '', payload: '' }),
);

const authorization = fc.oneof(
  fc.constant(`Bearer ${BOT_TOKEN}`),
  fc.constant(`Bearer ${APP_TOKEN}`),
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
);

async function send(
  url: string,
  init: { method: string; contentType: string; payload: string; authorization?: string | undefined },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (init.contentType) headers['content-type'] = init.contentType;
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const response = await fetch(url, {
    method: init.method,
    headers,
    ...(init.method === 'GET' || init.method === 'HEAD' ? {} : { body: init.payload }),
  });
  return { status: response.status, text: await response.text() };
}

describe('local Slack under garbage', () => {
  it('answers every Web API request with a Slack answer, never with its own failure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 20 })),
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        body,
        authorization,
        async (method, httpMethod, { contentType, payload }, auth) => {
          const url = `${slack.apiUrl}${encodeURIComponent(method)}`;
          const { status, text } = await send(url, {
            method: httpMethod,
            contentType,
            payload,
            authorization: auth,
          });
          expect([200, 404, 413, 429]).toContain(status);
          if (status === 200) {
            const answer = JSON.parse(text) as { ok: boolean; error?: string };
            expect(typeof answer.ok).toBe('boolean');
            expect(answer.error).not.toBe('fatal_error');
          }
        },
      ),
      { numRuns: 400 },
    );
    const health = await fetch(`${slack.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    expect(await health.json()).toMatchObject({ ok: true });
  });

  it('answers any block list with ok or a Slack error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(slackishJson.object, { maxLength: 5 }), async (blocks) => {
        const { status, text } = await send(`${slack.apiUrl}chat.postMessage`, {
          method: 'POST',
          contentType: 'application/json; charset=utf-8',
          payload: JSON.stringify({ channel: 'C0LVSOPS', text: 'fuzz', blocks }),
          authorization: `Bearer ${BOT_TOKEN}`,
        });
        expect(status).toBe(200);
        const answer = JSON.parse(text) as { ok: boolean; error?: string };
        if (!answer.ok) expect(['invalid_blocks', 'invalid_blocks_format']).toContain(answer.error);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any post to a response_url with ok or an error name', async () => {
    await fc.assert(
      fc.asyncProperty(body, async ({ contentType, payload }) => {
        const { status, text } = await send(responseUrl, { method: 'POST', contentType, payload });
        expect([200, 400, 404]).toContain(status);
        expect(text).toMatch(/^(ok|[a-z_]+)$/);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores garbage on a Socket Mode connection and keeps the connection', async () => {
    const opened = await fetch(`${slack.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_TOKEN}` },
    }).then((r) => r.json() as Promise<{ url: string }>);
    slack.setApp({ socketMode: true });
    const ws = new WebSocket(opened.url);
    await new Promise((resolve, reject) => {
      ws.once('message', resolve);
      ws.once('error', reject);
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 100 }),
          slackishJson.object.map((o) => JSON.stringify(o)),
          fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)),
        ),
        async (message) => {
          await new Promise<void>((resolve) => ws.send(message, () => resolve()));
        },
      ),
      { numRuns: 200 },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(slack.socketConnections()).toBe(1);
    ws.close();
  });
});
