import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { type IngestSender, type IngestToken, SHARED_SENDER } from '../config/ingest-tokens.js';
import type { Inventory } from '../config/inventory.js';
import type { LvsEvent } from '../core/events/event.js';
import type { Logger } from '../log/logger.js';
import type { Admission, EventStore } from '../store/event-store.js';
import type { IncidentStore } from '../store/incident-store.js';
import { Keys } from '../store/keys.js';
import { checkClaim, checkEvent, type SenderClaim } from './check-sender.js';
import type { FloodThrottle } from './flood-throttle.js';
import { IngestError } from './ingest-error.js';
import { IngestKeyring } from './ingest-keyring.js';
import { type HookSource, IngestMetrics } from './ingest-metrics.js';
import { generatedMonDepends } from './normalize/mon-depends.js';
import type { MonDepends, NormalizeContext } from './normalize/normalize-context.js';
import { normalizeHeartbeat } from './normalize/normalize-heartbeat.js';
import { normalizeKeepalived } from './normalize/normalize-keepalived.js';
import { normalizeMon } from './normalize/normalize-mon.js';
import { readBody } from './read-body.js';
import { dropBody } from './route-guard.js';
import { heartbeatEventSchema } from './schemas/heartbeat-event.js';
import { keepalivedNotifySchema } from './schemas/keepalived-notify.js';
import { monAlertSchema } from './schemas/mon-alert.js';
import { SenderRefused } from './sender-refused.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface IngestHandlerOptions {
  /** For /healthz and /metrics. Give it `enableOfflineQueue: false` so a Redis outage answers 503 at once. */
  redis: Redis;
  keys?: Keys;
  events: EventStore;
  incidents: IncidentStore;
  /** The inventory, or a function returning the current one (after a reload). */
  inventory: Inventory | (() => Inventory);
  /**
   * INGEST_TOKEN: what senders present as `Authorization: Bearer …`; it speaks for every
   * cluster and host. Give `tokens` instead (or as well) for tokens that speak for less.
   */
  token?: string;
  /** Every token the ingest accepts and who each speaks for (src/config/ingest-tokens.ts). */
  tokens?: readonly IngestToken[];
  logger: Logger;
  metrics?: IngestMetrics;
  /** Per-source flood throttling; false turns it off. */
  throttle?: FloodThrottle | false;
  maxBodyBytes?: number;
  /** mon's depend lines; by default those of the generated mon.cf (`lvs-chatops gen mon.cf`). */
  monDepends?: MonDepends;
  now?: () => number;
}

/** A route as Bolt's HTTPReceiver takes it in `customRoutes`. */
export interface IngestRoute {
  path: string;
  method: string | string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The ingest as one framework-free `(req, res)` handler: mount it in a plain node:http
 * server (startIngestServer) or, through `routes`, in Bolt's HTTPReceiver `customRoutes`.
 */
export interface IngestHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether the request's path is one the ingest answers. */
  handles(req: IncomingMessage): boolean;
  routes: IngestRoute[];
  metrics: IngestMetrics;
}

/** One /hooks/* endpoint: its body schema and how a valid body becomes an event. */
interface Hook {
  source: HookSource;
  /** Parses the body (IngestError 400 when it is not this hook's), keeping what it claims about its sender. */
  parse(json: unknown): ParsedBody;
}

/** A valid body: who it says it is from, and how it becomes an event (422 for unknown names). */
interface ParsedBody extends SenderClaim {
  /** `cluster` fills in a body that names none (the one cluster its token speaks for). */
  toEvent(ctx: NormalizeContext, cluster: string | undefined): LvsEvent;
}

function defineHook<T extends { hostname: string; cluster?: string | undefined }>(
  source: HookSource,
  schema: z.ZodType<T>,
  normalize: (body: T, ctx: NormalizeContext) => LvsEvent,
): Hook {
  return {
    source,
    parse(json) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new IngestError(
          'invalid_body',
          `the body is not a ${source} event this ingest understands`,
          parsed.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
        );
      }
      const body = parsed.data;
      return {
        cluster: body.cluster,
        hostname: body.hostname,
        toEvent: (ctx, cluster) =>
          normalize(body.cluster === undefined && cluster !== undefined ? { ...body, cluster } : body, ctx),
      };
    },
  };
}

const HOOKS: Record<string, Hook> = {
  '/hooks/mon': defineHook('mon', monAlertSchema, normalizeMon),
  '/hooks/heartbeat': defineHook('heartbeat', heartbeatEventSchema, normalizeHeartbeat),
  '/hooks/keepalived': defineHook('keepalived', keepalivedNotifySchema, normalizeKeepalived),
};

const PATHS = [...Object.keys(HOOKS), '/healthz', '/metrics'];

export function createIngestHandler(opts: IngestHandlerOptions): IngestHandler {
  const keys = opts.keys ?? new Keys();
  const metrics = opts.metrics ?? new IngestMetrics();
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = opts.now ?? Date.now;
  const inventory = typeof opts.inventory === 'function' ? opts.inventory : () => opts.inventory as Inventory;
  // mon's depend lines: an alert of a service whose dependency is down folds under that incident.
  const monDepends = opts.monDepends ?? generatedMonDepends(inventory);
  const log = opts.logger;
  const keyring = new IngestKeyring([
    ...(opts.token === undefined ? [] : [{ sender: SHARED_SENDER, secret: opts.token }]),
    ...(opts.tokens ?? []),
  ]);
  const throttleWarnings = new ThrottleWarnings(log, now);

  async function hook(path: string, hookDef: Hook, req: IncomingMessage, res: ServerResponse) {
    const { source } = hookDef;
    let sender: IngestSender | undefined;
    let hostname: string | undefined;
    try {
      if (req.method !== 'POST') {
        throw new IngestError('method_not_allowed', `${path} takes POST`, [
          `method: ${req.method} is not POST`,
        ]);
      }
      sender = keyring.senderOf(req.headers.authorization);
      if (sender === undefined) {
        throw new IngestError('unauthorized', 'missing or wrong ingest token', [
          'authorization: send "Authorization: Bearer TOKEN" with INGEST_TOKEN or a token of the cluster\'s ingest.tokens (LVS_CHATOPS_TOKEN on the sending host)',
        ]);
      }
      const type = req.headers['content-type'];
      if (type !== undefined && !/^application\/json\b/i.test(type)) {
        throw new IngestError('unsupported_media_type', `the body must be JSON, not ${type}`, [
          `content-type: ${type} is not application/json`,
        ]);
      }
      const raw = await readBody(req, maxBodyBytes);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new IngestError('invalid_json', 'the body is not JSON', [
          `body: ${error instanceof Error ? error.message : String(error)}`,
        ]);
      }
      const body = hookDef.parse(json);
      hostname = body.hostname;
      const current = inventory();
      // Who the body says it is from is checked against the token before anything else is read.
      const implied = checkClaim(sender, body, current);
      const event = body.toEvent({ inventory: current, receivedAt: now(), monDepends }, implied);
      const bucket = checkEvent(sender, body.hostname, event, current);
      let admission: Admission;
      try {
        admission = await opts.events.admit(
          event,
          opts.throttle ? opts.throttle.gate(bucket, event) : undefined,
        );
      } catch (error) {
        log.error({ err: error, source }, 'ingest: Redis refused the event; answering 503');
        throw new IngestError(
          'store_unavailable',
          'the event store (Redis) is unavailable; send it again later',
          [],
          5,
        );
      }
      if (admission.kind === 'throttled') {
        const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
        throttleWarnings.refused(source, bucket, body.hostname, sender.name, seconds);
        throw new IngestError(
          'throttled',
          `${body.hostname} sends the same report too often; try again in ${seconds}s`,
          [`${body.hostname}: repeats of this report are throttled (new reports still pass)`],
          seconds,
        );
      }
      if (admission.kind === 'duplicate') {
        metrics.duplicate.inc({ source });
        send(res, 202, { id: event.id, accepted: true, duplicate: true });
      } else {
        metrics.accepted.inc({ source });
        send(res, 202, { id: event.id, accepted: true });
      }
    } catch (error) {
      if (!(error instanceof IngestError)) log.error({ err: error, source }, 'ingest: failed on a request');
      const refusal =
        error instanceof IngestError
          ? error
          : new IngestError(
              'internal',
              'the ingest failed on this body (a bug: see the bot log); send it again later',
            );
      metrics.rejected.inc({ source, status: String(refusal.status) });
      if (refusal.status === 401 || refusal.status === 403 || refusal.status === 429) {
        metrics.refusedSenders.inc({
          sender: sender?.name ?? 'none',
          reason: refusal instanceof SenderRefused ? refusal.reason : refusal.code,
        });
      }
      // A throttled flood is logged by throttleWarnings, once a minute per sender, not per request.
      if (refusal.status < 500 && refusal.code !== 'throttled') {
        log.warn(
          {
            source,
            status: refusal.status,
            reasons: refusal.reasons,
            ...(sender && { tokenName: sender.name }),
            ...(hostname !== undefined && { sender: hostname }),
            ...(refusal instanceof SenderRefused && { refusal: refusal.reason }),
          },
          `ingest: ${refusal.message}`,
        );
      }
      // A body refused unread (no token, wrong type) is not read to its end either.
      dropBody(req);
      const headers: Record<string, string> = {};
      if (refusal.retryAfterSeconds !== undefined) headers['retry-after'] = String(refusal.retryAfterSeconds);
      if (refusal.status === 401) headers['www-authenticate'] = 'Bearer realm="lvs-chatops ingest"';
      if (refusal.status === 405) headers.allow = 'POST';
      if (refusal.status === 413) headers.connection = 'close';
      send(res, refusal.status, refusal.toJSON(), headers);
    }
  }

  async function healthz(res: ServerResponse) {
    try {
      await withTimeout(opts.redis.ping(), 2000);
      send(res, 200, { ok: true, redis: 'up' });
    } catch (error) {
      send(res, 503, {
        ok: false,
        redis: 'down',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async function metricsRoute(res: ServerResponse) {
    try {
      const text = await withTimeout(
        metrics.render({
          redis: opts.redis,
          keys,
          events: opts.events,
          incidents: opts.incidents,
          inventory: inventory(),
        }),
        5000,
      );
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
    } catch (error) {
      send(res, 503, { ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  const handler = (async (req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req);
    const hookDef = HOOKS[path];
    if (hookDef) return hook(path, hookDef, req, res);
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return healthz(res);
    if (path === '/metrics' && req.method === 'GET') return metricsRoute(res);
    dropBody(req);
    send(res, 404, { error: 'not_found', message: `no ${req.method} ${path} here; try ${PATHS.join(', ')}` });
  }) as IngestHandler;
  handler.handles = (req) => PATHS.includes(pathOf(req));
  handler.metrics = metrics;
  handler.routes = [
    ...Object.keys(HOOKS).map((path) => ({ path, method: ['POST'], handler: bolt(handler) })),
    { path: '/healthz', method: ['GET', 'HEAD'], handler: bolt(handler) },
    { path: '/metrics', method: ['GET'], handler: bolt(handler) },
  ];
  return handler;
}

/** Bolt's routes return void; the handler answers every request itself and never rejects. */
function bolt(handler: IngestHandler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handler(req, res);
  };
}

/**
 * The path as the request spells it, without the query. Not normalised: a router in front
 * (Bolt's, in Socket Mode) may take `/HOOKS/MON` or `/hooks/../hooks/mon` for a route, and
 * such a spelling gets 404 here rather than a hook (route-guard.ts says why).
 */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The warning for a sender held back by the flood throttle: the first refusal, then at most
 * one a minute with how many were refused meanwhile. One line per refused request would turn an
 * alert storm into a log storm (the bench's 5,000 repeats wrote 600 lines in 20 s).
 */
class ThrottleWarnings {
  private readonly last = new Map<string, { at: number; refused: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** `bucket` is what the throttle counted (the token, and the host it spoke as). */
  refused(
    source: HookSource,
    bucket: string,
    sender: string,
    tokenName: string,
    retryAfterSeconds: number,
  ): void {
    const key = `${source}\0${bucket}`;
    const t = this.now();
    const seen = this.last.get(key);
    if (seen && t - seen.at < 60_000) {
      seen.refused++;
      return;
    }
    const meanwhile = seen ? seen.refused : 0;
    this.last.delete(key);
    this.last.set(key, { at: t, refused: 0 });
    // Buckets are bounded by the tokens and the inventory; keep the memory bounded all the same.
    if (this.last.size > 1000) this.last.delete(this.last.keys().next().value!);
    this.log.warn(
      { source, sender, tokenName, status: 429, retryAfterSeconds, refusedSinceLastWarning: meanwhile },
      `ingest: ${sender} sends the same report too often; its repeats are refused for ${retryAfterSeconds}s${meanwhile > 0 ? ` (${meanwhile} more refused in the last minute)` : ''}`,
    );
  }
}
