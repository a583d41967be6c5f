import type { Directory } from '../directory.js';
import type { MessageStore } from '../message-store.js';
import type { Admission } from '../token-bucket.js';
import type { TriggerRegistry } from '../trigger-registry.js';
import type { ViewStore } from '../view-store.js';
import type { Args } from './args.js';

/** What a Web API method can reach. */
export interface MethodContext {
  directory: Directory;
  messages: MessageStore;
  views: ViewStore;
  triggers: TriggerRegistry;
  /** The local Slack's base URL (`http://127.0.0.1:PORT/`). */
  baseUrl: string;
  /** chat.postMessage's per-channel limit. */
  admitPost(channel: string): Admission;
  /** A fresh single-use Socket Mode URL (apps.connections.open). */
  openSocketUrl(): string;
}

export type TokenType = 'bot' | 'app';

/** Slack's rate-limit tiers (calls per minute, "+" meaning short bursts are tolerated). */
export type Tier = 1 | 2 | 3 | 4 | 'special';

export interface MethodSpec {
  tier: Tier;
  token: TokenType;
  /** Any one of these scopes grants access. Empty: no scope needed. */
  scopes: string[];
  handler(ctx: MethodContext, args: Args): Record<string, unknown>;
}

export type MethodTable = Record<string, MethodSpec>;
