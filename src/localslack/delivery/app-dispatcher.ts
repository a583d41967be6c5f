import { randomBytes } from 'node:crypto';
import type { Faults } from '../faults.js';
import type { IdFactory } from '../id-factory.js';
import { signRequest } from '../sign-request.js';
import type { Ack, Delivery, DeliveryKind, LocalSlackEvent } from '../types.js';
import { postToApp } from './post-to-app.js';
import type { SocketModeServer } from './socket-mode-server.js';

/** Where Slack sends the app's payloads: its request URL (HTTP mode), or its sockets. */
export type AppTarget = { requestUrl: string } | { socketMode: true };

export interface AppDispatcherOptions {
  target: AppTarget;
  signingSecret: string;
  faults: Faults;
  socket: SocketModeServer;
  ids: IdFactory;
  ackDeadlineMs: number;
  /** Waits before each Events API retry (Slack: nearly immediately, 1 min, 5 min). */
  eventRetryDelaysMs: number[];
  emit(event: LocalSlackEvent): void;
}

type Attempt = Ack & { nextReason?: string; noRetry?: boolean };

const USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';
const STALE_SECONDS = 6 * 60;

/** The app's answer body: JSON when it parses, `{ text }` for plain text, undefined when empty. */
function answerBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return { text: raw };
  }
}

function emptyToUndefined(payload: unknown): unknown {
  if (payload === undefined || payload === null) return undefined;
  if (typeof payload === 'object' && Object.keys(payload).length === 0) return undefined;
  return payload;
}

/**
 * Delivers slash commands, interactions and events to the app as Slack does: over HTTP,
 * form-encoded or JSON and signed (v0), or as Socket Mode envelopes; waits for the ack
 * until the 3-second deadline; retries events that were not acknowledged.
 */
export class AppDispatcher {
  private readonly log: Delivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  target: AppTarget;

  constructor(private readonly options: AppDispatcherOptions) {
    this.target = options.target;
  }

  deliveries(kind?: DeliveryKind): Delivery[] {
    return structuredClone(kind ? this.log.filter((d) => d.kind === kind) : this.log);
  }

  /** One attempt, no retries: slash commands and interactions. */
  async deliver(
    kind: DeliveryKind,
    payload: Record<string, unknown>,
  ): Promise<{ delivery: Delivery; ack: Ack }> {
    const delivery: Delivery = { kind, payload: structuredClone(payload), attempts: [] };
    this.log.push(delivery);
    const ack = await this.attempt(delivery, 0);
    return { delivery, ack: strip(ack) };
  }

  /**
   * An Events API delivery: resolves with the first attempt; failed attempts are retried in
   * the background with `x-slack-retry-num`/`retry_attempt`, up to three times.
   */
  deliverEvent(payload: Record<string, unknown>): Promise<{ delivery: Delivery; ack: Ack }> {
    const delivery: Delivery = { kind: 'events_api', payload: structuredClone(payload), attempts: [] };
    this.log.push(delivery);
    return this.attempt(delivery, 0).then((first) => {
      void this.retry(delivery, first, 0);
      return { delivery, ack: strip(first) };
    });
  }

  private async retry(delivery: Delivery, previous: Attempt, done: number): Promise<void> {
    const delay = this.options.eventRetryDelaysMs[done];
    if (previous.ok || previous.noRetry || delay === undefined || this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, delay);
      this.timers.add(timer);
    });
    if (this.closed) return;
    const next = await this.attempt(delivery, done + 1, previous.nextReason);
    await this.retry(delivery, next, done + 1);
  }

  private async attempt(delivery: Delivery, retryNum: number, retryReason?: string): Promise<Attempt> {
    const attempt =
      'requestUrl' in this.target
        ? await this.overHttp(this.target.requestUrl, delivery, retryNum, retryReason)
        : await this.overSocket(delivery, retryNum, retryReason);
    const ack = strip(attempt);
    delivery.attempts.push(ack);
    this.options.emit({ type: 'delivery', delivery: structuredClone(delivery), attempt: ack });
    return attempt;
  }

  private async overHttp(
    url: string,
    delivery: Delivery,
    retryNum: number,
    retryReason?: string,
  ): Promise<Attempt> {
    const { body, contentType } = httpBody(delivery);
    const fault = this.options.faults.takeSigningFault();
    const now = Math.floor(Date.now() / 1000);
    const timestamp = fault === 'stale' ? now - STALE_SECONDS : now;
    const secret = fault === 'forged' ? randomBytes(16).toString('hex') : this.options.signingSecret;
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': USER_AGENT,
      accept: 'application/json,*/*',
      ...signRequest(secret, body, timestamp),
    };
    if (retryNum > 0) {
      headers['x-slack-retry-num'] = String(retryNum);
      headers['x-slack-retry-reason'] = retryReason ?? 'http_error';
    }
    const base = {
      transport: 'http' as const,
      retryNum,
      ...(retryNum > 0 ? { retryReason: retryReason ?? 'http_error' } : {}),
    };
    const outcome = await postToApp(url, headers, body, this.options.ackDeadlineMs);
    if (outcome.kind === 'timeout') {
      return { ...base, ok: false, error: 'operation_timeout', nextReason: 'http_timeout' };
    }
    if (outcome.kind === 'failed') {
      return { ...base, ok: false, error: 'dispatch_failed', nextReason: 'connection_failed' };
    }
    const answer = answerBody(outcome.body);
    const answered = {
      ...base,
      status: outcome.status,
      ackMs: outcome.ms,
      ...(answer === undefined ? {} : { body: answer }),
      noRetry: outcome.headers['x-slack-no-retry'] === '1',
    };
    if (outcome.status >= 200 && outcome.status < 300) return { ...answered, ok: true };
    return { ...answered, ok: false, error: 'dispatch_failed', nextReason: 'http_error' };
  }

  private async overSocket(delivery: Delivery, retryNum: number, retryReason?: string): Promise<Attempt> {
    const envelopeId = this.options.ids.envelopeId();
    const type = delivery.payload.type;
    const acceptsResponse =
      delivery.kind === 'slash_commands' || type === 'view_submission' || type === 'block_suggestion';
    const outcome = await this.options.socket.send(
      {
        envelope_id: envelopeId,
        type: delivery.kind,
        payload: delivery.payload,
        accepts_response_payload: acceptsResponse,
        ...(delivery.kind === 'events_api'
          ? { retry_attempt: retryNum, retry_reason: retryReason ?? '' }
          : {}),
      },
      this.options.ackDeadlineMs,
    );
    const base = {
      transport: 'socket' as const,
      envelopeId,
      retryNum,
      ...(retryNum > 0 ? { retryReason: retryReason ?? 'timeout' } : {}),
    };
    if (outcome.kind === 'acked') {
      const body = emptyToUndefined(outcome.payload);
      return { ...base, ok: true, ackMs: outcome.ms, ...(body === undefined ? {} : { body }) };
    }
    if (outcome.kind === 'timeout')
      return { ...base, ok: false, error: 'operation_timeout', nextReason: 'timeout' };
    return { ...base, ok: false, error: 'dispatch_failed', nextReason: 'connection_failed' };
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function httpBody(delivery: Delivery): { body: string; contentType: string } {
  if (delivery.kind === 'events_api') {
    return { body: JSON.stringify(delivery.payload), contentType: 'application/json' };
  }
  if (delivery.kind === 'slash_commands') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(delivery.payload)) form.set(key, String(value));
    return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  const form = new URLSearchParams({ payload: JSON.stringify(delivery.payload) });
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

function strip(attempt: Attempt): Ack {
  const { nextReason: _next, noRetry: _noRetry, ...ack } = attempt;
  return ack;
}
