import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import { LINGER_BYTES } from '../../src/ingest/route-guard.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { signRequest } from '../../src/localslack/sign-request.js';
import { createLogger } from '../../src/log/logger.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { testRedis } from '../support/redis.js';
import {
  BOT_TOKEN,
  type HostileRig,
  INGEST_TOKEN,
  SIGNING_SECRET,
  startHostileRig,
  twoClusterInventory,
} from './hostile-support.js';
import { freePort } from './ingest-own-redis.js';

// Paths spelled so that a router reads them as /slack/events (or a hook) while a check in front
// of it does not: each is refused at the door (404), before its body is read, with no effect;
// the exact spelling, with a query string, gets every check. Requests are sent raw (node:http
// with a literal path, or a socket): fetch would resolve the dots and slashes itself.

let rig: HostileRig;
let subscriptions: SubscriptionStore;
let port: number;
beforeAll(async () => {
  rig = await startHostileRig();
  subscriptions = new SubscriptionStore(rig.redis, new Keys(rig.prefix));
  port = Number(new URL(rig.eventsUrl).port);
});
afterAll(async () => {
  await rig?.dispose();
});

/** Spellings of /slack/events that are not /slack/events. */
const SLACK_SPELLINGS = [
  '/x/../slack/events',
  '/slack/%2e/events',
  '/slack/%2E%2E/slack/events',
  '/slack/./events',
  '//slack/events',
  '/slack//events',
  '/slack/events/',
  '/Slack/Events',
  '/SLACK/EVENTS',
  '/slack%2Fevents',
  '/slack%2fevents',
  '/%2Fslack/events',
  '/slack\\events',
  '/slack/%65vents',
  'http://127.0.0.1/slack/events',
];

/** Spellings of the ingest's routes that are not theirs. */
const HOOK_SPELLINGS = ['/hooks/../hooks/mon', '/HOOKS/MON', '/hooks/mon/', '/hooks/%6Don', '//hooks/mon'];

const now = (): number => Math.floor(Date.now() / 1000);

function commandForm(text: string): string {
  return new URLSearchParams({
    team_id: 'T0LAB',
    channel_id: 'C0LVSOPS',
    user_id: 'U0OPERATOR',
    user_name: 'operator',
    command: '/lvs',
    text,
    api_app_id: 'A0LVSCHATOPS',
    response_url: 'http://127.0.0.1:9/unused',
    trigger_id: '1.2.3',
  }).toString();
}

interface Answer {
  status: number;
  body: string;
}

/** One request with its path sent exactly as given, on a connection of its own. */
function send(path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function subscribed(kind: string): Promise<boolean> {
  return (await subscriptions.list()).some((s) => s.kind === kind);
}

/**
 * Streams `total` bytes of body (chunked: no length to refuse it by), and keeps sending after
 * the answer's first bytes only if the server still reads: a server that answers but drains
 * the body reads it all. Resolves with the answer's status (0: none arrived).
 *
 * One chunk at a time, yielding to the event loop between chunks so an answer that arrived is
 * read before the next write: a write into a connection the server closed destroys the socket,
 * and with it an answer not yet read.
 */
function stream(
  path: string,
  headers: Record<string, string>,
  total: number,
  /** A hostile client: sends it all whatever the answer, unless the server cuts it off. */
  ignoreAnswer = false,
): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const head = Object.entries({ host: '127.0.0.1', 'transfer-encoding': 'chunked', ...headers })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.on('data', (data) => {
      response += data.toString('latin1');
      if (!ignoreAnswer && /\r\n\r\n/.test(response)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)));
    const next = () => setImmediate(() => setImmediate(writeNext));
    const writeNext = () => {
      if (socket.destroyed || (response && !ignoreAnswer)) return;
      if (sent >= total) {
        socket.write('0\r\n\r\n', () => ignoreAnswer && socket.destroy());
        return;
      }
      sent += chunk.length;
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n', next);
    };
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`, next);
  });
}

/** Bytes this process has read (sockets included), and its peak resident set since `resetPeak`. */
function io(): { read: number; peakKb: number; residentKb: number } {
  const read = Number(/^rchar: (\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { read, peakKb: kb('VmHWM'), residentKb: kb('VmRSS') };
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current resident set. */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

describe('the HTTP server refuses oddly spelled paths before reading them', () => {
  it('a signed command from the future, to any other spelling of /slack/events: 404, no effect', async () => {
    const body = commandForm('subscribe cluster=lab kind=alert');
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signRequest(SIGNING_SECRET, body, now() + 3600),
    };
    for (const path of SLACK_SPELLINGS) {
      const answer = await send(path, headers, body);
      expect(answer.status, path).toBe(404);
    }
    // The exact spelling gets the guard: 401.
    expect((await send('/slack/events?x=1', headers, body)).status).toBe(401);
    expect(await subscribed('alert')).toBe(false);
  });

  it('a signed null body, to any other spelling of /slack/events: 404, answered at once', async () => {
    const headers = { 'content-type': 'application/json', ...signRequest(SIGNING_SECRET, 'null', now()) };
    for (const path of SLACK_SPELLINGS) {
      expect((await send(path, headers, 'null')).status, path).toBe(404);
    }
    expect((await send('/slack/events?x=1', headers, 'null')).status).toBe(400);
  });

  it('says which spelling to use when a path means a route', async () => {
    const answer = await send('/slack/%2e/events', { 'content-type': 'application/json' }, '{}');
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'not_found',
      message: '"/slack/%2e/events" is not how /slack/events is spelled; send it to /slack/events',
    });
    const hook = await send('/HOOKS/MON', { authorization: `Bearer ${INGEST_TOKEN}` }, '{}');
    expect(JSON.parse(hook.body).message).toContain('send it to /hooks/mon');
  });

  it('other spellings of the ingest routes are 404 too, and /slack/install is no route', async () => {
    for (const path of [...HOOK_SPELLINGS, '/slack/install', '/slack/oauth_redirect', '/slack/commands']) {
      const answer = await send(
        path,
        { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
        '{}',
      );
      expect(answer.status, path).toBe(404);
    }
  });

  it('12 MiB bodies to every other spelling: 404 before the body is read, memory flat', async () => {
    const total = 12 * 1024 * 1024;
    // Timestamped now: nothing in the headers alone is wrong.
    const slackHeaders = {
      'content-type': 'application/json',
      ...signRequest(SIGNING_SECRET, 'null', now()),
    };
    const hookHeaders = { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` };
    // Three of each at once: a server that held what it read would hold it all at the same time.
    const cases = [1, 2, 3].flatMap(() => [
      ...SLACK_SPELLINGS.map((path) => ({ path, headers: slackHeaders })),
      ...HOOK_SPELLINGS.map((path) => ({ path, headers: hookHeaders })),
    ]);
    resetPeak();
    const before = io();
    const statuses = await Promise.all(cases.map(({ path, headers }) => stream(path, headers, total)));
    const after = io();
    expect(statuses).toEqual(cases.map(() => 404));
    // Each refusal reads at most LINGER_BYTES of its 12 MiB (plus a read's worth either side),
    // some 24 MiB in all; reading or draining the bodies would read up to 720 MiB.
    expect(after.read - before.read).toBeLessThan(cases.length * (LINGER_BYTES + 128 * 1024));
    // Bolt reading them (to its 4 MB limit) held about 80 MiB at the peak here; refused, ~20.
    expect(after.peakKb - before.residentKb).toBeLessThan(48 * 1024);
    // A client that sends on whatever the answer is cut off after LINGER_BYTES: not drained.
    const once = cases.slice(0, SLACK_SPELLINGS.length + HOOK_SPELLINGS.length);
    const hostile = io();
    await Promise.all(once.map(({ path, headers }) => stream(path, headers, total, true)));
    expect(io().read - hostile.read).toBeLessThan(once.length * (LINGER_BYTES + 128 * 1024));
  });

  it('the exact spellings stop reading at their limit (413: Slack 4 MiB, ingest 1 MiB), and a 401 is not drained', async () => {
    const total = 12 * 1024 * 1024;
    const before = io();
    const slack = stream(
      '/slack/events?x=1',
      { 'content-type': 'application/json', ...signRequest(SIGNING_SECRET, 'null', now()) },
      total,
    );
    const hook = stream(
      '/hooks/mon',
      { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      total,
    );
    expect(await Promise.all([slack, hook])).toEqual([413, 413]);
    // 4 MiB + 1 MiB read, and what was in flight when each limit was passed; not 24 MiB.
    expect(io().read - before.read).toBeLessThan(12 * 1024 * 1024);
    // Refused before their bodies are read (from the future; no token), to a client that sends
    // on whatever the answer: cut off, not drained.
    const hostile = io();
    await Promise.all([
      stream(
        '/slack/events',
        { 'content-type': 'application/json', ...signRequest(SIGNING_SECRET, 'null', now() + 3600) },
        total,
        true,
      ),
      stream('/hooks/mon', { 'content-type': 'application/json' }, total, true),
    ]);
    expect(io().read - hostile.read).toBeLessThan(2 * (LINGER_BYTES + 128 * 1024));
  });

  it('a declared length over 4 MiB is 413 before any of the body is sent', async () => {
    for (const path of ['/slack/events', '/hooks/mon']) {
      const status = await new Promise<number>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let response = '';
        socket.on('data', (data) => {
          response += data.toString('latin1');
          socket.destroy();
        });
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)));
        // The headers only: the answer comes without waiting for the 12 MiB.
        socket.write(
          `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${12 * 1024 * 1024}\r\n\r\n`,
        );
      });
      expect(status, path).toBe(413);
    }
  });

  it('keeps serving a correctly signed command afterwards', async () => {
    const body = commandForm('subscribe cluster=lab kind=failover');
    const answer = await send(
      '/slack/events',
      { 'content-type': 'application/x-www-form-urlencoded', ...signRequest(SIGNING_SECRET, body, now()) },
      body,
    );
    expect(answer.status).toBe(200);
    expect(await subscribed('failover')).toBe(true);
  });
});

describe('in Socket Mode, the ingest routes Bolt serves have the same door', () => {
  let socketBot: RunningBot;
  let slack: LocalSlack;
  let redis: ReturnType<typeof testRedis>;
  beforeAll(async () => {
    redis = testRedis();
    const appToken = 'xapp-1-A0LVSCHATOPS-0000-paths-test';
    slack = await startLocalSlack({
      app: { socketMode: true },
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      appToken,
    });
    socketBot = await startBot({
      env: readEnv({
        INGEST_TOKEN,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: appToken,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(await freePort()),
      }),
      inventory: twoClusterInventory(),
      logger: createLogger({ level: 'silent' }),
      keys: new Keys(redis.prefix),
    });
    // The helpers above send to `port`; this describe's requests go to this bot.
    port = socketBot.port;
  });
  afterAll(async () => {
    await socketBot?.close();
    await slack?.close();
    await redis?.cleanup();
  });

  it('other spellings of the hooks are 404 before their bodies are read', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` };
    for (const path of HOOK_SPELLINGS) {
      expect((await send(path, headers, '{}')).status, path).toBe(404);
    }
    const before = io();
    const statuses = await Promise.all(HOOK_SPELLINGS.map((path) => stream(path, headers, 12 * 1024 * 1024)));
    expect(statuses).toEqual(HOOK_SPELLINGS.map(() => 404));
    expect(io().read - before.read).toBeLessThan(HOOK_SPELLINGS.length * (LINGER_BYTES + 128 * 1024));
    // A client that sends on whatever the answer is cut off, wherever Bolt would have routed it.
    const hostile = io();
    await Promise.all(HOOK_SPELLINGS.map((path) => stream(path, headers, 12 * 1024 * 1024, true)));
    expect(io().read - hostile.read).toBeLessThan(HOOK_SPELLINGS.length * (LINGER_BYTES + 128 * 1024));
    // The exact spelling reaches the hook and its checks: an empty body is not a mon alert.
    expect((await send('/hooks/mon', headers, '{}')).status).toBe(400);
  });
});
