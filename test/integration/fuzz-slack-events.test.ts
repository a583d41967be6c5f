import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/localslack/sign-request.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { type HostileRig, SIGNING_SECRET, startHostileRig } from './hostile-support.js';

// The bot's Slack request verifier (Bolt's HTTP receiver and our timestamp check) under random
// requests to /slack/events: unsigned or badly signed ones are refused with 401 whatever they
// carry; signed garbage gets a 4xx or an answer, never a 500; nothing is queued or stored.

let rig: HostileRig;
beforeAll(async () => {
  rig = await startHostileRig();
});
afterAll(async () => {
  await rig?.dispose();
});

/** One request on a fresh connection; the status the bot answered. */
function send(body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(rig.eventsUrl, { method: 'POST', headers, agent: false });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const headerText = fc.string({ maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/json',
  'text/plain',
  'multipart/form-data',
);
const body = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => `payload=${encodeURIComponent(JSON.stringify(v))}`),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }))
    .map((d) => new URLSearchParams(d).toString()),
  fc.constant(
    'command=%2Flvs&text=subscribe+kind%3Djob&user_id=U0APPROVER&channel_id=C0LVSOPS&team_id=T0LAB',
  ),
);
const now = (): number => Math.floor(Date.now() / 1000);

describe('/slack/events under random requests', { timeout: 240_000 }, () => {
  it('refuses every request whose signature or timestamp is not right with 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.oneof(
          headerText.map((s) => ({ signature: s, ts: String(now()) })),
          headerText.map((s) => ({ signature: `v0=${s}`, ts: String(now()) })),
          fc.record({ signature: headerText, ts: headerText }),
          // Right secret, wrong moment: stale or from the future by more than 5 minutes.
          fc
            .integer({ min: 301, max: 10 ** 9 })
            .chain((d) => fc.constantFrom(now() - d, now() + d))
            .map((ts) => ({ signature: '', ts: String(ts), signWith: SIGNING_SECRET })),
          // Another secret, right moment.
          headerText.map((secret) => ({ signature: '', ts: String(now()), signWith: `x${secret}` })),
        ),
        async (text, type, sig) => {
          const signWith = (sig as { signWith?: string }).signWith;
          const signature =
            signWith === undefined
              ? sig.signature
              : `v0=${createHmac('sha256', signWith).update(`v0:${sig.ts}:${text}`).digest('hex')}`;
          const status = await send(text, {
            'content-type': type,
            'x-slack-request-timestamp': sig.ts,
            'x-slack-signature': signature,
          });
          expect(status).toBe(401);
        },
      ),
      { numRuns: 150 },
    );
    expect(await rig.jobCount()).toBe(0);
  });

  it('answers signed random bodies with a 2xx or 4xx, never a 500, and queues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (text, type) => {
        await rig.resetRateLimit();
        const status = await send(text, {
          'content-type': type,
          ...signRequest(SIGNING_SECRET, text, now()),
        });
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    expect(await rig.jobCount()).toBe(0);
    expect(await rig.auditCount()).toBe(0);
    // The only command among the bodies is a subscription by a user with rights; the rest stored nothing.
    const subs = await new SubscriptionStore(rig.redis, new Keys(rig.prefix)).list();
    expect(subs.every((s) => s.kind === 'job' && s.channel === 'C0LVSOPS')).toBe(true);
    // Still serving.
    const help = await rig.slack.command('/lvs help', { user: 'U0OTHER', channel: 'C0LVSOPS' });
    expect(JSON.stringify(help.ack.body)).toContain('/lvs drain');
  });
});
