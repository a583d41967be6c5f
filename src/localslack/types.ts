/**
 * The local Slack's public data shapes: what tests and the demo read back. Slack's own wire
 * formats (payloads, API responses) are plain JSON objects built in payloads.ts and the
 * web-api folder; these types describe the local Slack's records of what happened.
 */

/** A Block Kit block as sent by the app; validated, never trusted. */
export type Block = Record<string, unknown>;

/** How a message or an ephemeral message came to exist. */
export type MessageSource =
  | 'chat.postMessage'
  | 'chat.postEphemeral'
  | 'response_url'
  | 'ack'
  | 'user'
  | 'notice';

/** One earlier version of an edited message. */
export interface Revision {
  /** When the version was replaced (a Slack ts). */
  replacedAt: string;
  text: string;
  blocks: Block[];
  attachments: unknown[];
}

/** A message in a channel (or a thread reply), as the local Slack stores it. */
export interface LocalMessage {
  channel: string;
  ts: string;
  /** The author: a user ID, or the bot's user ID for app posts. */
  user: string;
  botId?: string;
  text: string;
  blocks: Block[];
  attachments: unknown[];
  /** Set on thread replies (and on a parent once it has replies: its own ts). */
  threadTs?: string;
  replyCount: number;
  /** Earlier versions, oldest first; empty when never edited. */
  edits: Revision[];
  deleted: boolean;
  via: MessageSource;
}

/** Why Slack showed the user an error notice instead of the app's answer. */
export type NoticeKind = 'operation_timeout' | 'dispatch_failed';

/** A message only one user sees. */
export interface LocalEphemeral {
  user: string;
  channel: string;
  /** Slack's `message_ts` for the ephemeral message. */
  ts: string;
  text: string;
  blocks: Block[];
  attachments: unknown[];
  threadTs?: string;
  via: MessageSource;
  /** Set when this is Slack's own error notice: the error name shown (`operation_timeout`, …). */
  notice?: string;
  edits: Revision[];
  deleted: boolean;
}

/** A modal or an App Home view. */
export interface LocalView {
  id: string;
  type: 'modal' | 'home';
  user: string;
  callbackId: string;
  externalId: string;
  privateMetadata: string;
  hash: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: Block[];
  state: { values: Record<string, Record<string, unknown>> };
  rootViewId: string;
  previousViewId: string | null;
  notifyOnClose: boolean;
  clearOnClose: boolean;
  /** False once closed (modals) or replaced (home). */
  open: boolean;
  /** The full view object as Slack would send it in payloads and API responses. */
  json: Record<string, unknown>;
}

/** One Web API call the app made. */
export interface ApiCall {
  method: string;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** The arguments as Slack parsed them (form fields or JSON), token removed. */
  args: Record<string, unknown>;
  tokenType?: 'bot' | 'app';
  contentType: string;
  status: number;
  /** The JSON body answered. */
  response: Record<string, unknown>;
  retryAfter?: number;
}

/** What the app answered to one delivery (slash command, interaction or event). */
export interface Ack {
  transport: 'http' | 'socket';
  /** True when the app acknowledged in time with success. */
  ok: boolean;
  /** HTTP status the app answered (HTTP mode). */
  status?: number;
  /** The app's answer: parsed JSON, `{ text }` for a plain-text body, undefined when empty. */
  body?: unknown;
  /** Milliseconds from sending to the ack; undefined when none came in time. */
  ackMs?: number;
  /** Set when Slack would show the user an error instead. */
  error?: NoticeKind;
  /** Socket Mode: the envelope acknowledged (or not). */
  envelopeId?: string;
  /** 0 for the first attempt, then Slack's retry number. */
  retryNum: number;
  retryReason?: string;
}

export type DeliveryKind = 'slash_commands' | 'interactive' | 'events_api';

/** A delivery to the app with every attempt made (events are retried). */
export interface Delivery {
  kind: DeliveryKind;
  /** The payload as the app received it (form fields for slash commands). */
  payload: Record<string, unknown>;
  attempts: Ack[];
}

/** One POST the app made to a response_url. */
export interface ResponsePost {
  url: string;
  at: number;
  body: unknown;
  status: number;
  /** Slack's error name when refused (`expired_url`, `used_url`, `no_text`, …). */
  error?: string;
  /** What the post did, when accepted. */
  effect?: {
    kind: 'ephemeral' | 'in_channel' | 'replaced' | 'deleted';
    channel: string;
    ts: string;
  };
}

/** The workspace's people and channels, as `LocalSlack.workspace()` reads them back. */
export interface Workspace {
  team: { id: string; domain: string; name: string };
  app: { id: string; name: string; botUserId: string };
  users: Array<{ id: string; name: string; realName: string; isBot: boolean; deleted: boolean }>;
  channels: Array<{
    id: string;
    name: string;
    isPrivate: boolean;
    isIm: boolean;
    isArchived: boolean;
    topic: string;
    members: string[];
  }>;
}

/** Everything a live watcher (the demo's page, a test) can observe. */
export type LocalSlackEvent =
  | { type: 'message_posted'; message: LocalMessage }
  | { type: 'message_changed'; message: LocalMessage }
  | { type: 'message_deleted'; message: LocalMessage }
  | { type: 'ephemeral_posted'; ephemeral: LocalEphemeral }
  | { type: 'ephemeral_changed'; ephemeral: LocalEphemeral }
  | { type: 'view_opened'; view: LocalView }
  | { type: 'view_updated'; view: LocalView }
  | { type: 'view_closed'; view: LocalView }
  | { type: 'api_call'; call: ApiCall }
  | { type: 'delivery'; delivery: Delivery; attempt: Ack }
  | { type: 'response_url'; post: ResponsePost }
  | { type: 'socket'; state: 'connected' | 'disconnected'; connections: number };
