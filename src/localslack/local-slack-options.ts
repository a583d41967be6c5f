import { z } from 'zod';
import type { AppTarget } from './delivery/app-dispatcher.js';
import { LocalSlackError } from './local-slack-error.js';
import type { SeedInput } from './seed.js';

/** Slack's clocks. Tests may shorten them; the defaults are Slack's. */
export interface Timing {
  /** How long Slack waits for the app's ack (3 s). */
  ackDeadlineMs: number;
  /** How long a trigger_id may open a view (3 s). */
  triggerTtlMs: number;
  /** How long a response_url accepts posts (30 minutes). */
  responseUrlTtlMs: number;
  /** How many posts a response_url accepts (5). */
  responseUrlMaxUses: number;
  /** Waits before each Events API retry (nearly immediately, 1 minute, 5 minutes). */
  eventRetryDelaysMs: number[];
  /** How often Slack pings each Socket Mode connection. */
  socketPingIntervalMs: number;
}

export interface Limits {
  /** chat.postMessage per channel: `burst` at once, then `perSecond`; false turns it off. */
  postMessagePerChannel: { perSecond: number; burst: number } | false;
  /** Per-method tier limits (Tier 1 = 1/min … Tier 4 = 100/min); off unless asked for. */
  tiers: boolean;
}

export interface LocalSlackOptions {
  /** The workspace: an object, or a JSON/YAML file path; the lab's seed by default. */
  seed?: SeedInput | string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where the app listens: its request URL (HTTP mode) or `{ socketMode: true }`. */
  app: AppTarget;
  signingSecret: string;
  /** The bot token (`xoxb-…`) the app calls the Web API with. */
  botToken: string;
  /** The app-level token (`xapp-…`) for apps.connections.open; required in Socket Mode. */
  appToken?: string;
  /** The bot events the app subscribes to. */
  events?: string[];
  timing?: Partial<Timing>;
  limits?: Partial<Limits>;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export interface ResolvedOptions {
  seed?: SeedInput | string;
  port: number;
  host: string;
  app: AppTarget;
  signingSecret: string;
  botToken: string;
  appToken?: string;
  events: string[];
  timing: Timing;
  limits: Limits;
  maxBodyBytes: number;
}

export const DEFAULT_TIMING: Timing = {
  ackDeadlineMs: 3000,
  triggerTtlMs: 3000,
  responseUrlTtlMs: 30 * 60 * 1000,
  responseUrlMaxUses: 5,
  eventRetryDelaysMs: [1000, 60_000, 300_000],
  socketPingIntervalMs: 10_000,
};

const optionsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().default('127.0.0.1'),
    app: z.union([
      z.object({ requestUrl: z.url({ protocol: /^https?$/ }) }),
      z.object({ socketMode: z.literal(true) }),
    ]),
    signingSecret: z.string().min(1, 'must not be empty'),
    botToken: z.string().startsWith('xoxb-', 'a bot token starts with xoxb-'),
    appToken: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
    events: z.array(z.string()).default(['app_home_opened', 'app_mention']),
    timing: z
      .object({
        ackDeadlineMs: z.number().positive(),
        triggerTtlMs: z.number().positive(),
        responseUrlTtlMs: z.number().positive(),
        responseUrlMaxUses: z.number().int().positive(),
        eventRetryDelaysMs: z.array(z.number().min(0)),
        socketPingIntervalMs: z.number().positive(),
      })
      .partial()
      .default({}),
    limits: z
      .object({
        postMessagePerChannel: z.union([
          z.literal(false),
          z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }),
        ]),
        tiers: z.boolean(),
      })
      .partial()
      .default({}),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
  })
  .refine((o) => !('socketMode' in o.app) || o.appToken !== undefined, {
    path: ['appToken'],
    message: 'Socket Mode needs an app-level token (xapp-…)',
  });

export function resolveOptions(options: LocalSlackOptions): ResolvedOptions {
  const { seed, ...rest } = options;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new LocalSlackError('invalid_options', `invalid local Slack options:\n${lines.join('\n')}`);
  }
  const o = parsed.data;
  return {
    ...(seed === undefined ? {} : { seed }),
    port: o.port,
    host: o.host,
    app: o.app,
    signingSecret: o.signingSecret,
    botToken: o.botToken,
    ...(o.appToken === undefined ? {} : { appToken: o.appToken }),
    events: o.events,
    timing: { ...DEFAULT_TIMING, ...o.timing },
    limits: {
      postMessagePerChannel: o.limits.postMessagePerChannel ?? { perSecond: 1, burst: 4 },
      tiers: o.limits.tiers ?? false,
    },
    maxBodyBytes: o.maxBodyBytes,
  };
}
