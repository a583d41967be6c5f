import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloodThrottle } from '../../src/ingest/flood-throttle.js';
import { type IngestServer, startIngestServer } from '../../src/ingest/ingest-server.js';
import { EventStore } from '../../src/store/event-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, labInventory, monBody, quietLogger } from './ingest-support.js';

// The ingest's HTTP handler under random requests, over real HTTP and a real Redis: every
// answer is one of its typed answers (JSON with an error name and reasons), never a 500, and
// the server keeps answering.

const inventory = labInventory({ secondCluster: true });
let ctx: ReturnType<typeof testRedis>;
let server: IngestServer;

beforeAll(async () => {
  ctx = testRedis();
  const keys = new Keys(ctx.prefix);
  server = await startIngestServer({
    port: 0,
    redis: ctx.redis,
    keys,
    events: new EventStore(ctx.redis, keys),
    incidents: new IncidentStore(ctx.redis, keys),
    inventory,
    token: INGEST_TOKEN,
    logger: quietLogger(),
    maxBodyBytes: 16 * 1024,
    throttle: new FloodThrottle({ burst: 1000, perSecond: 1000, recentMs: 60_000, maxRecent: 10_000 }),
  });
});
afterAll(async () => {
  await server?.close();
  await ctx?.cleanup();
});

/** The ingest's error names below 500 (src/ingest/ingest-error.ts): what senders act on. */
const TYPED = new Set([
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'unsupported_media_type',
  'body_too_large',
  'invalid_json',
  'invalid_body',
  'unknown_name',
  'throttled',
]);

interface Init {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request on a fresh connection (a pooled one may be closed by the server's idle timeout). */
function send(path: string, init: Init): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: init.method, headers: init.headers, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function expectTypedAnswer(path: string, init: Init): Promise<void> {
  const res = await send(path, init);
  const text = res.text;
  expect(res.status, text).toBeLessThan(500);
  const body = JSON.parse(text) as { error?: unknown; accepted?: unknown; message?: unknown };
  if (res.status === 202) {
    expect(body.accepted).toBe(true);
    return;
  }
  expect(typeof body.error, text).toBe('string');
  expect(typeof body.message, text).toBe('string');
  // A name we know, so senders can act on it (a new one would have to be added here on purpose).
  if (!TYPED.has(String(body.error))) expect.fail(`an error name senders do not know: ${text}`);
}

const hooks = fc.constantFrom('/hooks/mon', '/hooks/heartbeat', '/hooks/keepalived');
const auth = fc.oneof(
  fc.constant(`Bearer ${INGEST_TOKEN}`),
  fc.constant(`bearer ${INGEST_TOKEN}`),
  fc.constant(`Bearer ${INGEST_TOKEN} `),
  fc.constant(INGEST_TOKEN),
  fc.constant('Bearer '),
  fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 80 }),
);

/** Replaces one value somewhere in a JSON tree (a random path) with a random JSON value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key] = entries[path[0]! % entries.length]!;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string | number, unknown>;
  copy[key] = mutate((value as Record<string | number, unknown>)[key], path.slice(1), replacement);
  return copy;
}

describe('the ingest HTTP handler under random requests', { timeout: 240_000 }, () => {
  it('answers random bodies and tokens with a typed answer, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        hooks,
        fc.option(auth, { nil: undefined }),
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        async (path, authorization, body) => {
          await expectTypedAnswer(path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
            body,
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers a real alert with any one part replaced by random JSON with a typed answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 20 }), { maxLength: 4 }),
        fc.jsonValue({ maxDepth: 3 }),
        async (path, replacement) => {
          const body = mutate(monBody({ cluster: 'lab' }), path, replacement);
          await expectTypedAnswer('/hooks/mon', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
            body: JSON.stringify(body),
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers random methods, paths and content types with a typed answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS'),
        fc.oneof(
          hooks,
          fc.webPath(),
          fc.constantFrom('/hooks/', '/hooks/mon/', '/hooks/mon?x=1', '/hooks/../etc'),
        ),
        fc.oneof(
          fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
          fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e ]*$/.test(s)),
        ),
        async (method, path, contentType) => {
          const withBody = method !== 'GET' && method !== 'OPTIONS';
          await expectTypedAnswer(path.startsWith('/') ? path : `/${path}`, {
            method,
            headers: {
              authorization: `Bearer ${INGEST_TOKEN}`,
              ...(contentType && { 'content-type': contentType }),
            },
            ...(withBody && { body: JSON.stringify(monBody({ cluster: 'lab' })) }),
          });
        },
      ),
      { numRuns: 100 },
    );
    // Still serving after all that.
    expect((await send('/healthz', { method: 'GET', headers: {} })).status).toBe(200);
  });
});
