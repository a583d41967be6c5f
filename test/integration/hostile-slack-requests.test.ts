import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/localslack/sign-request.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { type HostileRig, SIGNING_SECRET, startHostileRig } from './hostile-support.js';

// Requests to /slack/events that Slack did not sign, or signed for another moment, are refused
// with 401 before Bolt reads them: the command they carry has no effect. Each request here asks
// for something visible (a subscription), so "no effect" can be checked in Redis.

let rig: HostileRig;
let subscriptions: SubscriptionStore;
beforeAll(async () => {
  rig = await startHostileRig();
  subscriptions = new SubscriptionStore(rig.redis, new Keys(rig.prefix));
});
afterAll(async () => {
  await rig?.dispose();
});

/** The form Slack posts for `/lvs subscribe cluster=lab kind=…` typed by U0OPERATOR (lab's operator) in #lvs-ops. */
function commandForm(text: string): string {
  return new URLSearchParams({
    token: 'verification-token-not-used',
    team_id: 'T0LAB',
    team_domain: 'lab',
    channel_id: 'C0LVSOPS',
    channel_name: 'lvs-ops',
    user_id: 'U0OPERATOR',
    user_name: 'operator',
    command: '/lvs',
    text,
    api_app_id: 'A0LVSCHATOPS',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/unused',
    trigger_id: '1.2.3',
  }).toString();
}

async function send(body: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(rig.eventsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  await res.text();
  return res.status;
}

const now = (): number => Math.floor(Date.now() / 1000);

async function subscribed(kind: string): Promise<boolean> {
  return (await subscriptions.list()).some((s) => s.kind === kind);
}

describe('Slack request signatures (HTTP mode)', () => {
  it('a correctly signed command is accepted (the control for the refusals below)', async () => {
    const body = commandForm('subscribe cluster=lab kind=job');
    expect(await send(body, signRequest(SIGNING_SECRET, body, now()))).toBe(200);
    expect(await subscribed('job')).toBe(true);
  });

  it('refuses a request with no signature headers, or only one of them (401, no effect)', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    const signed = signRequest(SIGNING_SECRET, body, now());
    expect(await send(body, {})).toBe(401);
    expect(await send(body, { 'x-slack-request-timestamp': signed['x-slack-request-timestamp'] })).toBe(401);
    expect(await send(body, { 'x-slack-signature': signed['x-slack-signature'] })).toBe(401);
    expect(await subscribed('alert')).toBe(false);
  });

  it('refuses a wrong signature: another secret, another body, another version, garbage (401, no effect)', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    const ts = now();
    const other = signRequest('not-the-signing-secret', body, ts);
    const otherBody = signRequest(SIGNING_SECRET, commandForm('help'), ts);
    const right = signRequest(SIGNING_SECRET, body, ts)['x-slack-signature'];
    const v1 = `v1=${createHmac('sha256', SIGNING_SECRET).update(`v1:${ts}:${body}`).digest('hex')}`;
    for (const signature of [
      other['x-slack-signature'],
      otherBody['x-slack-signature'],
      v1,
      right.toUpperCase(),
      right.slice(0, -1),
      'v0=',
      'v0',
      '',
      `${right}00`,
    ]) {
      expect(
        await send(body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature }),
      ).toBe(401);
    }
    // A signature made for one timestamp, sent with another.
    expect(
      await send(body, { 'x-slack-request-timestamp': String(ts - 1), 'x-slack-signature': right }),
    ).toBe(401);
    expect(await subscribed('alert')).toBe(false);
  });

  it('refuses a stale request, signed more than 5 minutes ago (401, no effect)', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    for (const age of [301, 3600, 86_400 * 365]) {
      expect(await send(body, signRequest(SIGNING_SECRET, body, now() - age))).toBe(401);
    }
    expect(await subscribed('alert')).toBe(false);
  });

  it('refuses a request from the future, timestamped more than 5 minutes ahead (401, no effect)', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    // The bot reads its clock when the request arrives, up to seconds later on a busy machine:
    // 301 s ahead of the test's clock can be 299 s ahead of the bot's, rightly accepted. 330 s is
    // over the limit by more than any delivery takes.
    for (const ahead of [330, 3600, 86_400 * 365]) {
      expect(await send(body, signRequest(SIGNING_SECRET, body, now() + ahead))).toBe(401);
    }
    expect(await subscribed('alert')).toBe(false);
  });

  it('refuses a timestamp that is not a number, even when signed over it (401, no effect)', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    for (const ts of ['abc', '', '1e99', '-1', 'NaN', 'Infinity']) {
      const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
      expect(await send(body, { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature })).toBe(401);
    }
    expect(await subscribed('alert')).toBe(false);
  });

  it('refuses a signed request whose interactivity payload is forged afterwards (401, no effect)', async () => {
    const original = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'U0OTHER' } }))}`;
    const headers = signRequest(SIGNING_SECRET, original, now());
    const forged = original.replace('U0OTHER', 'U0APPROVER');
    expect(await send(forged, headers)).toBe(401);
    expect(await rig.jobCount()).toBe(0);
  });

  it('answers a signed body that is not an object with 400, at once, and keeps serving', async () => {
    // Found by the fuzz test: Bolt reads `body.ssl_check` of `null` and never answers.
    const cases: [string, string][] = [
      ['null', 'application/json'],
      ['[1,2]', 'application/json'],
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['payload=%5B%5D', 'application/x-www-form-urlencoded'],
    ];
    for (const [body, type] of cases) {
      const status = await send(body, { 'content-type': type, ...signRequest(SIGNING_SECRET, body, now()) });
      expect(status, body).toBe(400);
    }
    // Unsigned, the same bodies are refused as forgeries first.
    expect(await send('null', { 'content-type': 'application/json' })).toBe(401);
    const body = commandForm('subscribe cluster=lab kind=failover');
    expect(await send(body, signRequest(SIGNING_SECRET, body, now()))).toBe(200);
    expect(await subscribed('failover')).toBe(true);
  });
});
