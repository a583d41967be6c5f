import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  actionPayload,
  type FoundElement,
  findElement,
  type UserInput,
  viewState,
} from './block-kit-interactions.js';
import { AppDispatcher, type AppTarget } from './delivery/app-dispatcher.js';
import { postToApp } from './delivery/post-to-app.js';
import { SocketModeServer } from './delivery/socket-mode-server.js';
import { type ChannelRecord, Directory, type UserRecord } from './directory.js';
import { Faults } from './faults.js';
import { HttpServer, type RequestHandler } from './http-server.js';
import { IdFactory } from './id-factory.js';
import { LocalSlackError } from './local-slack-error.js';
import type { ResolvedOptions } from './local-slack-options.js';
import { readMessageContent } from './message-content.js';
import { MessageStore } from './message-store.js';
import {
  type ActionSource,
  blockActionsPayload,
  eventCallbackPayload,
  slashCommandPayload,
  viewClosedPayload,
  viewSubmissionPayload,
} from './payloads.js';
import { ResponseUrls } from './response-urls.js';
import { loadSeed } from './seed.js';
import { signRequest } from './sign-request.js';
import { TokenBucket } from './token-bucket.js';
import { TriggerRegistry } from './trigger-registry.js';
import type {
  Ack,
  ApiCall,
  Delivery,
  DeliveryKind,
  LocalEphemeral,
  LocalMessage,
  LocalSlackEvent,
  LocalView,
  ResponsePost,
  Workspace,
} from './types.js';
import { ViewStore } from './view-store.js';
import type { MethodContext } from './web-api/method-spec.js';
import { SlackApiError } from './web-api/slack-api-error.js';
import { WebApi } from './web-api/web-api.js';

type Json = Record<string, unknown>;

const DEFAULT_WAIT_MS = 5000;

/** A slash command as the user typed it, and what came of it. */
export interface CommandResult {
  /** The app's answer to the request (or Slack's error when it did not answer in time). */
  ack: Ack;
  /** The form fields the app received. */
  payload: Record<string, string>;
  responseUrl: string;
  triggerId: string;
  /** Posts the app made to this command's response_url so far. */
  responses(): ResponsePost[];
  waitForResponse(predicate?: (post: ResponsePost) => boolean, timeoutMs?: number): Promise<ResponsePost>;
}

/** A click on an interactive element, and what came of it. */
export interface InteractionResult {
  ack: Ack;
  payload: Json;
  /** Absent for elements in views (Slack gives none). */
  responseUrl?: string;
  triggerId: string;
  responses(): ResponsePost[];
  waitForResponse(predicate?: (post: ResponsePost) => boolean, timeoutMs?: number): Promise<ResponsePost>;
}

/** What became of a submitted modal. */
export interface ViewSubmissionResult {
  ack: Ack;
  payload: Json;
  /**
   * `closed` (the default), `errors` (the app answered response_action errors), `updated`,
   * `pushed`, `cleared`, or `failed` (no ack in time: the modal stays open with an error).
   */
  outcome: 'closed' | 'errors' | 'updated' | 'pushed' | 'cleared' | 'failed';
  /** The app's field errors (block_id → message) when outcome is `errors`. */
  errors?: Record<string, string>;
  /** The view on top of the user's stack afterwards, if any. */
  view?: LocalView;
}

/** An Events API delivery (app_mention, app_home_opened). */
export interface EventResult {
  /** The first attempt's ack; retries continue in the background when it failed. */
  ack: Ack;
  payload: Json;
  /** Every attempt so far, retries included. */
  attempts(): Ack[];
  waitForAttempts(count: number, timeoutMs?: number): Promise<Ack[]>;
}

/** Something the user can click in: a channel message, an ephemeral message, or a view. */
export type ClickTarget = LocalMessage | LocalEphemeral | LocalView;

function isView(target: ClickTarget): target is LocalView {
  return 'json' in target && 'hash' in target;
}

function isEphemeral(target: ClickTarget): target is LocalEphemeral {
  return !isView(target) && !('replyCount' in target);
}

/**
 * A running local Slack: the Web API, response_urls and Socket Mode on one port, a workspace
 * seeded with the lab's names, and a client API for tests and the demo to act as users and
 * to read back what the app did.
 */
export class LocalSlack {
  readonly faults: Faults;
  private readonly ids = new IdFactory();
  private readonly directory: Directory;
  private readonly store: MessageStore;
  private readonly viewStore: ViewStore;
  private readonly triggers: TriggerRegistry;
  private readonly responseUrls: ResponseUrls;
  private readonly socket: SocketModeServer;
  private readonly dispatcher: AppDispatcher;
  private readonly webApi: WebApi;
  private readonly http = new HttpServer();
  private readonly feed = new EventEmitter();
  private readonly apiCalls: ApiCall[] = [];
  private baseUrl = '';
  private closed = false;

  constructor(private readonly options: ResolvedOptions) {
    this.feed.setMaxListeners(0);
    const emit = (event: LocalSlackEvent): void => {
      this.feed.emit('change', event);
    };
    this.directory = new Directory(loadSeed(options.seed));
    this.store = new MessageStore(this.ids, this.directory, emit);
    this.viewStore = new ViewStore(this.ids, this.directory, emit);
    this.triggers = new TriggerRegistry(this.ids, options.timing.triggerTtlMs);
    this.responseUrls = new ResponseUrls({
      ids: this.ids,
      directory: this.directory,
      messages: this.store,
      baseUrl: () => this.baseUrl,
      ttlMs: options.timing.responseUrlTtlMs,
      maxUses: options.timing.responseUrlMaxUses,
      maxBodyBytes: options.maxBodyBytes,
      emit,
    });
    this.socket = new SocketModeServer({
      ids: this.ids,
      appId: this.directory.app.id,
      enabled: 'socketMode' in options.app,
      pingIntervalMs: options.timing.socketPingIntervalMs,
      emit,
    });
    this.faults = new Faults({
      drop: () => this.socket.drop(),
      disconnect: (reason) => this.socket.disconnect(reason),
    });
    this.dispatcher = new AppDispatcher({
      target: options.app,
      signingSecret: options.signingSecret,
      faults: this.faults,
      socket: this.socket,
      ids: this.ids,
      ackDeadlineMs: options.timing.ackDeadlineMs,
      eventRetryDelaysMs: options.timing.eventRetryDelaysMs,
      emit,
    });
    const limit = options.limits.postMessagePerChannel;
    const bucket = limit === false ? undefined : new TokenBucket(limit.perSecond, limit.burst);
    const self = this;
    const context: MethodContext = {
      directory: this.directory,
      messages: this.store,
      views: this.viewStore,
      triggers: this.triggers,
      get baseUrl() {
        return self.baseUrl;
      },
      admitPost: (channel) => (bucket ? bucket.take(channel) : { ok: true }),
      openSocketUrl: () => this.socket.issueUrl(this.baseUrl),
    };
    this.webApi = new WebApi({
      context,
      botToken: options.botToken,
      ...(options.appToken ? { appToken: options.appToken } : {}),
      faults: this.faults,
      tiers: options.limits.tiers,
      maxBodyBytes: options.maxBodyBytes,
      record: (call) => {
        this.apiCalls.push(call);
        emit({ type: 'api_call', call: structuredClone(call) });
      },
    });
    this.http.route('/api/', (req, res, url) =>
      this.webApi.handle(req, res, methodName(url), url.searchParams),
    );
    const responseRoute: RequestHandler = async (req, res, url) => {
      if (req.method !== 'POST' || !ResponseUrls.matches(url.pathname)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('invalid_url');
        return;
      }
      await this.responseUrls.handle(req, res, url.pathname);
    };
    this.http.route('/commands/', responseRoute);
    this.http.route('/actions/', responseRoute);
    this.http.route('/', (_req, res, url) => {
      if (url.pathname !== '/') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        `lvs-chatops local Slack for ${this.directory.team.name} (${this.directory.team.id})\nWeb API: ${this.apiUrl}\n`,
      );
    });
    this.http.onUpgrade((req, socket, head) => this.socket.handleUpgrade(req, socket, head));
  }

  /** Starts listening; `startLocalSlack` does this for you. */
  async listen(): Promise<this> {
    const port = await this.http.listen(this.options.port, this.options.host);
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    this.baseUrl = `http://${host}:${port}/`;
    return this;
  }

  /** `http://127.0.0.1:PORT/`. */
  get url(): string {
    return this.baseUrl;
  }

  /** The Web API base URL to give the app (`SLACK_API_URL`, Bolt's `clientOptions.slackApiUrl`). */
  get apiUrl(): string {
    return `${this.baseUrl}api/`;
  }

  get team(): { id: string; domain: string; name: string } {
    return { ...this.directory.team };
  }

  /**
   * The workspace as a client shows it: its people (the bot included) and its channels with
   * their members (direct-message conversations only once opened).
   */
  workspace(): Workspace {
    return {
      team: { ...this.directory.team },
      app: { id: this.directory.app.id, name: this.directory.app.name, botUserId: this.directory.botUserId },
      users: this.directory.allUsers().map((u) => ({
        id: u.id,
        name: u.name,
        realName: u.realName,
        isBot: u.isBot,
        deleted: u.deleted,
      })),
      channels: this.directory.allChannels().map((c) => ({
        id: c.id,
        name: c.name,
        isPrivate: c.isPrivate,
        isIm: c.isIm,
        isArchived: c.isArchived,
        topic: c.topic,
        members: [...c.members],
      })),
    };
  }

  get appId(): string {
    return this.directory.app.id;
  }

  get botUserId(): string {
    return this.directory.botUserId;
  }

  get botId(): string {
    return this.directory.app.botId;
  }

  get defaultChannel(): string {
    return this.directory.defaultChannel;
  }

  /** The user's direct-message conversation with the bot (its ID starts with D). */
  directMessageChannel(userId: string): string {
    return this.directory.directMessages(this.user(userId).id).id;
  }

  /**
   * A direct-message conversation between two people (the bot not in it), opened on first use:
   * commands typed there reach the app, which cannot see the conversation itself.
   */
  directMessageBetween(userA: string, userB: string): string {
    const a = this.user(userA);
    const b = this.user(userB);
    if (a.id === b.id)
      throw new LocalSlackError('invalid_options', 'a direct message between two people needs two');
    return this.directory.directMessagesBetween(a.id, b.id, this.ids.imId()).id;
  }

  /** Points deliveries at the app (its request URL, or Socket Mode), e.g. once it has started. */
  setApp(target: AppTarget): void {
    this.dispatcher.target = target;
    this.socket.enabled = 'socketMode' in target;
  }

  /**
   * Adds a route to the local Slack's HTTP server (the demo's console page). Mounting `/`
   * replaces the plain-text index; `/api/`, `/commands/` and `/actions/` stay Slack's.
   */
  mount(prefix: string, handler: RequestHandler): void {
    if (['/api/', '/commands/', '/actions/', '/link/'].some((reserved) => prefix.startsWith(reserved))) {
      throw new LocalSlackError('invalid_options', `${prefix} belongs to Slack's own endpoints`);
    }
    this.http.route(prefix, handler);
  }

  // ---- acting as a user -------------------------------------------------------------------

  private user(id: string): UserRecord {
    const user = this.directory.user(id);
    if (!user || user.isBot) {
      const known = this.directory
        .allUsers()
        .filter((u) => !u.isBot)
        .map((u) => u.id)
        .join(', ');
      throw new LocalSlackError(
        'unknown_user',
        `${id} is not a user of ${this.directory.team.id}; known: ${known}`,
      );
    }
    return user;
  }

  private channelFor(user: UserRecord, id: string): ChannelRecord {
    const channel =
      id === this.directory.directMessageId(user.id)
        ? this.directory.directMessages(user.id)
        : this.directory.channel(id);
    if (!channel) {
      const known = this.directory
        .allChannels()
        .filter((c) => !c.isIm)
        .map((c) => `${c.id} (#${c.name})`)
        .join(', ');
      throw new LocalSlackError(
        'unknown_channel',
        `${id} is not a channel of ${this.directory.team.id}; known: ${known}`,
      );
    }
    if (!channel.members.has(user.id)) {
      throw new LocalSlackError(
        'user_not_in_channel',
        `${user.id} is not a member of ${channel.id} (#${channel.name})`,
      );
    }
    return channel;
  }

  /** Slack's own notice to the user (from Slackbot) when the app failed to answer. */
  private notice(user: string, channel: string, error: string, text: string): void {
    this.store.postEphemeral({
      user,
      channel,
      content: { text, blocks: [], attachments: [] },
      via: 'notice',
      notice: error,
    });
  }

  /**
   * Types a slash command (`/lvs status`) in a channel as `user`: the app receives Slack's
   * signed form (or a `slash_commands` envelope) with a response_url and a trigger_id.
   */
  async command(commandLine: string, opts: { user: string; channel?: string }): Promise<CommandResult> {
    this.assertOpen();
    const match = /^\s*(\/\S+)\s*([\s\S]*)$/.exec(commandLine);
    if (!match?.[1]) throw new LocalSlackError('invalid_options', `not a slash command: ${commandLine}`);
    const command = match[1];
    const text = (match[2] ?? '').trim();
    const user = this.user(opts.user);
    const channel = this.channelFor(user, opts.channel ?? this.directory.defaultChannel);
    const responseUrl = this.responseUrls.create('commands', { user: user.id, channel: channel.id });
    const triggerId = this.triggers.issue(user.id, channel.id);
    const payload = slashCommandPayload(this.directory, {
      user,
      channel,
      command,
      text,
      responseUrl,
      triggerId,
    });
    const { ack } = await this.dispatcher.deliver('slash_commands', payload);
    if (!ack.ok && ack.error) {
      this.notice(user.id, channel.id, ack.error, `${command} failed with the error "${ack.error}"`);
    } else if (ack.body !== undefined) {
      this.showCommandAnswer(user, channel, command, ack.body);
    }
    return {
      ack,
      payload,
      responseUrl,
      triggerId,
      responses: () => this.responseUrls.posts(responseUrl),
      waitForResponse: (predicate, timeoutMs) => this.waitForResponse(responseUrl, predicate, timeoutMs),
    };
  }

  /** A command's immediate answer: shown to the user, or in the channel with `in_channel`. */
  private showCommandAnswer(user: UserRecord, channel: ChannelRecord, command: string, body: unknown): void {
    if (typeof body !== 'object' || body === null) return;
    const answer = body as Json;
    try {
      const content = readMessageContent(answer);
      if (answer.response_type === 'in_channel') {
        this.store.post({
          channel: channel.id,
          user: this.directory.botUserId,
          botId: this.directory.app.botId,
          content,
          via: 'ack',
        });
      } else {
        this.store.postEphemeral({ user: user.id, channel: channel.id, content, via: 'ack' });
      }
    } catch (error) {
      const name = error instanceof SlackApiError ? error.error : 'invalid_response';
      this.notice(user.id, channel.id, name, `${command} failed with the error "${name}"`);
    }
  }

  /**
   * Clicks (or picks a value in) the element with `actionId` in a message, an ephemeral
   * message or a view, as `user`; the app receives a block_actions payload.
   */
  async click(
    target: ClickTarget,
    actionId: string,
    opts: { user: string; value?: UserInput; blockId?: string },
  ): Promise<InteractionResult> {
    this.assertOpen();
    const user = this.user(opts.user);
    const actionTs = this.ids.ts();
    const triggerId = this.triggers.issue(user.id);
    let source: ActionSource;
    let found: FoundElement;
    let responseUrl: string | undefined;
    let channelId: string | undefined;
    if (isView(target)) {
      const view = this.viewStore.get(target.id);
      if (!view?.open || view.user !== user.id) {
        throw new LocalSlackError('view_not_found', `view ${target.id} is not open for ${user.id}`);
      }
      found = findElement(view.blocks, actionId, opts.blockId);
      source = { kind: 'view', view: view.json };
    } else if (isEphemeral(target)) {
      const ephemeral = this.store.findEphemeral(target.ts);
      if (!ephemeral || ephemeral.deleted || ephemeral.user !== user.id) {
        throw new LocalSlackError(
          'message_not_found',
          `ephemeral message ${target.ts} is not shown to ${user.id}`,
        );
      }
      found = findElement(ephemeral.blocks, actionId, opts.blockId);
      const channel = this.channelFor(user, ephemeral.channel);
      responseUrl = this.responseUrls.create('actions', {
        user: user.id,
        channel: channel.id,
        origin: { kind: 'ephemeral', ts: ephemeral.ts },
      });
      source = { kind: 'ephemeral', channel, messageTs: ephemeral.ts, responseUrl };
      channelId = channel.id;
    } else {
      const message = this.store.find(target.channel, target.ts);
      if (!message || message.deleted) {
        throw new LocalSlackError('message_not_found', `no message ${target.ts} in ${target.channel}`);
      }
      const channel = this.channelFor(user, message.channel);
      found = findElement(message.blocks, actionId, opts.blockId);
      responseUrl = this.responseUrls.create('actions', {
        user: user.id,
        channel: channel.id,
        origin: { kind: 'message', channel: channel.id, ts: message.ts },
      });
      source = { kind: 'message', channel, message: this.store.json(channel.id, message.ts), responseUrl };
      channelId = channel.id;
    }
    const action = actionPayload(found, opts.value, actionTs);
    const state: Json = { values: {} };
    if (found.element.type !== 'button') {
      const { action_id: _a, block_id: _b, action_ts: _t, placeholder: _p, ...value } = action;
      state.values = { [found.blockId]: { [String(found.element.action_id)]: value } };
    }
    const payload = blockActionsPayload(this.directory, { user, source, action, state, triggerId });
    const { ack } = await this.dispatcher.deliver('interactive', payload);
    if (!ack.ok && ack.error && channelId) {
      const text =
        ack.error === 'operation_timeout'
          ? 'Operation timed out. Apps need to respond within three seconds.'
          : 'We had some trouble connecting. Try again?';
      this.notice(user.id, channelId, ack.error, text);
    }
    return {
      ack,
      payload,
      triggerId,
      ...(responseUrl ? { responseUrl } : {}),
      responses: () => (responseUrl ? this.responseUrls.posts(responseUrl) : []),
      waitForResponse: (predicate, timeoutMs) =>
        responseUrl
          ? this.waitForResponse(responseUrl, predicate, timeoutMs)
          : Promise.reject(new LocalSlackError('invalid_options', 'a click in a view has no response_url')),
    };
  }

  /**
   * Submits the user's top modal with `values` (action_id → text, option value, user or
   * channel ID, or a list of them); the app receives a view_submission payload and its ack
   * decides what happens to the modal (response_action).
   */
  async submitView(
    view: LocalView | string,
    opts: { user?: string; values?: Record<string, UserInput> } = {},
  ): Promise<ViewSubmissionResult> {
    this.assertOpen();
    const id = typeof view === 'string' ? view : view.id;
    const current = this.viewStore.get(id);
    if (!current?.open || current.type !== 'modal') {
      throw new LocalSlackError('view_not_found', `no open modal ${id}`);
    }
    const user = this.user(opts.user ?? current.user);
    const stack = this.viewStore.stack(user.id);
    if (stack[stack.length - 1]?.id !== id) {
      throw new LocalSlackError('view_not_found', `modal ${id} is not on top of ${user.id}'s stack`);
    }
    const values = viewState(current.blocks, opts.values ?? {});
    const submitted = this.viewStore.setState(id, values);
    const triggerId = this.triggers.issue(user.id);
    const payload = viewSubmissionPayload(this.directory, { user, view: submitted.json, triggerId });
    const { ack } = await this.dispatcher.deliver('interactive', payload);
    const top = (): LocalView | undefined => this.viewStore.stack(user.id).at(-1);
    if (!ack.ok) return { ack, payload, outcome: 'failed', ...withView(top()) };
    const answer = typeof ack.body === 'object' && ack.body !== null ? (ack.body as Json) : {};
    switch (answer.response_action) {
      case 'errors': {
        const errors = (answer.errors ?? {}) as Record<string, string>;
        return { ack, payload, outcome: 'errors', errors, ...withView(top()) };
      }
      case 'update':
        if (typeof answer.view === 'object' && answer.view !== null) {
          this.viewStore.replace(id, answer.view as Json);
        }
        return { ack, payload, outcome: 'updated', ...withView(top()) };
      case 'push':
        if (typeof answer.view === 'object' && answer.view !== null)
          this.viewStore.push(user.id, answer.view as Json);
        return { ack, payload, outcome: 'pushed', ...withView(top()) };
      case 'clear':
        this.viewStore.close(user.id, { all: true });
        return { ack, payload, outcome: 'cleared' };
      default:
        this.viewStore.close(user.id, { all: current.clearOnClose });
        return { ack, payload, outcome: 'closed', ...withView(top()) };
    }
  }

  /** The user closes (cancels) their top modal; `view_closed` goes to the app if asked for. */
  async closeView(view: LocalView | string, opts: { user?: string } = {}): Promise<Ack | undefined> {
    this.assertOpen();
    const id = typeof view === 'string' ? view : view.id;
    const current = this.viewStore.get(id);
    if (!current?.open || current.type !== 'modal') {
      throw new LocalSlackError('view_not_found', `no open modal ${id}`);
    }
    const user = this.user(opts.user ?? current.user);
    const [closed] = this.viewStore.close(user.id, { all: current.clearOnClose });
    if (!current.notifyOnClose || !closed) return undefined;
    const payload = viewClosedPayload(this.directory, {
      user,
      view: closed.json,
      isCleared: current.clearOnClose,
    });
    return (await this.dispatcher.deliver('interactive', payload)).ack;
  }

  /**
   * Delivers a payload the app already received once more, as a new delivery (a freshly signed
   * request, or a new Socket Mode envelope): what a replayed or doubled click looks like to it.
   */
  async replay(payload: Json): Promise<Ack> {
    this.assertOpen();
    return (await this.dispatcher.deliver('interactive', structuredClone(payload))).ack;
  }

  /** The user opens the app's Home tab: an `app_home_opened` event. */
  async openAppHome(userId: string): Promise<EventResult | undefined> {
    this.assertOpen();
    const user = this.user(userId);
    if (!this.options.events.includes('app_home_opened')) return undefined;
    const home = this.viewStore.home(user.id);
    const event: Json = {
      type: 'app_home_opened',
      user: user.id,
      channel: this.directory.directMessages(user.id).id,
      tab: 'home',
      event_ts: this.ids.ts(),
      ...(home ? { view: home.json } : {}),
    };
    return this.deliverEvent(event);
  }

  /** Posts a message as a user (no event unless it mentions the bot: see `mention`). */
  postAsUser(text: string, opts: { user: string; channel?: string; threadTs?: string }): LocalMessage {
    this.assertOpen();
    const user = this.user(opts.user);
    const channel = this.channelFor(user, opts.channel ?? this.directory.defaultChannel);
    return this.store.post({
      channel: channel.id,
      user: user.id,
      content: { text, blocks: [], attachments: [] },
      via: 'user',
      ...(opts.threadTs ? { threadTs: opts.threadTs } : {}),
    });
  }

  /**
   * Posts `text` as a user; when it mentions the bot (`<@U0LVSBOT>`, see `botUserId`) in a
   * channel the bot is in, the app receives an `app_mention` event.
   */
  async mention(
    text: string,
    opts: { user: string; channel?: string; threadTs?: string },
  ): Promise<{ message: LocalMessage; event?: EventResult }> {
    const message = this.postAsUser(text, opts);
    const channel = this.directory.channel(message.channel);
    const mentioned = text.includes(`<@${this.directory.botUserId}>`);
    if (
      !mentioned ||
      !channel?.members.has(this.directory.botUserId) ||
      !this.options.events.includes('app_mention')
    ) {
      return { message };
    }
    const event: Json = {
      client_msg_id: randomUUID(),
      type: 'app_mention',
      text,
      user: message.user,
      ts: message.ts,
      team: this.directory.team.id,
      channel: message.channel,
      event_ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    };
    return { message, event: await this.deliverEvent(event) };
  }

  private async deliverEvent(event: Json): Promise<EventResult> {
    const payload = eventCallbackPayload(this.directory, {
      event,
      eventId: this.ids.eventId(),
      eventTime: Math.floor(Date.now() / 1000),
    });
    const { delivery, ack } = await this.dispatcher.deliverEvent(payload);
    const attempts = (): Ack[] => structuredClone(delivery.attempts);
    return {
      ack,
      payload,
      attempts,
      waitForAttempts: (count, timeoutMs = DEFAULT_WAIT_MS) =>
        this.waitFor(
          () => (delivery.attempts.length >= count ? attempts() : undefined),
          timeoutMs,
          () =>
            `expected ${count} delivery attempts of ${String(event.type)}; got ${delivery.attempts.length}`,
        ),
    };
  }

  /**
   * Slack's check of a new request URL: a signed `url_verification` the app must answer with
   * the challenge. HTTP mode only.
   */
  async verifyUrl(): Promise<{ ok: boolean; status?: number; body?: string }> {
    const target = this.dispatcher.target;
    if (!('requestUrl' in target))
      throw new LocalSlackError('invalid_options', 'url_verification needs HTTP mode');
    const challenge = randomBytes(24).toString('base64url');
    const body = JSON.stringify({
      token: this.directory.app.verificationToken,
      challenge,
      type: 'url_verification',
    });
    const outcome = await postToApp(
      target.requestUrl,
      {
        'content-type': 'application/json',
        ...signRequest(this.options.signingSecret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      this.options.timing.ackDeadlineMs,
    );
    if (outcome.kind !== 'answered') return { ok: false };
    let echoed = outcome.body.trim() === challenge;
    try {
      echoed ||= (JSON.parse(outcome.body) as Json).challenge === challenge;
    } catch {
      // A plain-text answer is allowed; it was compared above.
    }
    return { ok: outcome.status === 200 && echoed, status: outcome.status, body: outcome.body };
  }

  // ---- reading back ----------------------------------------------------------------------

  /** A channel's top-level messages, oldest first (thread replies too with includeReplies). */
  messages(
    channel: string,
    opts: { includeReplies?: boolean; includeDeleted?: boolean } = {},
  ): LocalMessage[] {
    return this.store.list(channel, opts);
  }

  message(channel: string, ts: string): LocalMessage | undefined {
    return this.store.find(channel, ts);
  }

  /** A thread's replies, oldest first. */
  thread(channel: string, ts: string): LocalMessage[] {
    return this.store.replies(channel, ts);
  }

  /** What only `user` sees: ephemeral messages, including Slack's error notices. */
  ephemerals(user: string, opts: { includeDeleted?: boolean } = {}): LocalEphemeral[] {
    return this.store.ephemerals(user, opts);
  }

  views(user: string): { home?: LocalView; modals: LocalView[] } {
    const home = this.viewStore.home(user);
    return { ...(home ? { home } : {}), modals: this.viewStore.stack(user) };
  }

  view(id: string): LocalView | undefined {
    return this.viewStore.get(id);
  }

  /** Posts made to response_urls (all, or one URL's). */
  responses(url?: string): ResponsePost[] {
    return this.responseUrls.posts(url);
  }

  /** Web API calls the app made (all, or one method's), oldest first. */
  calls(method?: string): ApiCall[] {
    return structuredClone(method ? this.apiCalls.filter((c) => c.method === method) : this.apiCalls);
  }

  deliveries(kind?: DeliveryKind): Delivery[] {
    return this.dispatcher.deliveries(kind);
  }

  /** Open Socket Mode connections. */
  socketConnections(): number {
    return this.socket.count();
  }

  /** Subscribes to everything that happens; returns the unsubscribe function. */
  watch(listener: (event: LocalSlackEvent) => void): () => void {
    const safe = (event: LocalSlackEvent): void => {
      try {
        listener(event);
      } catch {
        // A watcher's bug must not break the local Slack.
      }
    };
    this.feed.on('change', safe);
    return () => this.feed.off('change', safe);
  }

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const probe = (): T | undefined => {
      try {
        return find();
      } catch {
        return undefined;
      }
    };
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const stop = (): void => {
        off();
        clearTimeout(timer);
      };
      const off = this.watch(() => {
        const value = probe();
        if (value !== undefined) {
          stop();
          resolve(value);
        }
      });
      const timer = setTimeout(() => {
        stop();
        reject(new LocalSlackError('timeout', `${describe()} (waited ${timeoutMs} ms)`));
      }, timeoutMs);
    });
  }

  /** The first message (replies included) in `channel` matching, now or within the timeout. */
  waitForMessage(
    channel: string,
    predicate: (message: LocalMessage) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<LocalMessage> {
    return this.waitFor(
      () => this.store.list(channel, { includeReplies: true }).find(predicate),
      timeoutMs,
      () => {
        const recent = this.store
          .list(channel, { includeReplies: true })
          .slice(-3)
          .map((m) => JSON.stringify(m.text.slice(0, 80)));
        return `no message in ${channel} matched; last: ${recent.join(', ') || 'none'}`;
      },
    );
  }

  waitForEphemeral(
    user: string,
    predicate: (ephemeral: LocalEphemeral) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<LocalEphemeral> {
    return this.waitFor(
      () => this.store.ephemerals(user).find(predicate),
      timeoutMs,
      () => `no ephemeral message for ${user} matched; it has ${this.store.ephemerals(user).length}`,
    );
  }

  waitForCall(
    method: string,
    predicate: (call: ApiCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ApiCall> {
    return this.waitFor(
      () => this.calls(method).find(predicate),
      timeoutMs,
      () => `no ${method} call matched; ${this.calls(method).length} made`,
    );
  }

  /** The user's top modal (or, with `home`, their App Home) once it matches. */
  waitForView(
    user: string,
    predicate: (view: LocalView) => boolean = () => true,
    opts: { home?: boolean; timeoutMs?: number } = {},
  ): Promise<LocalView> {
    const pick = (): LocalView | undefined => {
      const view = opts.home ? this.viewStore.home(user) : this.viewStore.stack(user).at(-1);
      return view && predicate(view) ? view : undefined;
    };
    return this.waitFor(
      pick,
      opts.timeoutMs ?? DEFAULT_WAIT_MS,
      () => `no ${opts.home ? 'home' : 'modal'} view for ${user} matched`,
    );
  }

  private waitForResponse(
    url: string,
    predicate: (post: ResponsePost) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ResponsePost> {
    return this.waitFor(
      () => this.responseUrls.posts(url).find(predicate),
      timeoutMs,
      () => `no post to ${url} matched; ${this.responseUrls.posts(url).length} made`,
    );
  }

  /** Waits until at least `count` Socket Mode connections are open. */
  waitForSocket(count = 1, timeoutMs = DEFAULT_WAIT_MS): Promise<number> {
    return this.waitFor(
      () => (this.socket.count() >= count ? this.socket.count() : undefined),
      timeoutMs,
      () => `expected ${count} Socket Mode connection(s); ${this.socket.count()} open`,
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new LocalSlackError('closed', 'this local Slack is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dispatcher.close();
    this.webApi.close();
    this.socket.close();
    await this.http.close();
    this.feed.removeAllListeners();
  }
}

/** The method named by `/api/<method>`; an undecodable name is just an unknown method. */
function methodName(url: URL): string {
  const raw = url.pathname.slice('/api/'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function withView(view: LocalView | undefined): { view?: LocalView } {
  return view ? { view } : {};
}
