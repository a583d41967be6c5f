import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ClickTarget, LocalSlack } from '../local-slack.js';
import { LocalSlackError } from '../local-slack-error.js';
import { readBody } from '../read-body.js';
import type { Ack } from '../types.js';
import { checkAssets, sendAsset } from './console-assets.js';
import { ConsoleEvents } from './console-events.js';
import type { ControlPanel } from './control-panel.js';

/** The console's own JSON endpoints: not Slack's, so under a prefix Slack never uses. */
export const CONSOLE_API = '/console/api/';
const CONSOLE_ASSETS = '/console/assets/';
const MAX_BODY = 64 * 1024;
const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;
/** Messages of a channel sent with the page's state: the newest ones. */
const HISTORY = 300;

export interface ConsoleOptions {
  /** Fixed actions on named hosts (the demo gives the lab's break/heal). */
  controls?: ControlPanel;
  /** Lines of advice shown above the composer until the first command (the demo's "try this"). */
  hints?: string[];
}

export interface MountedConsole {
  /** Ends the open event streams (the local Slack's close ends their sockets too). */
  close(): void;
}

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/);
const conversationId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/);
const ts = z.string().regex(/^\d{1,12}\.\d{1,8}$/);
const userInput = z.union([z.string().max(3000), z.array(z.string().max(3000)).max(100)]);

const schemas = {
  command: z.object({ user: userId, channel: conversationId, text: z.string().min(1).max(4000) }),
  message: z.object({
    user: userId,
    channel: conversationId,
    text: z.string().min(1).max(4000),
    threadTs: ts.optional(),
  }),
  click: z.object({
    user: userId,
    source: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('message'), channel: conversationId, ts }),
      z.object({ kind: z.literal('ephemeral'), ts }),
      z.object({ kind: z.literal('view'), id: z.string().min(1).max(40) }),
    ]),
    actionId: z.string().min(1).max(255),
    blockId: z.string().max(255).optional(),
    value: userInput.optional(),
  }),
  submit: z.object({
    user: userId,
    viewId: z.string().min(1).max(40),
    values: z.record(z.string().max(255), userInput),
  }),
  close: z.object({ user: userId, viewId: z.string().min(1).max(40) }),
  home: z.object({ user: userId }),
  act: z.object({ action: z.string().regex(/^[a-z-]{1,20}$/), host: z.string().regex(/^[a-z0-9-]{1,40}$/) }),
};

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * A JSON body, parsed by `schema`. Only `application/json` is read: a page elsewhere cannot
 * send that to 127.0.0.1 without the browser asking first, so no other site can click here.
 */
async function body<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  if (req.method !== 'POST') throw new RequestError(405, 'method_not_allowed', 'use POST');
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    throw new RequestError(415, 'unsupported_media_type', 'send application/json');
  }
  const raw = await readBody(req, MAX_BODY);
  if (!raw) throw new RequestError(413, 'too_large', `the body is over ${MAX_BODY} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RequestError(400, 'invalid_json', 'the body is not JSON');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new RequestError(400, 'invalid_request', reasons.join('; '));
  }
  return result.data;
}

/**
 * What Slack's client sends for what a user typed: &, < and > escaped, and @name / #channel
 * of the workspace turned into mentions (so `@lvs-chatops` reaches the app as app_mention).
 */
function asSlackText(slack: LocalSlack, typed: string): string {
  const { users, channels } = slack.workspace();
  return typed
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|\s)@([a-z0-9._-]+)/gi, (whole, space: string, name: string) => {
      const user = users.find((u) => u.name === name && !u.deleted);
      return user ? `${space}<@${user.id}>` : whole;
    })
    .replace(/(^|\s)#([a-z0-9_-]+)/gi, (whole, space: string, name: string) => {
      const channel = channels.find((c) => c.name === name && !c.isIm);
      return channel ? `${space}<#${channel.id}|${channel.name}>` : whole;
    });
}

function ackSummary(ack: Ack): { ok: boolean; error?: string; status?: number; ackMs?: number } {
  return {
    ok: ack.ok,
    ...(ack.error ? { error: ack.error } : {}),
    ...(ack.status !== undefined ? { status: ack.status } : {}),
    ...(ack.ackMs !== undefined ? { ackMs: Math.round(ack.ackMs) } : {}),
  };
}

/**
 * The local Slack's web page: `/` is a Slack-like client where one picks a seed user, reads
 * the channels (Block Kit rendered), types slash commands, clicks buttons, fills modals and
 * opens the App Home, every action going through the local Slack's real signed flows; live
 * updates come by server-sent events. Optional control panel (the demo's lab faults).
 */
export function mountConsole(slack: LocalSlack, options: ConsoleOptions = {}): MountedConsole {
  checkAssets();
  const events = new ConsoleEvents(slack);
  let busy: string | undefined;

  const person = (id: string): void => {
    const user = slack.workspace().users.find((u) => u.id === id && !u.isBot && !u.deleted);
    if (!user) throw new RequestError(400, 'unknown_user', `${id} is not a user of this workspace`);
  };

  const state = (user: string): unknown => {
    person(user);
    const dm = slack.directMessageChannel(user);
    const workspace = slack.workspace();
    const channels = workspace.channels.filter((c) => c.members.includes(user) && (!c.isIm || c.id === dm));
    const messages: Record<string, unknown[]> = {};
    for (const c of channels) messages[c.id] = slack.messages(c.id, { includeReplies: true }).slice(-HISTORY);
    return {
      team: workspace.team,
      app: workspace.app,
      me: user,
      defaultChannel: slack.defaultChannel,
      directMessages: dm,
      users: workspace.users.filter((u) => !u.deleted),
      channels: channels.map(({ members, ...c }) => ({ ...c, memberCount: members.length })),
      messages,
      ephemerals: slack.ephemerals(user),
      views: slack.views(user),
      controls: options.controls ? { title: options.controls.title } : null,
      hints: options.hints ?? [],
    };
  };

  const clickTarget = (user: string, source: z.infer<typeof schemas.click>['source']): ClickTarget => {
    const found =
      source.kind === 'message'
        ? slack.message(source.channel, source.ts)
        : source.kind === 'ephemeral'
          ? slack.ephemerals(user).find((e) => e.ts === source.ts)
          : slack.view(source.id);
    if (!found) throw new RequestError(404, 'not_found', `no such ${source.kind} any more`);
    return found;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = url.pathname.slice(CONSOLE_API.length);
    switch (route) {
      case 'state': {
        json(res, 200, state(url.searchParams.get('user') ?? ''));
        return;
      }
      case 'events': {
        const user = url.searchParams.get('user') ?? '';
        person(user);
        events.open(req, res, user);
        return;
      }
      case 'command': {
        const b = await body(req, schemas.command);
        const result = await slack.command(b.text, { user: b.user, channel: b.channel });
        json(res, 200, { ok: true, ack: ackSummary(result.ack) });
        return;
      }
      case 'message': {
        const b = await body(req, schemas.message);
        const { message } = await slack.mention(asSlackText(slack, b.text), {
          user: b.user,
          channel: b.channel,
          ...(b.threadTs ? { threadTs: b.threadTs } : {}),
        });
        json(res, 200, { ok: true, ts: message.ts });
        return;
      }
      case 'click': {
        const b = await body(req, schemas.click);
        const target = clickTarget(b.user, b.source);
        const result = await slack.click(target, b.actionId, {
          user: b.user,
          ...(b.blockId !== undefined ? { blockId: b.blockId } : {}),
          ...(b.value !== undefined ? { value: b.value } : {}),
        });
        json(res, 200, { ok: true, ack: ackSummary(result.ack) });
        return;
      }
      case 'views/submit': {
        const b = await body(req, schemas.submit);
        const result = await slack.submitView(b.viewId, { user: b.user, values: b.values });
        json(res, 200, {
          ok: true,
          ack: ackSummary(result.ack),
          outcome: result.outcome,
          ...(result.errors ? { errors: result.errors } : {}),
        });
        return;
      }
      case 'views/close': {
        const b = await body(req, schemas.close);
        const ack = await slack.closeView(b.viewId, { user: b.user });
        json(res, 200, { ok: true, ...(ack ? { ack: ackSummary(ack) } : {}) });
        return;
      }
      case 'home': {
        const b = await body(req, schemas.home);
        const result = await slack.openAppHome(b.user);
        json(res, 200, { ok: true, ...(result ? { ack: ackSummary(result.ack) } : {}) });
        return;
      }
      case 'controls': {
        if (!options.controls)
          throw new RequestError(404, 'no_controls', 'this console has no control panel');
        json(res, 200, { ...(await options.controls.status()), busy: busy ?? null });
        return;
      }
      case 'controls/act': {
        const panel = options.controls;
        if (!panel) throw new RequestError(404, 'no_controls', 'this console has no control panel');
        const b = await body(req, schemas.act);
        const host = (await panel.status()).hosts.find((h) => h.name === b.host);
        if (!host)
          throw new RequestError(400, 'unknown_host', `${b.host} is not a host of the ${panel.title}`);
        if (!host.actions.some((a) => a.name === b.action)) {
          const known = host.actions.map((a) => a.name).join(', ') || 'none';
          throw new RequestError(
            400,
            'unknown_action',
            `${b.host} offers no ${b.action}; it offers: ${known}`,
          );
        }
        if (busy) throw new RequestError(409, 'busy', `still working on: ${busy}`);
        busy = `${b.action} ${b.host}`;
        events.broadcast('controls', { busy });
        try {
          const done = await panel.act(b.action, b.host);
          json(res, 200, { ok: true, done });
          events.broadcast('controls', { busy: null, done });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          events.broadcast('controls', { busy: null, failed: message });
          throw new RequestError(500, 'action_failed', message);
        } finally {
          busy = undefined;
        }
        return;
      }
      default:
        throw new RequestError(404, 'not_found', `no console endpoint ${route}`);
    }
  };

  slack.mount(CONSOLE_API, async (req, res, url) => {
    try {
      // Only pages served from this machine's own names: a site that rebinds its DNS name to
      // 127.0.0.1 sends its own Host, and is refused.
      if (!LOCAL_HOST.test(req.headers.host ?? '')) {
        throw new RequestError(
          403,
          'forbidden_host',
          'the console answers requests for 127.0.0.1 and localhost only',
        );
      }
      await api(req, res, url);
    } catch (error) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error instanceof RequestError) {
        json(res, error.status, { ok: false, error: error.code, message: error.message });
      } else if (error instanceof LocalSlackError) {
        json(res, error.code === 'closed' ? 503 : 400, {
          ok: false,
          error: error.code,
          message: error.message,
        });
      } else {
        json(res, 500, {
          ok: false,
          error: 'internal_error',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  });
  slack.mount(CONSOLE_ASSETS, (_req, res, url) => sendAsset(res, url.pathname.slice(CONSOLE_ASSETS.length)));
  slack.mount('/', (_req, res, url) => {
    if (url.pathname === '/' || url.pathname === '/index.html') return sendAsset(res, 'index.html');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  });
  return { close: () => events.close() };
}
