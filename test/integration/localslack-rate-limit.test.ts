import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIRateLimitedError,
  WebClient,
  WebClientEvent,
  type WebClientOptions,
} from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalSlack, type LocalSlackOptions, startLocalSlack } from '../../src/localslack/index.js';

const BOT_TOKEN = 'xoxb-0000000000-rate-limit-test';

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

let slack: LocalSlack | undefined;

async function start(options: Partial<LocalSlackOptions> = {}): Promise<LocalSlack> {
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: 'secret',
    botToken: BOT_TOKEN,
    ...options,
  });
  return slack;
}

function client(s: LocalSlack, options: WebClientOptions = {}): WebClient {
  return new WebClient(BOT_TOKEN, {
    slackApiUrl: s.apiUrl,
    logger: silent,
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

describe('local Slack rate limits and failures', () => {
  it('answers HTTP 429 with Retry-After; @slack/web-api waits that long and retries, and the message is posted once', async () => {
    const s = await start();
    s.faults.rateLimit('chat.postMessage', { count: 1, retryAfter: 1 });
    const web = client(s);
    const waits: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => waits.push(seconds));
    const result = await web.chat.postMessage({ channel: 'C0LVSOPS', text: 'web-2 is down' });
    expect(result.ok).toBe(true);
    expect(waits).toEqual([1]);
    const calls = s.calls('chat.postMessage');
    expect(calls.map((c) => [c.status, c.response.error ?? 'ok'])).toEqual([
      [429, 'ratelimited'],
      [200, 'ok'],
    ]);
    expect(calls[0]?.retryAfter).toBe(1);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(s.messages('C0LVSOPS').map((m) => m.text)).toEqual(['web-2 is down']);
  });

  it('sends the 429 in Slack wire form: status, Retry-After header and ratelimited body', async () => {
    const s = await start();
    s.faults.rateLimit('*', { count: 1, retryAfter: 7 });
    const response = await fetch(`${s.apiUrl}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('limits chat.postMessage to about one per second per channel after a short burst', async () => {
    const s = await start({ limits: { postMessagePerChannel: { perSecond: 1, burst: 3 } } });
    const web = client(s, { rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        await web.chat.postMessage({ channel: 'C0LVSOPS', text: `progress ${i}` });
        outcomes.push('posted');
      } catch (error) {
        outcomes.push(error instanceof WebAPIRateLimitedError ? `429 retry ${error.retryAfter}s` : 'other');
      }
    }
    expect(outcomes).toEqual(['posted', 'posted', 'posted', '429 retry 1s', '429 retry 1s']);
    expect(s.messages('C0LVSOPS')).toHaveLength(3);
    // Another channel has its own allowance.
    await s.close();
    const other = await start({ limits: { postMessagePerChannel: { perSecond: 1, burst: 1 } } });
    const web2 = client(other, { rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    await web2.chat.postMessage({ channel: 'C0LVSOPS', text: 'a' });
    await web2.chat.postMessage({ channel: 'U0OPERATOR', text: 'b' });
    await expect(web2.chat.postMessage({ channel: 'C0LVSOPS', text: 'c' })).rejects.toBeInstanceOf(
      WebAPIRateLimitedError,
    );
  });

  it('enforces per-method tiers when asked: conversations.list (Tier 2) refuses the 21st call in a minute', async () => {
    const s = await start({ limits: { tiers: true } });
    const web = client(s, { rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    for (let i = 0; i < 20; i++) await web.conversations.list();
    await expect(web.conversations.list()).rejects.toBeInstanceOf(WebAPIRateLimitedError);
  });

  it('answers HTTP 500 when told to; the client sees WebAPIHTTPError without retries, and recovers with them', async () => {
    const s = await start();
    s.faults.serverError(1);
    await expect(client(s, { retryConfig: { retries: 0 } }).auth.test()).rejects.toBeInstanceOf(
      WebAPIHTTPError,
    );
    s.faults.serverError(1);
    const result = await client(s, {
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    }).auth.test();
    expect(result.ok).toBe(true);
    expect(s.calls('auth.test').map((c) => c.status)).toEqual([500, 500, 200]);
  });

  it('leaves a call unanswered when told to time out; a client with a timeout retries and succeeds', async () => {
    const s = await start();
    s.faults.timeout(1, { method: 'auth.test', hangMs: 5000 });
    const web = client(s, { timeout: 300, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 20 } });
    const result = await web.auth.test();
    expect(result.ok).toBe(true);
    expect(s.calls('auth.test').map((c) => c.status)).toEqual([0, 200]);
  });
});
