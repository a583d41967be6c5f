import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults, ServerErrorBody } from '../faults.js';
import { readBody } from '../read-body.js';
import { SlidingWindow } from '../sliding-window.js';
import type { ApiCall } from '../types.js';
import { appsMethods } from './apps-methods.js';
import { Args } from './args.js';
import { authMethods } from './auth-methods.js';
import { chatMethods } from './chat-methods.js';
import { conversationsMethods } from './conversations-methods.js';
import type { MethodContext, MethodTable, Tier, TokenType } from './method-spec.js';
import { RateLimitedError } from './rate-limited-error.js';
import { parseArguments } from './request-arguments.js';
import { SlackApiError } from './slack-api-error.js';
import { usersMethods } from './users-methods.js';
import { viewsMethods } from './views-methods.js';

export const METHODS: MethodTable = {
  ...authMethods,
  ...chatMethods,
  ...conversationsMethods,
  ...usersMethods,
  ...viewsMethods,
  ...appsMethods,
};

/** Calls per minute per tier, as documented (Slack tolerates short bursts above them). */
const TIER_PER_MINUTE: Record<Exclude<Tier, 'special'>, number> = { 1: 1, 2: 20, 3: 50, 4: 100 };

export interface WebApiOptions {
  context: MethodContext;
  botToken: string;
  appToken?: string;
  faults: Faults;
  /** Enforce per-method tier limits (off by default: they slow tests without teaching much). */
  tiers: boolean;
  maxBodyBytes: number;
  record(call: ApiCall): void;
  now?: () => number;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Sent instead of `body` as JSON (an edge's HTML error page, or nothing). */
  raw?: string;
}

/** A 5xx as Slack sends it: its JSON error, its edge's HTML page, or an empty body. */
function serverError(status: number, body: ServerErrorBody): Answer {
  if (body === 'json') return { status, body: { ok: false, error: 'internal_error' } };
  const html = `<html><head><title>${status} Service Unavailable</title></head><body><h1>${status}</h1></body></html>`;
  return {
    status,
    body: {},
    raw: body === 'html' ? html : '',
    headers: { 'content-type': body === 'html' ? 'text/html; charset=utf-8' : 'text/plain' },
  };
}

/**
 * Slack's Web API: `POST|GET /api/<method>` with a form, JSON or multipart body, the token
 * in `Authorization: Bearer` (or a `token` field), answered with `{ ok, … }` and HTTP 200,
 * or 429 with `Retry-After` when rate limited.
 */
export class WebApi {
  private readonly window: SlidingWindow;
  private readonly hanging = new Set<{ timer: NodeJS.Timeout; req: IncomingMessage }>();
  private readonly now: () => number;

  constructor(private readonly options: WebApiOptions) {
    this.now = options.now ?? Date.now;
    this.window = new SlidingWindow(this.now);
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    query: URLSearchParams,
  ): Promise<void> {
    const at = this.now();
    const contentType = String(req.headers['content-type'] ?? '');
    const body = await readBody(req, this.options.maxBodyBytes);
    if (body === undefined) {
      this.answer(res, { status: 413, body: { ok: false, error: 'request_too_large' } });
      return;
    }
    const parsed = parseArguments(req.method ?? 'GET', query, contentType, body);
    const argsForLog = parsed.ok ? withoutToken(parsed.args) : {};
    const fault = this.options.faults.takeApiFault(method);
    if (fault?.kind === 'timeout') {
      // Carried out (when `processed`) but never answered: recorded with status 0 either way.
      const response = fault.processed ? this.call(req, method, parsed).answer.body : {};
      this.hang(req, fault.hangMs);
      this.options.record({ method, at, args: argsForLog, contentType, status: 0, response });
      return;
    }
    let answer: Answer;
    let tokenType: TokenType | undefined;
    if (fault?.kind === 'ratelimited') {
      answer = rateLimited(fault.retryAfterSeconds);
    } else if (fault?.kind === 'server_error') {
      answer = serverError(fault.status, fault.body);
    } else {
      const outcome = this.call(req, method, parsed);
      answer = outcome.answer;
      tokenType = outcome.tokenType;
    }
    this.answer(res, answer);
    const retryAfter = answer.headers?.['retry-after'];
    this.options.record({
      method,
      at,
      args: argsForLog,
      contentType,
      status: answer.status,
      response: answer.body,
      ...(tokenType ? { tokenType } : {}),
      ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}),
    });
  }

  private call(
    req: IncomingMessage,
    method: string,
    parsed: ReturnType<typeof parseArguments>,
  ): { answer: Answer; tokenType?: TokenType } {
    const spec = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!spec)
      return { answer: { status: 200, body: { ok: false, error: 'unknown_method', req_method: method } } };
    if (!parsed.ok) return { answer: { status: 200, body: { ok: false, error: parsed.error } } };
    const token = bearerToken(req.headers.authorization) ?? stringOrUndefined(parsed.args.token);
    if (token === undefined) return { answer: { status: 200, body: { ok: false, error: 'not_authed' } } };
    const tokenType = this.tokenType(token);
    if (tokenType === undefined)
      return { answer: { status: 200, body: { ok: false, error: 'invalid_auth' } } };
    if (tokenType !== spec.token) {
      return { answer: { status: 200, body: { ok: false, error: 'not_allowed_token_type' } }, tokenType };
    }
    const scopes = this.options.context.directory.app.scopes;
    const headers: Record<string, string> = {
      'x-accepted-oauth-scopes': spec.scopes.join(','),
      ...(tokenType === 'bot' ? { 'x-oauth-scopes': scopes.join(',') } : {}),
    };
    if (tokenType === 'bot' && spec.scopes.length > 0 && !spec.scopes.some((s) => scopes.includes(s))) {
      return {
        answer: {
          status: 200,
          headers,
          body: {
            ok: false,
            error: 'missing_scope',
            needed: spec.scopes.join(','),
            provided: scopes.join(','),
          },
        },
        tokenType,
      };
    }
    if (this.options.tiers && spec.tier !== 'special') {
      const admission = this.window.take(method, TIER_PER_MINUTE[spec.tier]);
      if (!admission.ok) return { answer: rateLimited(admission.retryAfterSeconds), tokenType };
    }
    const { token: _token, ...rest } = parsed.args;
    try {
      const result = spec.handler(this.options.context, new Args(rest));
      const body: Record<string, unknown> = { ok: true, ...result };
      if (parsed.warnings.length > 0) {
        body.warning = parsed.warnings.join(',');
        body.response_metadata = {
          ...(body.response_metadata as object | undefined),
          warnings: parsed.warnings,
        };
      }
      return { answer: { status: 200, headers, body }, tokenType };
    } catch (error) {
      if (error instanceof RateLimitedError)
        return { answer: rateLimited(error.retryAfterSeconds), tokenType };
      if (error instanceof SlackApiError) {
        return {
          answer: { status: 200, headers, body: { ok: false, error: error.error, ...error.extra } },
          tokenType,
        };
      }
      // A bug here must not take the local Slack down: answer as Slack does for its own failures.
      return { answer: { status: 200, headers, body: { ok: false, error: 'fatal_error' } }, tokenType };
    }
  }

  private tokenType(token: string): TokenType | undefined {
    if (token === this.options.botToken) return 'bot';
    if (this.options.appToken !== undefined && token === this.options.appToken) return 'app';
    return undefined;
  }

  private answer(res: ServerResponse, answer: Answer): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      ...answer.headers,
    });
    res.end(answer.raw ?? JSON.stringify(answer.body));
  }

  /** No answer, then a reset connection: what a client sees when Slack times out. */
  private hang(req: IncomingMessage, ms: number): void {
    const entry = {
      req,
      timer: setTimeout(() => {
        this.hanging.delete(entry);
        req.socket.destroy();
      }, ms),
    };
    this.hanging.add(entry);
    req.socket.once('close', () => {
      clearTimeout(entry.timer);
      this.hanging.delete(entry);
    });
  }

  close(): void {
    for (const entry of this.hanging) {
      clearTimeout(entry.timer);
      entry.req.socket.destroy();
    }
    this.hanging.clear();
  }
}

function rateLimited(retryAfterSeconds: number): Answer {
  return {
    status: 429,
    headers: { 'retry-after': String(retryAfterSeconds) },
    body: { ok: false, error: 'ratelimited' },
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withoutToken(args: Record<string, unknown>): Record<string, unknown> {
  const { token: _token, ...rest } = args;
  return rest;
}
