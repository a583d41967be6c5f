/**
 * The local Slack's console: a Slack-like client for one seed user at a time. Everything the
 * user does goes through the local Slack's real flows (signed slash commands, block_actions,
 * view submissions, app_home_opened); what the app does arrives live as server-sent events.
 */
import { collectInputs, renderAttachments, renderBlocks } from './blocks.js';
import { fill, h, rich } from './dom.js';
import { mrkdwn, plainOf, textObject } from './mrkdwn.js';

const API = '/console/api/';
const params = new URLSearchParams(location.search);

const model = {
  me: params.get('user') || 'U0OPERATOR',
  current: params.get('channel') || '',
  tab: params.get('tab') === 'home' ? 'home' : 'messages',
  thread: '',
  team: { name: '' },
  app: { name: 'app', botUserId: '' },
  directMessages: '',
  users: [],
  channels: [],
  /** channel → Map(ts → message) */
  messages: new Map(),
  /** ts → ephemeral message */
  ephemerals: new Map(),
  dismissed: new Set(),
  home: null,
  modals: [],
  modalErrors: {},
  unread: new Map(),
  hints: [],
  controls: null,
  controlStatus: null,
  controlBusy: null,
};

let source = null;
let renderQueued = false;
let renderedModal = '';

// ---- talking to the console's API --------------------------------------------------------

async function post(path, body) {
  const res = await fetch(API + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({ ok: false, message: `HTTP ${res.status}` }));
  if (!res.ok || answer.ok === false) throw new Error(answer.message || answer.error || `HTTP ${res.status}`);
  return answer;
}

function toast(text, kind = 'error') {
  const el = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), 6000);
}

async function loadState() {
  const res = await fetch(`${API}state?user=${encodeURIComponent(model.me)}`);
  if (!res.ok) throw new Error(`the console could not load (HTTP ${res.status})`);
  const state = await res.json();
  model.team = state.team;
  model.app = state.app;
  model.users = state.users;
  model.channels = state.channels;
  model.directMessages = state.directMessages;
  model.hints = state.hints;
  model.controls = state.controls;
  model.messages = new Map();
  for (const [channel, list] of Object.entries(state.messages)) {
    model.messages.set(channel, new Map(list.map((m) => [m.ts, m])));
  }
  model.ephemerals = new Map(state.ephemerals.map((e) => [e.ts, e]));
  model.home = state.views.home ?? null;
  model.modals = state.views.modals ?? [];
  if (!model.channels.some((c) => c.id === model.current)) model.current = state.defaultChannel;
  if (!model.channels.some((c) => c.id === model.current)) model.current = model.channels[0]?.id ?? '';
  if (model.controls) refreshControls();
}

function connect() {
  source?.close();
  const es = new EventSource(`${API}events?user=${encodeURIComponent(model.me)}`);
  source = es;
  es.addEventListener('error', () => {
    document.getElementById('offline').hidden = false;
  });
  es.addEventListener('hello', async () => {
    document.getElementById('offline').hidden = true;
    try {
      await loadState();
      document.body.dataset.ready = model.me;
      schedule();
      if (model.current === model.directMessages && model.tab === 'home') openHome();
    } catch (error) {
      toast(error.message);
    }
  });
  es.addEventListener('message', (event) => {
    const m = JSON.parse(event.data);
    let channel = model.messages.get(m.channel);
    if (!channel) {
      channel = new Map();
      model.messages.set(m.channel, channel);
    }
    const isNew = !channel.has(m.ts);
    channel.set(m.ts, m);
    const topLevel = !m.threadTs || m.threadTs === m.ts;
    if (isNew && topLevel && m.channel !== model.current) {
      model.unread.set(m.channel, (model.unread.get(m.channel) ?? 0) + 1);
    }
    schedule();
  });
  es.addEventListener('ephemeral', (event) => {
    const e = JSON.parse(event.data);
    model.ephemerals.set(e.ts, e);
    schedule();
  });
  es.addEventListener('view', (event) => {
    const view = JSON.parse(event.data);
    if (view.type === 'home') {
      model.home = view.open ? view : model.home?.id === view.id ? null : model.home;
    } else if (!view.open) {
      model.modals = model.modals.filter((v) => v.id !== view.id);
    } else {
      const at = model.modals.findIndex((v) => v.id === view.id);
      if (at >= 0) model.modals[at] = view;
      else if (view.previousViewId) model.modals.push(view);
      else model.modals = [view];
    }
    schedule();
  });
  es.addEventListener('controls', (event) => {
    const info = JSON.parse(event.data);
    model.controlBusy = info.busy ?? null;
    if (info.done) toast(info.done, 'info');
    if (info.failed) toast(info.failed);
    refreshControls();
  });
}

// ---- lookups ---------------------------------------------------------------------------

function user(id) {
  return model.users.find((u) => u.id === id);
}

function channel(id) {
  return model.channels.find((c) => c.id === id);
}

function displayName(id) {
  if (id === model.app.botUserId) return model.app.name;
  const u = user(id);
  return u ? u.realName || u.name : id;
}

const textCtx = {
  userName: (id) => (id === model.app.botUserId ? model.app.name : (user(id)?.name ?? id)),
  channelName: (id) => channel(id)?.name,
  get me() {
    return model.me;
  },
};

function timeOf(ts) {
  const d = new Date(Number(ts) * 1000);
  return d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function byTs(a, b) {
  return Number(a.ts) - Number(b.ts);
}

// ---- rendering -------------------------------------------------------------------------

function schedule() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
}

function renderSidebar() {
  document.getElementById('team-name').textContent = model.team.name;
  const who = document.getElementById('who');
  const humans = model.users.filter((u) => !u.isBot);
  if (who.options.length !== humans.length) {
    fill(who, ...humans.map((u) => h('option', { value: u.id }, `${u.realName} (@${u.name})`)));
  }
  who.value = model.me;
  const item = (c, label, extra) => {
    const unread = model.unread.get(c.id) ?? 0;
    return h(
      'button',
      {
        type: 'button',
        class: `channel-link${c.id === model.current ? ' active' : ''}${unread ? ' unread' : ''}`,
        dataset: { channel: c.id },
        onclick: () => selectChannel(c.id),
      },
      label,
      extra,
      unread ? h('span', { class: 'unread-count' }, String(unread)) : null,
    );
  };
  const channels = model.channels.filter((c) => !c.isIm).sort((a, b) => a.name.localeCompare(b.name));
  const dm = channel(model.directMessages);
  fill(
    document.getElementById('channels'),
    h('div', { class: 'nav-heading' }, 'Channels'),
    ...channels.map((c) => item(c, h('span', {}, c.isPrivate ? '🔒 ' : '# ', c.name))),
    h('div', { class: 'nav-heading' }, 'Apps'),
    dm ? item(dm, h('span', {}, h('span', { class: 'app-dot' }), model.app.name)) : null,
  );
  const hints = document.getElementById('hints');
  hints.hidden = model.hints.length === 0;
  fill(
    hints,
    h('div', { class: 'nav-heading' }, 'Try this'),
    h(
      'ol',
      {},
      model.hints.map((hint) => {
        // "/lvs status — what it shows": the command is a chip that fills the composer.
        const m = /^(\/\S+(?:\s+[^\s—]+)*?)\s+—\s+([\s\S]*)$/.exec(hint) ?? /^(\/\S+(?:\s+\S+)*)$/.exec(hint);
        if (!m) return h('li', { html: mrkdwn(hint, textCtx) });
        return h(
          'li',
          {},
          h('button', { type: 'button', class: 'hint-command', onclick: () => fillComposer(m[1]) }, m[1]),
          m[2] ? h('span', { html: ` — ${mrkdwn(m[2], textCtx)}` }) : null,
        );
      }),
    ),
  );
}

function fillComposer(text) {
  const input = document.getElementById('composer-input');
  input.value = text;
  input.focus();
}

function selectChannel(id) {
  model.current = id;
  model.thread = '';
  model.unread.delete(id);
  const url = new URL(location.href);
  url.searchParams.set('channel', id);
  history.replaceState(null, '', url);
  // An app opens on its Home tab, as in Slack.
  if (id === model.directMessages) openHome();
  schedule();
}

/** Shows the app's Home tab; Slack tells the app (app_home_opened) each time the user opens it. */
async function openHome() {
  model.tab = 'home';
  schedule();
  try {
    await post('home', { user: model.me });
  } catch (error) {
    toast(error.message);
  }
}

function messageCtx(clickSource) {
  return {
    surface: 'message',
    text: textCtx,
    users: model.users.filter((u) => !u.isBot),
    channels: model.channels,
    onAction: (element, blockId, value) => click(clickSource, element, blockId, value),
  };
}

async function click(clickSource, element, blockId, value) {
  try {
    await post('click', {
      user: model.me,
      source: clickSource,
      actionId: element.action_id,
      ...(blockId ? { blockId } : {}),
      ...(value !== undefined ? { value } : {}),
    });
  } catch (error) {
    toast(error.message);
  }
}

function avatar(id, notice) {
  const name = notice ? 'Slackbot' : displayName(id);
  const bot = notice || id === model.app.botUserId;
  let hue = 0;
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return h(
    'div',
    { class: `avatar${bot ? ' bot' : ''}`, style: bot ? undefined : `background: hsl(${hue} 45% 45%)` },
    notice ? '✱' : name.slice(0, 1).toUpperCase(),
  );
}

/** One message (or ephemeral message) as Slack lays it out. */
function messageView(m, { ephemeral = false, inThread = false } = {}) {
  const notice = ephemeral && m.via === 'notice';
  const fromApp = !notice && (Boolean(m.botId) || m.user === model.app.botUserId || ephemeral);
  const author = notice ? 'Slackbot' : fromApp ? model.app.name : displayName(m.user);
  const clickSource = ephemeral
    ? { kind: 'ephemeral', ts: m.ts }
    : { kind: 'message', channel: m.channel, ts: m.ts };
  const ctx = messageCtx(clickSource);
  const hasBlocks = Array.isArray(m.blocks) && m.blocks.length > 0;
  const replyCount = ephemeral ? 0 : Math.max(m.replyCount ?? 0, repliesOf(m).length);
  const replies = !inThread && replyCount > 0;
  return h(
    'div',
    {
      class: `msg${ephemeral ? ' ephemeral' : ''}${notice ? ' notice' : ''}`,
      dataset: { ts: m.ts, channel: m.channel, via: m.via, ...(notice ? { notice: m.notice } : {}) },
    },
    avatar(fromApp ? model.app.botUserId : m.user, notice),
    h(
      'div',
      { class: 'msg-body' },
      h(
        'div',
        { class: 'msg-meta' },
        h('span', { class: 'author' }, author),
        fromApp || notice ? h('span', { class: 'badge' }, notice ? 'SLACKBOT' : 'APP') : null,
        h('time', { title: new Date(Number(m.ts) * 1000).toString() }, timeOf(m.ts)),
        ephemeral ? h('span', { class: 'only-you' }, '👁 Only visible to you') : null,
      ),
      hasBlocks ? renderBlocks(m.blocks, ctx) : rich('div', 'msg-text', mrkdwn(m.text, textCtx)),
      renderAttachments(m.attachments, ctx),
      m.edits?.length
        ? h('span', { class: 'edited', title: `edited ${m.edits.length} time(s)` }, '(edited)')
        : null,
      replies
        ? h(
            'button',
            { type: 'button', class: 'replies', onclick: () => openThread(m.ts) },
            `${replyCount} ${replyCount === 1 ? 'reply' : 'replies'}`,
          )
        : null,
      ephemeral
        ? h(
            'button',
            {
              type: 'button',
              class: 'dismiss',
              onclick: () => {
                model.dismissed.add(m.ts);
                schedule();
              },
            },
            'Dismiss',
          )
        : null,
    ),
  );
}

/** A thread's replies, oldest first (the parent's replyCount may lag behind them). */
function repliesOf(parent) {
  return [...(model.messages.get(parent.channel)?.values() ?? [])]
    .filter((r) => r.threadTs === parent.ts && r.ts !== parent.ts && !r.deleted)
    .sort(byTs);
}

function openThread(ts) {
  model.thread = ts;
  schedule();
}

function keepScroll(list, update) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const top = list.scrollTop;
  update();
  list.scrollTop = atBottom ? list.scrollHeight : top;
}

function renderMain() {
  const c = channel(model.current);
  const isApp = c?.isIm;
  const header = document.getElementById('channel-header');
  fill(
    header,
    h('h1', {}, isApp ? model.app.name : c ? `${c.isPrivate ? '🔒' : '#'} ${c.name}` : ''),
    c && !isApp && c.topic ? h('span', { class: 'topic' }, c.topic) : null,
    isApp
      ? h(
          'nav',
          { class: 'tabs' },
          h(
            'button',
            {
              type: 'button',
              class: `tab${model.tab === 'home' ? ' active' : ''}`,
              onclick: () => openHome().then(schedule),
            },
            'Home',
          ),
          h(
            'button',
            {
              type: 'button',
              class: `tab${model.tab === 'messages' ? ' active' : ''}`,
              onclick: () => {
                model.tab = 'messages';
                schedule();
              },
            },
            'Messages',
          ),
        )
      : null,
  );
  const showHome = isApp && model.tab === 'home';
  const list = document.getElementById('messages');
  const home = document.getElementById('home');
  list.hidden = showHome;
  home.hidden = !showHome;
  document.getElementById('composer').hidden = showHome;
  if (showHome) {
    fill(
      home,
      model.home
        ? renderBlocks(model.home.blocks, {
            ...messageCtx({ kind: 'view', id: model.home.id }),
            surface: 'home',
          })
        : h('p', { class: 'empty' }, `${model.app.name} has not published a Home tab for you yet.`),
    );
    return;
  }
  const messages = [...(model.messages.get(model.current)?.values() ?? [])].filter(
    (m) => !m.deleted && (!m.threadTs || m.threadTs === m.ts),
  );
  const ephemerals = [...model.ephemerals.values()].filter(
    (e) => e.channel === model.current && !e.deleted && !e.threadTs && !model.dismissed.has(e.ts),
  );
  const items = [
    ...messages.map((m) => ({ m, ephemeral: false })),
    ...ephemerals.map((m) => ({ m, ephemeral: true })),
  ].sort((a, b) => byTs(a.m, b.m));
  keepScroll(list, () =>
    fill(
      list,
      ...(items.length
        ? items.map(({ m, ephemeral }) => messageView(m, { ephemeral }))
        : [h('p', { class: 'empty' }, 'No messages yet.')]),
    ),
  );
  const input = document.getElementById('composer-input');
  input.placeholder = isApp
    ? `Message ${model.app.name} — /lvs help`
    : `Message #${c?.name ?? ''} — type /lvs help`;
}

function renderThread() {
  const pane = document.getElementById('thread');
  const parent = model.thread ? model.messages.get(model.current)?.get(model.thread) : undefined;
  pane.hidden = !parent;
  if (!parent) return;
  const replies = repliesOf(parent);
  const ephemerals = [...model.ephemerals.values()].filter(
    (e) => e.threadTs === parent.ts && !e.deleted && !model.dismissed.has(e.ts),
  );
  const items = [
    ...replies.map((m) => ({ m, ephemeral: false })),
    ...ephemerals.map((m) => ({ m, ephemeral: true })),
  ].sort((a, b) => byTs(a.m, b.m));
  const input = h('input', { class: 'thread-input', placeholder: 'Reply…', 'aria-label': 'Reply in thread' });
  const list = h(
    'div',
    { class: 'thread-messages' },
    messageView(parent, { inThread: true }),
    h('div', { class: 'thread-count' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
    ...items.map(({ m, ephemeral }) => messageView(m, { ephemeral, inThread: true })),
  );
  fill(
    pane,
    h(
      'header',
      { class: 'thread-header' },
      h('h2', {}, 'Thread'),
      h(
        'button',
        {
          type: 'button',
          class: 'close',
          'aria-label': 'Close thread',
          onclick: () => {
            model.thread = '';
            schedule();
          },
        },
        '✕',
      ),
    ),
    list,
    h(
      'form',
      {
        class: 'thread-composer',
        onsubmit: async (event) => {
          event.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          try {
            await post('message', { user: model.me, channel: model.current, text, threadTs: parent.ts });
            input.value = '';
          } catch (error) {
            toast(error.message);
          }
        },
      },
      input,
    ),
  );
  list.scrollTop = list.scrollHeight;
}

function renderModal() {
  const root = document.getElementById('modal-root');
  const view = model.modals.at(-1);
  const errors = view ? (model.modalErrors[view.id] ?? {}) : {};
  const key = view ? `${view.id}:${view.hash}` : '';
  if (key === renderedModal) {
    // Same view: show the errors without redrawing what the user typed.
    for (const block of root.querySelectorAll('.block.input')) {
      const error = errors[block.dataset.blockId] ?? '';
      block.classList.toggle('has-error', Boolean(error));
      block.querySelector('.input-error').textContent = error;
    }
    const failure = root.querySelector('.modal-failure');
    if (failure) {
      failure.hidden = !errors[''];
      failure.textContent = errors[''] ?? '';
    }
    return;
  }
  renderedModal = key;
  if (!view) {
    root.replaceChildren();
    return;
  }
  const body = renderBlocks(view.blocks, {
    ...messageCtx({ kind: 'view', id: view.id }),
    surface: 'modal',
    errors,
  });
  const failure = h('div', { class: 'modal-failure', role: 'alert', hidden: !errors[''] }, errors[''] ?? '');
  const close = async () => {
    try {
      await post('views/close', { user: model.me, viewId: view.id });
    } catch (error) {
      toast(error.message);
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    const { values, missing } = collectInputs(body);
    if (missing.length) {
      model.modalErrors[view.id] = Object.fromEntries(
        missing.map((b) => [b, 'Please complete this required field.']),
      );
      schedule();
      return;
    }
    const button = event.submitter ?? form.querySelector('.btn.primary');
    if (button) button.disabled = true;
    try {
      const answer = await post('views/submit', { user: model.me, viewId: view.id, values });
      if (answer.outcome === 'errors') model.modalErrors[view.id] = answer.errors ?? {};
      else if (answer.outcome === 'failed')
        model.modalErrors[view.id] = { '': 'We had some trouble connecting. Try again?' };
      else delete model.modalErrors[view.id];
      schedule();
    } catch (error) {
      toast(error.message);
    } finally {
      if (button) button.disabled = false;
    }
  };
  const form = h(
    'form',
    {
      class: 'dialog modal',
      role: 'dialog',
      'aria-modal': 'true',
      dataset: { viewId: view.id },
      onsubmit: submit,
    },
    h(
      'header',
      { class: 'modal-header' },
      rich('h2', 'dialog-title', textObject(view.title, textCtx)),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '✕'),
    ),
    failure,
    h('div', { class: 'modal-body' }, body),
    h(
      'footer',
      { class: 'dialog-buttons' },
      h('button', { type: 'button', class: 'btn', onclick: close }, plainOf(view.close) || 'Cancel'),
      view.submit ? h('button', { type: 'submit', class: 'btn primary' }, plainOf(view.submit)) : null,
    ),
  );
  root.replaceChildren(h('div', { class: 'overlay' }, form));
  form.querySelector('input, textarea, select')?.focus();
}

// ---- the control panel -----------------------------------------------------------------

let controlsTimer = null;

async function refreshControls() {
  clearTimeout(controlsTimer);
  if (!model.controls) return;
  try {
    const res = await fetch(`${API}controls`);
    if (res.ok) {
      const status = await res.json();
      model.controlStatus = status;
      model.controlBusy = status.busy;
      renderControls();
    }
  } finally {
    controlsTimer = setTimeout(refreshControls, 4000);
  }
}

function renderControls() {
  const panel = document.getElementById('controls');
  const status = model.controlStatus;
  panel.hidden = !model.controls;
  if (!model.controls || !status) return;
  fill(
    panel,
    h('div', { class: 'nav-heading' }, model.controls.title),
    h('div', { class: 'control-summary' }, status.summary),
    ...status.hosts.map((host) =>
      h(
        'div',
        { class: `control-host${host.faulty ? ' faulty' : ''}`, dataset: { host: host.name } },
        h(
          'div',
          { class: 'control-name' },
          h('span', { class: 'dot' }),
          host.name,
          h('small', {}, ` ${host.role}`),
        ),
        h('div', { class: 'control-state' }, host.state),
        h(
          'div',
          { class: 'control-actions' },
          host.actions.map((a) =>
            h(
              'button',
              {
                type: 'button',
                class: `btn small${a.danger ? ' danger' : ''}`,
                disabled: Boolean(model.controlBusy),
                dataset: { action: a.name },
                onclick: () => control(a.name, host.name),
              },
              a.label,
            ),
          ),
        ),
      ),
    ),
    model.controlBusy ? h('div', { class: 'control-busy' }, `Working: ${model.controlBusy}…`) : null,
  );
}

async function control(action, host) {
  model.controlBusy = `${action} ${host}`;
  renderControls();
  try {
    await post('controls/act', { action, host });
  } catch (error) {
    toast(error.message);
  } finally {
    model.controlBusy = null;
    refreshControls();
  }
}

// ---- the composer ----------------------------------------------------------------------

async function send(event) {
  event.preventDefault();
  const input = document.getElementById('composer-input');
  const text = input.value.trim();
  if (!text) return;
  input.disabled = true;
  try {
    if (text.startsWith('/')) await post('command', { user: model.me, channel: model.current, text });
    else await post('message', { user: model.me, channel: model.current, text });
    input.value = '';
  } catch (error) {
    toast(error.message);
  } finally {
    input.disabled = false;
    input.focus();
  }
}

function switchUser(id) {
  model.me = id;
  model.ephemerals = new Map();
  model.dismissed = new Set();
  model.modals = [];
  model.home = null;
  model.unread = new Map();
  renderedModal = '';
  delete document.body.dataset.ready;
  const url = new URL(location.href);
  url.searchParams.set('user', id);
  history.replaceState(null, '', url);
  connect();
}

document.getElementById('composer').addEventListener('submit', send);
document.getElementById('composer-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) send(event);
});
document.getElementById('who').addEventListener('change', (event) => switchUser(event.target.value));
document.addEventListener('click', (event) => {
  const mention = event.target.closest?.('.mention.channel');
  if (mention?.dataset.channel && channel(mention.dataset.channel)) selectChannel(mention.dataset.channel);
  if (!event.target.closest?.('.overflow-wrap')) {
    for (const menu of document.querySelectorAll('.overflow-wrap .menu')) menu.hidden = true;
  }
});
connect();
