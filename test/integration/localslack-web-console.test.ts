import { request } from 'node:http';
import type { ModalView } from '@slack/types';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ControlPanel,
  type LocalSlack,
  type MountedConsole,
  mountConsole,
  startLocalSlack,
} from '../../src/localslack/index.js';
import { BOT_TOKEN, type BoltApp, SIGNING_SECRET, startHttpBolt } from '../support/localslack-bolt.js';
import { launchChromium, openConsole, screenshot, type } from './localslack-web-browser.js';

// The console page in Debian's chromium against a real local Slack and an unmodified Bolt app:
// what a user sees and does, every action through the local Slack's signed flows.

const CHANNEL = 'C0LVSOPS';
const NOW = Math.floor(Date.now() / 1000);

/** A message that uses every piece of Block Kit the bot and the notifier send. */
const RICH_BLOCKS = [
  { type: 'header', text: { type: 'plain_text', text: 'web-2 is down :red_circle:', emoji: true } },
  {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `*Bold* and _italic_ and ~gone~ with \`inline code\` in <#C0LVSOPS|lvs-ops> for <@U0OPERATOR>, see <https://example.org/runbook|the runbook>; 1 &lt; 2 :white_check_mark:\n\`\`\`TCP  10.210.0.100:80 wlc\n  -> 10.210.0.12:80 Route 1\`\`\`\n> quoted line\nsince <!date^${NOW}^{date_short_pretty} {time_secs}|a fallback date>`,
    },
  },
  {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: '*Cluster*\nlab' },
      { type: 'mrkdwn', text: '*Real server*\nweb-2' },
      { type: 'mrkdwn', text: '*Alerts*\n3' },
    ],
    accessory: {
      type: 'overflow',
      action_id: 'lvs_more',
      options: [
        { text: { type: 'plain_text', text: 'Silence 30m' }, value: 'silence' },
        { text: { type: 'plain_text', text: 'Show timeline' }, value: 'timeline' },
      ],
    },
  },
  { type: 'divider' },
  {
    type: 'actions',
    block_id: 'lvs_incident_actions',
    elements: [
      {
        type: 'button',
        action_id: 'lvs_approve',
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value: 'req-1',
        confirm: {
          title: { type: 'plain_text', text: 'Remove web-2?' },
          text: { type: 'mrkdwn', text: 'web-2 leaves *10.210.0.100:80*.' },
          confirm: { type: 'plain_text', text: 'Remove it' },
          deny: { type: 'plain_text', text: 'Not now' },
          style: 'danger',
        },
      },
      {
        type: 'button',
        action_id: 'lvs_reject',
        text: { type: 'plain_text', text: 'Reject' },
        style: 'danger',
        value: 'req-1',
      },
      { type: 'button', action_id: 'lvs_details', text: { type: 'plain_text', text: 'Details' }, value: 'd' },
      {
        type: 'static_select',
        action_id: 'lvs_weight',
        placeholder: { type: 'plain_text', text: 'Weight' },
        options: ['0', '1', '2'].map((w) => ({
          text: { type: 'plain_text', text: `weight ${w}` },
          value: w,
        })),
      },
    ],
  },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'lab-1 · timeline in thread' }] },
];

const MODAL: ModalView = {
  type: 'modal',
  callback_id: 'lvs_drain_form',
  title: { type: 'plain_text', text: 'Drain a server' },
  submit: { type: 'plain_text', text: 'Drain' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [
    {
      type: 'input',
      block_id: 'server',
      label: { type: 'plain_text', text: 'Real server' },
      element: {
        type: 'static_select',
        action_id: 'server',
        options: ['web-1', 'web-2', 'web-3'].map((s) => ({
          text: { type: 'plain_text', text: s },
          value: s,
        })),
      },
    },
    {
      type: 'input',
      block_id: 'timeout',
      label: { type: 'plain_text', text: 'Timeout' },
      hint: { type: 'plain_text', text: 'like 10m' },
      element: { type: 'plain_text_input', action_id: 'timeout' },
    },
  ],
};

let slack: LocalSlack;
let mounted: MountedConsole;
let bolt: { app: BoltApp; stop(): Promise<void> };
let browser: Browser;
const acted: Array<{ action: string; host: string }> = [];
const pages: Page[] = [];

/** A control panel over two named hosts that records what it was asked (the demo gives the lab's). */
const panel: ControlPanel = {
  title: 'Test hosts',
  async status() {
    const broken = new Set(acted.filter((a) => a.action === 'break').map((a) => a.host));
    for (const a of acted) if (a.action === 'heal') broken.delete(a.host);
    return {
      summary: 'two hosts',
      hosts: ['web-1', 'web-2'].map((name) => ({
        name,
        role: 'real-server',
        state: broken.has(name) ? 'http off' : 'http on',
        faulty: broken.has(name),
        actions: [
          { name: 'break', label: 'Stop HTTP', danger: true },
          { name: 'heal', label: 'Start HTTP' },
        ],
      })),
    };
  },
  async act(action, host) {
    acted.push({ action, host });
    return `${action} ${host} done`;
  },
};

function register(app: BoltApp): void {
  app.command('/lvs', async ({ command, ack, client, respond }) => {
    const [verb] = command.text.split(/\s+/);
    switch (verb) {
      case 'help':
        await ack({
          response_type: 'ephemeral',
          text: 'help',
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: 'lvs-chatops: /lvs commands' } },
            { type: 'section', text: { type: 'mrkdwn', text: '*See*\n`/lvs status [CLUSTER]`' } },
          ],
        });
        return;
      case 'post':
        await ack();
        await client.chat.postMessage({
          channel: command.channel_id,
          text: 'web-2 is down',
          blocks: RICH_BLOCKS,
        });
        return;
      case 'modal':
        await ack();
        await client.views.open({ trigger_id: command.trigger_id, view: MODAL });
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await ack();
        return;
      default:
        await ack();
        await respond({ response_type: 'in_channel', text: `you said ${command.text}` });
    }
  });
  app.action('lvs_approve', async ({ ack, body, client }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string }; message?: { ts: string } };
    if (!b.channel || !b.message) return;
    await client.chat.update({
      channel: b.channel.id,
      ts: b.message.ts,
      text: 'approved',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: Approved by <@${b.user.id}>` } },
      ],
    });
    await client.chat.postMessage({
      channel: b.channel.id,
      thread_ts: b.message.ts,
      text: 'remove-real-server web-2: step 1/3 done',
    });
  });
  app.action(/^lvs_(reject|details|weight|more)$/, async ({ ack }) => {
    await ack();
  });
  app.view('lvs_drain_form', async ({ ack, view, body, client }) => {
    const timeout = view.state.values.timeout?.timeout?.value ?? '';
    if (!/^\d+[smh]$/.test(timeout)) {
      await ack({ response_action: 'errors', errors: { timeout: 'A duration like 10m' } });
      return;
    }
    await ack();
    const server = view.state.values.server?.server?.selected_option?.value;
    await client.chat.postMessage({
      channel: CHANNEL,
      text: `<@${body.user.id}> asked to drain ${server} within ${timeout}`,
    });
  });
  app.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Cluster lab' } },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `Hello <@${event.user}>: *3* real servers serving.` },
          },
        ],
      },
    });
  });
}

beforeAll(async () => {
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    timing: { ackDeadlineMs: 1000 },
    limits: { postMessagePerChannel: false },
  });
  mounted = mountConsole(slack, { controls: panel, hints: ['/lvs help', 'stop web-2 from the panel'] });
  bolt = await startHttpBolt(slack, register);
  browser = await launchChromium();
});

afterEach(async () => {
  while (pages.length) await pages.pop()!.close();
});

afterAll(async () => {
  await browser?.close();
  await bolt?.stop();
  mounted?.close();
  await slack?.close();
});

async function open(user: string): Promise<Page> {
  const page = await openConsole(browser, slack.url, user, { channel: CHANNEL });
  pages.push(page);
  return page;
}

describe('the local Slack console in a browser', () => {
  it('renders Block Kit and mrkdwn the way Slack shows them', async () => {
    const page = await open('U0OPERATOR');
    await type(page, '/lvs post');
    const msg = page.locator('#messages .msg', { hasText: 'web-2 is down' });
    await msg.waitFor();
    await expect.poll(() => msg.locator('h3.header').textContent()).toBe('web-2 is down 🔴');
    const text = msg.locator('.section-text').first();
    expect(await text.locator('b').first().textContent()).toBe('Bold');
    expect(await text.locator('i').first().textContent()).toBe('italic');
    expect(await text.locator('s').textContent()).toBe('gone');
    expect(await text.locator('code').textContent()).toBe('inline code');
    expect(await text.locator('pre.code-block').textContent()).toContain('-> 10.210.0.12:80 Route 1');
    expect(await text.locator('.mention.channel').textContent()).toBe('#lvs-ops');
    expect(await text.locator('.mention.user').textContent()).toBe('@operator');
    expect(await text.locator('a').getAttribute('href')).toBe('https://example.org/runbook');
    expect(await text.locator('a').textContent()).toBe('the runbook');
    expect(await text.locator('blockquote').textContent()).toBe('quoted line');
    const shown = (await text.textContent()) ?? '';
    expect(shown).toContain('1 < 2 ✅');
    expect(shown).toMatch(/since today \d{1,2}:\d{2}:\d{2} [AP]M/);
    expect(shown).not.toContain('<!date');
    expect(await msg.locator('.fields .field').count()).toBe(3);
    expect(await msg.locator('hr.divider').count()).toBe(1);
    expect(await msg.locator('.btn.primary').textContent()).toBe('Approve');
    expect(await msg.locator('.btn.danger').textContent()).toBe('Reject');
    expect(await msg.locator('select.select option').allTextContents()).toEqual([
      'Weight',
      'weight 0',
      'weight 1',
      'weight 2',
    ]);
    expect(await msg.locator('.context').textContent()).toContain('lab-1 · timeline in thread');
    expect(await msg.locator('.author').textContent()).toBe('lvs-chatops');
    await screenshot(page, 'console-block-kit');
  });

  it('shows hostile text as text: no markup, no script link, from the app or from a user', async () => {
    const page = await open('U0OPERATOR');
    await type(page, 'look <img src=x onerror="document.title=1"> *here* @approver in #lvs-ops');
    await type(
      page,
      '/lvs echo &lt;b onclick=x&gt;not bold&lt;/b&gt; <javascript:alert(1)|click me> <https://ok.example|fine>',
    );
    const echoed = page.locator('#messages .msg', { hasText: 'you said' }).last();
    await echoed.waitFor();
    expect(await echoed.locator('.msg-text').textContent()).toContain(
      '<b onclick=x>not bold</b> click me fine',
    );
    expect(await echoed.locator('a').count()).toBe(1);
    expect(await echoed.locator('a').getAttribute('href')).toBe('https://ok.example');
    const mine = page.locator('#messages .msg', { hasText: 'look' }).last();
    expect(await mine.locator('img').count()).toBe(0);
    expect(await mine.locator('.msg-text').textContent()).toBe(
      'look <img src=x onerror="document.title=1"> here @approver in #lvs-ops',
    );
    expect(await mine.locator('b').textContent()).toBe('here');
    expect(await mine.locator('.mention.user').textContent()).toBe('@approver');
    // As Slack's client sends it: escaped, with the mentions as tokens.
    expect(slack.messages(CHANNEL).at(-2)!.text).toBe(
      'look &lt;img src=x onerror="document.title=1"&gt; *here* <@U0APPROVER> in <#C0LVSOPS|lvs-ops>',
    );
    expect(await page.title()).toBe('lvs-chatops · local Slack');
  });

  it('sends a click through the signed flow as the chosen user, after the confirm dialog, and shows the edit in place', async () => {
    const page = await open('U0APPROVER');
    const before = slack.deliveries('interactive').length;
    const msg = page.locator('#messages .msg', { hasText: 'web-2 is down' }).last();
    await msg.locator('.btn.primary', { hasText: 'Approve' }).click();
    const dialog = page.locator('.confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.dialog-title').textContent()).toBe('Remove web-2?');
    await screenshot(page, 'console-confirm');
    // Not now: nothing reaches the app.
    await dialog.locator('button', { hasText: 'Not now' }).click();
    expect(slack.deliveries('interactive').length).toBe(before);
    await msg.locator('.btn.primary', { hasText: 'Approve' }).click();
    await page.locator('.confirm-dialog button', { hasText: 'Remove it' }).click();

    const edited = page.locator('#messages .msg', { hasText: 'Approved by @approver' });
    await edited.waitFor();
    expect(await edited.locator('.edited').textContent()).toBe('(edited)');
    const delivery = slack.deliveries('interactive').at(-1)!;
    expect(delivery.attempts[0]!.ok).toBe(true);
    const payload = delivery.payload as {
      type: string;
      user: { id: string };
      actions: { action_id: string }[];
    };
    expect(payload.type).toBe('block_actions');
    expect(payload.user.id).toBe('U0APPROVER');
    expect(payload.actions[0]!.action_id).toBe('lvs_approve');
    // The same message, updated in place: still one message at that ts.
    expect(await page.locator('#messages .msg', { hasText: 'web-2 is down' }).count()).toBe(0);

    await edited.locator('.replies', { hasText: '1 reply' }).click();
    const thread = page.locator('#thread');
    await thread.locator('.msg', { hasText: 'step 1/3 done' }).waitFor();
    await screenshot(page, 'console-thread');
  });

  it('picks an option of a select in a message as a block_actions with the value', async () => {
    const page = await open('U0OPERATOR');
    await type(page, '/lvs post');
    const msg = page.locator('#messages .msg', { hasText: 'web-2 is down' }).last();
    await msg.waitFor();
    await msg.locator('select.select').selectOption('2');
    await expect
      .poll(() => {
        const p = slack.deliveries('interactive').at(-1)?.payload as
          | { actions: { action_id: string; selected_option?: { value: string } }[] }
          | undefined;
        return p?.actions[0]?.action_id === 'lvs_weight' ? p.actions[0].selected_option?.value : undefined;
      })
      .toBe('2');
    await msg.locator('.overflow').click();
    await msg.locator('.menu-item', { hasText: 'Show timeline' }).click();
    await expect
      .poll(() => {
        const p = slack.deliveries('interactive').at(-1)?.payload as
          | { actions: { action_id: string; selected_option?: { value: string } }[] }
          | undefined;
        return p?.actions[0]?.action_id === 'lvs_more' ? p.actions[0].selected_option?.value : undefined;
      })
      .toBe('timeline');
  });

  it('shows an ephemeral answer only to the user who typed the command', async () => {
    const operator = await open('U0OPERATOR');
    const approver = await open('U0APPROVER');
    await type(operator, '/lvs help');
    const mine = operator.locator('#messages .msg.ephemeral', { hasText: 'lvs-chatops: /lvs commands' });
    await mine.waitFor();
    expect(await mine.locator('.only-you').textContent()).toContain('Only visible to you');
    await screenshot(operator, 'console-ephemeral-operator');
    // The approver's page is live too: a message posted now reaches it, the ephemeral never does.
    await type(operator, 'hello from the operator');
    await approver.locator('#messages .msg', { hasText: 'hello from the operator' }).waitFor();
    expect(await approver.locator('#messages .msg', { hasText: 'lvs-chatops: /lvs commands' }).count()).toBe(
      0,
    );
    const reloaded = await open('U0APPROVER');
    await reloaded.locator('#messages .msg', { hasText: 'hello from the operator' }).waitFor();
    expect(await reloaded.locator('#messages .msg.ephemeral').count()).toBe(0);
  });

  it("shows Slack's notice when the app does not answer in time", async () => {
    const page = await open('U0OTHER');
    await type(page, '/lvs slow');
    const notice = page.locator('#messages .msg.notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-notice')).toBe('operation_timeout');
    expect(await notice.locator('.msg-text').textContent()).toBe(
      '/lvs failed with the error "operation_timeout"',
    );
    expect(await notice.locator('.author').textContent()).toBe('Slackbot');
  });

  it('opens a modal, shows the field errors the app answers, and closes it on success', async () => {
    const page = await open('U0OPERATOR');
    await type(page, '/lvs modal');
    const modal = page.locator('.modal');
    await modal.waitFor();
    expect(await modal.locator('.dialog-title').textContent()).toBe('Drain a server');
    // Required fields left empty: the client refuses, as Slack's does.
    await modal.locator('button[type=submit]').click();
    await expect.poll(() => modal.locator('.has-error').count()).toBe(2);
    await modal.locator('select[data-action-id=server]').selectOption('web-3');
    await modal.locator('input[data-action-id=timeout]').fill('soon');
    await modal.locator('button[type=submit]').click();
    await expect
      .poll(() => modal.locator('[data-block-id=timeout] .input-error').textContent())
      .toBe('A duration like 10m');
    // What was typed is still there.
    expect(await modal.locator('input[data-action-id=timeout]').inputValue()).toBe('soon');
    await screenshot(page, 'console-modal-errors');
    await modal.locator('input[data-action-id=timeout]').fill('10m');
    await modal.locator('button[type=submit]').click();
    await modal.waitFor({ state: 'detached' });
    await page.locator('#messages .msg', { hasText: '@operator asked to drain web-3 within 10m' }).waitFor();
  });

  it('shows the App Home the app publishes when the user opens it', async () => {
    const page = await open('U0APPROVER');
    await page.locator('.channel-link', { hasText: 'lvs-chatops' }).click();
    await page.locator('.tab', { hasText: 'Home' }).click();
    const home = page.locator('#home');
    await home.locator('h3.header', { hasText: 'Cluster lab' }).waitFor();
    expect(await home.textContent()).toContain('Hello @approver: 3 real servers serving.');
    await screenshot(page, 'console-app-home');
  });

  it('runs only the control panel actions it offers, on the hosts it names', async () => {
    const page = await open('U0OPERATOR');
    const host = page.locator('.control-host[data-host="web-2"]');
    await host.waitFor();
    await host.locator('button[data-action="break"]').click();
    await expect.poll(() => host.locator('.control-state').textContent()).toBe('http off');
    expect(acted).toContainEqual({ action: 'break', host: 'web-2' });
    await screenshot(page, 'console-control-panel');

    const act = (body: unknown, contentType = 'application/json') =>
      fetch(`${slack.url}console/api/controls/act`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify(body),
      });
    const count = acted.length;
    const unknownHost = await act({ action: 'break', host: 'web-9' });
    expect(unknownHost.status).toBe(400);
    expect(((await unknownHost.json()) as { message: string }).message).toContain('web-9 is not a host');
    expect((await act({ action: 'rm -rf /', host: 'web-1' })).status).toBe(400);
    expect((await act({ action: 'reboot', host: 'web-1' })).status).toBe(400);
    // A form post (what another site could make a browser send) is refused.
    expect((await act({ action: 'break', host: 'web-1' }, 'text/plain')).status).toBe(415);
    expect(acted.length).toBe(count);
  });
});

describe('the console event stream', () => {
  it("streams a user's channel messages and their own ephemerals, never another user's", async () => {
    const controller = new AbortController();
    const res = await fetch(`${slack.url}console/api/events?user=U0APPROVER`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: hello');
    await slack.command('/lvs help', { user: 'U0OPERATOR', channel: CHANNEL });
    await slack.command('/lvs echo-for-all', { user: 'U0OPERATOR', channel: CHANNEL });
    await readUntil('you said echo-for-all');
    controller.abort();
    expect(text).toContain('event: message');
    expect(text).not.toContain('event: ephemeral');
    expect(text).not.toContain('/lvs commands');
  });

  it('refuses requests made for another host name (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${slack.url}console/api/state?user=U0OPERATOR`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: { host: 'evil.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect((await fetch(`${slack.url}console/api/state?user=U0OPERATOR`)).status).toBe(200);
  });

  it('refuses a stream for someone who is not in the workspace', async () => {
    const res = await fetch(`${slack.url}console/api/events?user=U0NOBODY`);
    expect(res.status).toBe(400);
  });
});
