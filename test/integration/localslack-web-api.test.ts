import { LogLevel, WebAPIPlatformError, WebClient, type WebClientOptions } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSeedInput, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';

const BOT_TOKEN = 'xoxb-0000000000-web-api-test';
const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-web-api-test';

let slack: LocalSlack;
let client: WebClient;

/** No retries, and no logging of the errors these tests provoke on purpose. */
function clientOptions(): WebClientOptions {
  return { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, logger: silent };
}

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

beforeEach(async () => {
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: 'secret',
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    limits: { postMessagePerChannel: false },
  });
  client = new WebClient(BOT_TOKEN, clientOptions());
});

afterEach(async () => {
  await slack.close();
});

/** The Slack error a call failed with (the test fails if it succeeded). */
async function slackError(call: Promise<unknown>): Promise<{ error: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof WebAPIPlatformError) {
      return { error: error.data.error, data: error.data as unknown as Record<string, unknown> };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function raw(
  method: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${slack.apiUrl}${method}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('local Slack Web API: authentication', () => {
  it('answers auth.test for the bot token with the team, bot user and bot IDs', async () => {
    const result = await client.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: 'T0LAB',
      team: 'LVS Lab',
      user_id: slack.botUserId,
      bot_id: slack.botId,
      url: slack.url,
      is_enterprise_install: false,
    });
    expect(result.response_metadata?.scopes).toContain('chat:write');
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed, with HTTP 200', async () => {
    const wrong = new WebClient('xoxb-wrong', clientOptions());
    expect((await slackError(wrong.auth.test())).error).toBe('invalid_auth');
    const missing = await raw('auth.test', { method: 'POST' });
    expect(missing).toEqual({ status: 200, body: { ok: false, error: 'not_authed' } });
  });

  it('reads the token from a form field as well as from the Authorization header', async () => {
    const result = await raw('auth.test', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: BOT_TOKEN }),
    });
    expect(result.body).toMatchObject({ ok: true, user_id: slack.botUserId });
  });

  it('does not read a token from a JSON body, as Slack does not', async () => {
    const result = await raw('auth.test', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ token: BOT_TOKEN }),
    });
    expect(result.body).toEqual({ ok: false, error: 'not_authed' });
  });

  it('keeps the app-level token to apps.connections.open and the bot token away from it', async () => {
    const appClient = new WebClient(APP_TOKEN, clientOptions());
    expect((await slackError(appClient.chat.postMessage({ channel: 'C0LVSOPS', text: 'x' }))).error).toBe(
      'not_allowed_token_type',
    );
    expect((await slackError(client.apps.connections.open())).error).toBe('not_allowed_token_type');
    const opened = await appClient.apps.connections.open();
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('answers unknown methods with unknown_method', async () => {
    const result = await raw('chat.shout', {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    expect(result.body).toMatchObject({ ok: false, error: 'unknown_method' });
  });

  it('answers missing_scope with the scopes needed when the seed data did not grant them', async () => {
    await slack.close();
    const seed = defaultSeedInput();
    seed.app.scopes = ['chat:write'];
    slack = await startLocalSlack({
      seed,
      app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
      signingSecret: 'secret',
      botToken: BOT_TOKEN,
    });
    client = new WebClient(BOT_TOKEN, clientOptions());
    const { error, data } = await slackError(client.users.info({ user: 'U0OPERATOR' }));
    expect(error).toBe('missing_scope');
    expect(data).toMatchObject({ needed: 'users:read', provided: 'chat:write' });
  });
});

describe('local Slack Web API: request bodies', () => {
  it('accepts JSON bodies and warns missing_charset when the charset is left out, as Slack does', async () => {
    const result = await raw('chat.postMessage', {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0LVSOPS', text: 'json body' }),
    });
    expect(result.body).toMatchObject({
      ok: true,
      warning: 'missing_charset',
      response_metadata: { warnings: ['missing_charset'] },
    });
  });

  it('answers invalid_json and json_not_object for broken JSON bodies', async () => {
    const headers = {
      authorization: `Bearer ${BOT_TOKEN}`,
      'content-type': 'application/json; charset=utf-8',
    };
    expect((await raw('auth.test', { method: 'POST', headers, body: '{"channel":' })).body.error).toBe(
      'invalid_json',
    );
    expect((await raw('auth.test', { method: 'POST', headers, body: '[1,2]' })).body.error).toBe(
      'json_not_object',
    );
  });

  it('reads multipart/form-data fields and GET query parameters', async () => {
    const form = new FormData();
    form.append('channel', 'C0LVSOPS');
    form.append('text', 'multipart body');
    const multipart = await raw('chat.postMessage', {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
      body: form,
    });
    expect(multipart.body).toMatchObject({ ok: true, message: { text: 'multipart body' } });
    const response = await fetch(`${slack.apiUrl}conversations.info?channel=C0LVSOPS`, {
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: { id: 'C0LVSOPS', name: 'lvs-ops' } });
  });

  it('records every call with its arguments, token removed', async () => {
    await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'recorded' });
    const [call] = slack.calls('chat.postMessage');
    expect(call).toMatchObject({ method: 'chat.postMessage', status: 200, tokenType: 'bot' });
    expect(call?.args).toMatchObject({ channel: 'C0LVSOPS', text: 'recorded' });
    expect(call?.args).not.toHaveProperty('token');
  });
});

describe('local Slack Web API: chat.postMessage', () => {
  it('posts to a channel by ID or #name, as the bot, and fills in block_ids', async () => {
    const byId = await client.chat.postMessage({
      channel: 'C0LVSOPS',
      text: 'fallback',
      blocks: [section('*web-2* down')],
    });
    expect(byId).toMatchObject({
      ok: true,
      channel: 'C0LVSOPS',
      ts: expect.stringMatching(/^\d{10}\.\d{6}$/),
      message: {
        type: 'message',
        text: 'fallback',
        user: slack.botUserId,
        bot_id: slack.botId,
        team: 'T0LAB',
      },
    });
    const byName = await client.chat.postMessage({ channel: '#lvs-ops', text: 'by name' });
    expect(byName.channel).toBe('C0LVSOPS');
    const [first] = slack.messages('C0LVSOPS');
    expect(first?.blocks[0]).toMatchObject({ type: 'section', block_id: expect.stringMatching(/^\w{5}$/) });
  });

  it("posts to a user ID in the bot's direct messages with that user", async () => {
    const result = await client.chat.postMessage({ channel: 'U0APPROVER', text: 'approval needed' });
    expect(result.channel).toMatch(/^D/);
    expect(slack.messages(result.channel ?? '')).toHaveLength(1);
  });

  it('refuses unknown channels with channel_not_found, and private channels the bot is not in too', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect((await slackError(client.chat.postMessage({ channel: 'C0LVSPRIV', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('refuses a public channel the bot is not a member of with not_in_channel', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }))).error).toBe(
      'not_in_channel',
    );
    expect(slack.messages('C0GENERAL')).toEqual([]);
  });

  it('refuses a message with no text, blocks or attachments with no_text', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0LVSOPS', text: '' }))).error).toBe(
      'no_text',
    );
  });

  it('refuses text over 40,000 characters with msg_too_long', async () => {
    const text = 'x'.repeat(40_001);
    expect((await slackError(client.chat.postMessage({ channel: 'C0LVSOPS', text }))).error).toBe(
      'msg_too_long',
    );
  });

  it('refuses blocks that are not a JSON array with invalid_blocks_format', async () => {
    const result = await raw('chat.postMessage', {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'C0LVSOPS', text: 'x', blocks: '{"type":"section"' }),
    });
    expect(result.body).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  const button = (extra: Record<string, unknown> = {}) => ({
    type: 'button',
    action_id: 'lvs_approve',
    text: { type: 'plain_text', text: 'Approve' },
    ...extra,
  });

  it.each([
    [
      'section text over 3000 characters',
      [section('x'.repeat(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'a header over 150 characters',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'an unknown block type',
      [{ type: 'carousel' }],
      'unsupported type: carousel [json-pointer:/blocks/0/type]',
    ],
    [
      'more than 50 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      'more than 25 elements in an actions block',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })) }],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'button text over 75 characters',
      [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })] }],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'an action_id over 255 characters',
      [{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'a button value over 2000 characters',
      [{ type: 'actions', elements: [button({ value: 'v'.repeat(2001) })] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'more than 10 fields in a section',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'a section without text or fields',
      [{ type: 'section' }],
      'must define either `text` or `fields` [json-pointer:/blocks/0]',
    ],
    [
      'an actions block without elements',
      [{ type: 'actions' }],
      'missing required field: elements [json-pointer:/blocks/0]',
    ],
    [
      'an unknown element type',
      [{ type: 'actions', elements: [{ type: 'slider', action_id: 's' }] }],
      'unsupported type: slider [json-pointer:/blocks/0/elements/0/type]',
    ],
  ])('refuses %s with invalid_blocks and the reason', async (_what, blocks, reason) => {
    const { error, data } = await slackError(
      client.chat.postMessage({ channel: 'C0LVSOPS', text: 'x', blocks }),
    );
    expect(error).toBe('invalid_blocks');
    expect(data.errors).toContain(reason);
    expect((data.response_metadata as { messages: string[] }).messages).toContain(`[ERROR] ${reason}`);
    expect(slack.messages('C0LVSOPS')).toEqual([]);
  });

  it('posts thread replies under their parent and refuses an unknown thread_ts', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'incident 7 opened' });
    await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'web-2 drained', thread_ts: parent.ts ?? '' });
    expect(slack.thread('C0LVSOPS', parent.ts ?? '').map((m) => m.text)).toEqual(['web-2 drained']);
    expect(slack.message('C0LVSOPS', parent.ts ?? '')?.replyCount).toBe(1);
    expect(slack.messages('C0LVSOPS').map((m) => m.text)).toEqual(['incident 7 opened']);
    expect(
      (await slackError(client.chat.postMessage({ channel: 'C0LVSOPS', text: 'x', thread_ts: '1.000001' })))
        .error,
    ).toBe('thread_not_found');
  });
});

describe('local Slack Web API: chat.update, chat.postEphemeral, chat.delete', () => {
  it("updates the bot's message and keeps its earlier versions", async () => {
    const posted = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'draining web-2… 0%' });
    const updated = await client.chat.update({
      channel: 'C0LVSOPS',
      ts: posted.ts ?? '',
      text: 'draining web-2… 50%',
    });
    expect(updated).toMatchObject({
      ok: true,
      channel: 'C0LVSOPS',
      ts: posted.ts,
      text: 'draining web-2… 50%',
    });
    expect(updated.message).toMatchObject({ edited: { user: slack.botUserId } });
    const message = slack.message('C0LVSOPS', posted.ts ?? '');
    expect(message?.text).toBe('draining web-2… 50%');
    expect(message?.edits.map((e) => e.text)).toEqual(['draining web-2… 0%']);
  });

  it("refuses unknown messages with message_not_found and a user's message with cant_update_message", async () => {
    expect(
      (await slackError(client.chat.update({ channel: 'C0LVSOPS', ts: '1.000001', text: 'x' }))).error,
    ).toBe('message_not_found');
    const mine = slack.postAsUser('hello', { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
    expect(
      (await slackError(client.chat.update({ channel: 'C0LVSOPS', ts: mine.ts, text: 'x' }))).error,
    ).toBe('cant_update_message');
  });

  it('shows an ephemeral message to one member and refuses non-members with user_not_in_channel', async () => {
    await slack.close();
    const seed = defaultSeedInput();
    seed.channels[0]?.members.splice(seed.channels[0].members.indexOf('U0OTHER'), 1);
    slack = await startLocalSlack({
      seed,
      app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
      signingSecret: 'secret',
      botToken: BOT_TOKEN,
    });
    client = new WebClient(BOT_TOKEN, clientOptions());
    const result = await client.chat.postEphemeral({
      channel: 'C0LVSOPS',
      user: 'U0OPERATOR',
      text: 'only you',
    });
    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(slack.ephemerals('U0OPERATOR')).toMatchObject([
      { text: 'only you', channel: 'C0LVSOPS', via: 'chat.postEphemeral' },
    ]);
    expect(slack.messages('C0LVSOPS')).toEqual([]);
    expect(
      (await slackError(client.chat.postEphemeral({ channel: 'C0LVSOPS', user: 'U0OTHER', text: 'x' })))
        .error,
    ).toBe('user_not_in_channel');
    expect(
      (await slackError(client.chat.postEphemeral({ channel: 'C0LVSOPS', user: 'U0NOBODY', text: 'x' })))
        .error,
    ).toBe('user_not_found');
  });

  it("deletes the bot's message, refuses a user's message and an unknown ts", async () => {
    const posted = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'temporary' });
    expect(await client.chat.delete({ channel: 'C0LVSOPS', ts: posted.ts ?? '' })).toMatchObject({
      ok: true,
      channel: 'C0LVSOPS',
      ts: posted.ts,
    });
    expect(slack.messages('C0LVSOPS')).toEqual([]);
    expect((await slackError(client.chat.delete({ channel: 'C0LVSOPS', ts: posted.ts ?? '' }))).error).toBe(
      'message_not_found',
    );
    const mine = slack.postAsUser('mine', { user: 'U0OPERATOR' });
    expect((await slackError(client.chat.delete({ channel: 'C0LVSOPS', ts: mine.ts }))).error).toBe(
      'cant_delete_message',
    );
  });
});

describe('local Slack Web API: conversations, users, user groups', () => {
  it('pages conversations.list with cursors until next_cursor is empty', async () => {
    const names: string[] = [];
    for await (const page of client.paginate('conversations.list', { limit: 1 })) {
      names.push(...((page as { channels?: Array<{ name: string }> }).channels ?? []).map((c) => c.name));
    }
    expect(names.sort()).toEqual(['general', 'lvs-ops']);
    const first = await client.conversations.list({ limit: 1 });
    expect(first.response_metadata?.next_cursor).not.toBe('');
    const last = await client.conversations.list({ limit: 10 });
    expect(last.response_metadata?.next_cursor).toBe('');
  });

  it('lists private channels only when the bot is a member, and refuses a bad cursor or type', async () => {
    const privates = await client.conversations.list({ types: 'private_channel' });
    expect(privates.channels).toEqual([]);
    expect((await slackError(client.conversations.list({ cursor: 'bm9wZQ==' }))).error).toBe(
      'invalid_cursor',
    );
    expect((await slackError(client.conversations.list({ types: 'shared' }))).error).toBe('invalid_types');
  });

  it('describes a channel with conversations.info and refuses an unknown one', async () => {
    const info = await client.conversations.info({ channel: 'C0LVSOPS', include_num_members: true });
    expect(info.channel).toMatchObject({
      id: 'C0LVSOPS',
      name: 'lvs-ops',
      is_channel: true,
      is_private: false,
      is_member: true,
      num_members: 4,
    });
    expect((await slackError(client.conversations.info({ channel: 'C0NOPE' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('describes a user with users.info and refuses an unknown one with user_not_found', async () => {
    const info = await client.users.info({ user: 'U0APPROVER' });
    expect(info.user).toMatchObject({
      id: 'U0APPROVER',
      team_id: 'T0LAB',
      name: 'approver',
      real_name: 'Arun Approver',
      is_bot: false,
      profile: { real_name: 'Arun Approver', email: 'approver@lvs-lab.example' },
    });
    expect((await client.users.info({ user: slack.botUserId })).user).toMatchObject({ is_bot: true });
    expect((await slackError(client.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
  });

  it('lists a user group with usergroups.users.list and refuses an unknown one', async () => {
    expect((await client.usergroups.users.list({ usergroup: 'S0LVSAPPR' })).users).toEqual(['U0APPROVER']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe(
      'no_such_subteam',
    );
  });

  it('opens the direct-message conversation with a user, and refuses an unknown user', async () => {
    const opened = await client.conversations.open({ users: 'U0OTHER' });
    expect(opened.channel?.id).toMatch(/^D/);
    await client.chat.postMessage({ channel: opened.channel?.id ?? '', text: 'your drain finished' });
    expect(slack.messages(opened.channel?.id ?? '').map((m) => m.text)).toEqual(['your drain finished']);
    expect((await client.conversations.info({ channel: opened.channel?.id ?? '' })).channel).toMatchObject({
      is_im: true,
      user: 'U0OTHER',
    });
    expect((await slackError(client.conversations.open({ users: 'U0NOBODY' }))).error).toBe('user_not_found');
  });

  it('lists channel members, users and user groups', async () => {
    expect((await client.conversations.members({ channel: 'C0LVSOPS' })).members).toEqual([
      'U0APPROVER',
      'U0LVSBOT',
      'U0OPERATOR',
      'U0OTHER',
    ]);
    const users = await client.users.list({});
    expect(users.members?.map((u) => u.id)).toEqual(['U0APPROVER', 'U0LVSBOT', 'U0OPERATOR', 'U0OTHER']);
    const groups = await client.usergroups.list({ include_users: true });
    expect(groups.usergroups?.map((g) => [g.handle, g.users])).toEqual([
      ['lvs-approvers', ['U0APPROVER']],
      ['lvs-operators', ['U0OPERATOR', 'U0APPROVER']],
    ]);
  });

  it('gives a permalink to a message, and refuses an unknown message', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'incident 9' });
    const link = await client.chat.getPermalink({ channel: 'C0LVSOPS', message_ts: posted.ts ?? '' });
    expect(link.permalink).toBe(`${slack.url}archives/C0LVSOPS/p${(posted.ts ?? '').replace('.', '')}`);
    expect(
      (await slackError(client.chat.getPermalink({ channel: 'C0LVSOPS', message_ts: '1.000001' }))).error,
    ).toBe('message_not_found');
  });

  it("reads the bot's channel history newest first, and a thread with conversations.replies", async () => {
    const parent = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'one' });
    await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'two' });
    await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'reply', thread_ts: parent.ts ?? '' });
    const history = await client.conversations.history({ channel: 'C0LVSOPS' });
    expect(history.messages?.map((m) => m.text)).toEqual(['two', 'one']);
    const replies = await client.conversations.replies({ channel: 'C0LVSOPS', ts: parent.ts ?? '' });
    expect(replies.messages?.map((m) => m.text)).toEqual(['one', 'reply']);
    expect((await slackError(client.conversations.history({ channel: 'C0GENERAL' }))).error).toBe(
      'not_in_channel',
    );
  });
});

describe('local Slack Web API: views', () => {
  const home = (text: string) => ({ type: 'home' as const, blocks: [section(text)] });

  it("publishes a user's App Home and refuses an unknown user with invalid_arguments", async () => {
    const published = await client.views.publish({ user_id: 'U0OPERATOR', view: home('2 incidents open') });
    expect(published.view).toMatchObject({
      type: 'home',
      team_id: 'T0LAB',
      app_id: slack.appId,
      hash: expect.any(String),
    });
    expect(slack.views('U0OPERATOR').home?.blocks[0]).toMatchObject({ text: { text: '2 incidents open' } });
    const { error, data } = await slackError(client.views.publish({ user_id: 'U0NOBODY', view: home('x') }));
    expect(error).toBe('invalid_arguments');
    expect((data.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] invalid `user_id`',
    ]);
  });

  it('updates a view by id with the right hash, and refuses a stale hash and an unknown view', async () => {
    const published = await client.views.publish({ user_id: 'U0OPERATOR', view: home('v1') });
    const id = published.view?.id ?? '';
    const hash = published.view?.hash ?? '';
    const updated = await client.views.update({ view_id: id, hash, view: home('v2') });
    expect(updated.view?.id).toBe(id);
    expect(updated.view?.hash).not.toBe(hash);
    expect((await slackError(client.views.update({ view_id: id, hash, view: home('v3') }))).error).toBe(
      'hash_conflict',
    );
    expect((await slackError(client.views.update({ view_id: 'VNOPE', view: home('x') }))).error).toBe(
      'not_found',
    );
  });

  it('refuses a view over its limits with invalid_arguments and the reason', async () => {
    const { error, data } = await slackError(
      client.views.publish({
        user_id: 'U0OPERATOR',
        view: { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) },
      }),
    );
    expect(error).toBe('invalid_arguments');
    expect((data.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
    ]);
  });

  it('refuses views.open with a trigger_id Slack never issued', async () => {
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    expect((await slackError(client.views.open({ trigger_id: '1.2.3', view }))).error).toBe(
      'invalid_trigger_id',
    );
  });
});

describe('local Slack inspection', () => {
  it('tells live watchers about each call and message as it happens', async () => {
    const seen: string[] = [];
    const stop = slack.watch((event) => {
      if (event.type === 'api_call') seen.push(`call ${event.call.method}`);
      if (event.type === 'message_posted') seen.push(`posted ${event.message.text}`);
      if (event.type === 'message_changed') seen.push(`changed ${event.message.text}`);
    });
    const posted = await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'v1' });
    await client.chat.update({ channel: 'C0LVSOPS', ts: posted.ts ?? '', text: 'v2' });
    stop();
    await client.chat.postMessage({ channel: 'C0LVSOPS', text: 'unseen' });
    expect(seen).toEqual(['posted v1', 'call chat.postMessage', 'changed v2', 'call chat.update']);
  });

  it("serves a mounted page beside Slack's endpoints, which cannot be mounted over", async () => {
    slack.mount('/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>console</h1>');
    });
    expect(await (await fetch(slack.url)).text()).toBe('<h1>console</h1>');
    expect(() => slack.mount('/api/', () => undefined)).toThrow(/belongs to Slack/);
    expect((await client.auth.test()).ok).toBe(true);
  });
});
