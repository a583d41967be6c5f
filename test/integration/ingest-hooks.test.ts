import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { FloodThrottle } from '../../src/ingest/flood-throttle.js';
import { type IngestServer, startIngestServer } from '../../src/ingest/ingest-server.js';
import { createLogger } from '../../src/log/logger.js';
import { EventStore } from '../../src/store/event-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { OwnRedis } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger } from './ingest-support.js';

const inventory = labInventory({ secondCluster: true });
let ctx: ReturnType<typeof testRedis>;
let keys: Keys;
let server: IngestServer;
let events: EventStore;

async function stored(): Promise<LvsEvent[]> {
  const entries = await ctx.redis.xrange(keys.eventStream(), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as LvsEvent);
}

/** What the ingest logged at warn and above, as pino wrote it. */
let logged: { msg: string; sender?: string }[] = [];

beforeEach(async () => {
  logged = [];
  ctx = testRedis();
  keys = new Keys(ctx.prefix);
  events = new EventStore(ctx.redis, keys);
  server = await startIngestServer({
    port: 0,
    redis: ctx.redis,
    keys,
    events,
    incidents: new IncidentStore(ctx.redis, keys),
    inventory,
    token: INGEST_TOKEN,
    logger: createLogger({
      level: 'warn',
      destination: {
        write: (line: string) => {
          logged.push(JSON.parse(line) as { msg: string; sender?: string });
        },
      },
    }),
    maxBodyBytes: 64 * 1024,
    throttle: new FloodThrottle({
      burst: 5,
      perSecond: 1,
      recentMs: 60_000,
      maxRecent: 100,
    }),
  });
});
afterEach(async () => {
  await server.close();
  await ctx.cleanup();
});

describe('POST /hooks/mon', () => {
  it('stores the alert as an event about the inventory real server before answering 202 with its id', async () => {
    const body = monBody({ server: 2 });
    const answer = await post(server.url, '/hooks/mon', body);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ id: body.id, accepted: true });
    const [event, ...more] = await stored();
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      id: body.id,
      source: 'mon',
      kind: 'alert',
      status: 'down',
      cluster: 'lab',
      group: 'web-2',
      service: 'http',
      host: 'web-2',
      target: {
        protocol: 'tcp',
        vip: '10.200.0.100',
        port: 80,
        realServer: 'web-2',
        realServerPort: 80,
        weight: 1,
        forwarding: 'dr',
      },
      summary: '10.200.1.12',
      detail: 'connect to 10.200.1.12:80 refused',
    });
  });

  it('turns an upalert into an up event', async () => {
    await post(server.url, '/hooks/mon', monBody({ type: 'up' }));
    expect((await stored())[0]).toMatchObject({ status: 'up', host: 'web-2' });
  });

  it('refuses a request without the token, or with a wrong one, with 401 and stores nothing', async () => {
    const none = await post(server.url, '/hooks/mon', monBody(), { token: null });
    const wrong = await post(server.url, '/hooks/mon', monBody(), { token: `${INGEST_TOKEN}x` });
    const prefix = await post(server.url, '/hooks/mon', monBody(), { token: INGEST_TOKEN.slice(0, 5) });
    for (const a of [none, wrong, prefix]) {
      expect(a.status).toBe(401);
      expect(a.body.error).toBe('unauthorized');
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(await stored()).toHaveLength(0);
  });

  it('refuses a body larger than the limit with 413 and stores nothing', async () => {
    const body = monBody();
    (body.stdin as { detail: string }).detail = 'x'.repeat(100 * 1024);
    const answer = await post(server.url, '/hooks/mon', body);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('body_too_large');
    expect(await stored()).toHaveLength(0);
  });

  it('answers 400 with the reasons for a body that is not JSON or not a mon alert', async () => {
    const notJson = await post(server.url, '/hooks/mon', null, { raw: '{"kind": "mon-alert",' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('invalid_json');

    const body = monBody();
    delete (body.mon as Record<string, unknown>).group;
    (body as Record<string, unknown>).id = 'x';
    const wrong = await post(server.url, '/hooks/mon', body);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_body');
    const reasons = wrong.body.reasons as string[];
    expect(reasons.some((r) => r.startsWith('id: '))).toBe(true);
    expect(reasons.some((r) => r.startsWith('mon.group: '))).toBe(true);

    const keepalivedAtMon = await post(server.url, '/hooks/mon', { kind: 'keepalived-notify' });
    expect(keepalivedAtMon.status).toBe(400);
    expect(await stored()).toHaveLength(0);
  });

  it('answers 422 naming the closest inventory names for an unknown cluster, real server or virtual service', async () => {
    const cluster = await post(server.url, '/hooks/mon', monBody({ cluster: 'lba' }));
    expect(cluster.status).toBe(422);
    expect(cluster.body.error).toBe('unknown_name');
    expect(String(cluster.body.message)).toContain('did you mean lab');

    const rs = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', real: '10.200.1.99' }));
    expect(rs.status).toBe(422);
    expect(String(rs.body.message)).toMatch(/10\.200\.1\.99 is not in cluster lab; .*web-1, web-2, web-3/);

    const vs = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', vip: '10.200.0.101' }));
    expect(vs.status).toBe(422);
    expect(String(vs.body.message)).toContain('web (10.200.0.100:80)');
    expect(await stored()).toHaveLength(0);
  });

  it('finds the cluster from the addresses when the body names none, and asks for one when nothing matches', async () => {
    expect((await post(server.url, '/hooks/mon', monBody())).status).toBe(202);
    expect((await stored())[0]!.cluster).toBe('lab');
    const lost = await post(
      server.url,
      '/hooks/mon',
      monBody({ server: 9, hostname: 'monhost', real: '192.0.2.7', vip: '192.0.2.1' }),
    );
    expect(lost.status).toBe(422);
    expect((lost.body.reasons as string[])[0]).toContain('set LVS_CHATOPS_CLUSTER');
  });

  it('answers a resend of an accepted alert 202 duplicate and stores it once', async () => {
    const body = monBody();
    expect((await post(server.url, '/hooks/mon', body)).body).toEqual({ id: body.id, accepted: true });
    const again = await post(server.url, '/hooks/mon', body);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: body.id, accepted: true, duplicate: true });
    expect(await stored()).toHaveLength(1);
  });

  it('throttles a flood of the same report from one host with 429 and Retry-After, while its new reports still pass', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await post(server.url, '/hooks/mon', monBody({ server: 1 }))).status);
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const throttled = await post(server.url, '/hooks/mon', monBody({ server: 1 }));
    expect(throttled.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

    // Another real server, and the recovery of the first, are distinct reports: never held back.
    expect((await post(server.url, '/hooks/mon', monBody({ server: 3 }))).status).toBe(202);
    expect((await post(server.url, '/hooks/mon', monBody({ server: 1, type: 'up' }))).status).toBe(202);
    // Another sending host has its own bucket.
    expect((await post(server.url, '/hooks/mon', monBody({ server: 1, hostname: 'lb2' }))).status).toBe(202);
    expect(await stored()).toHaveLength(8);
    // The flood is logged once for the sender, not once per refused request.
    const warnings = logged.filter((l) => l.msg.includes('sends the same report too often'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.sender).toBe('lb1');
  });
});

describe('POST /hooks/keepalived and /hooks/heartbeat', () => {
  const envelope = (hostname: string) => ({
    version: 1,
    id: randomUUID(),
    time: new Date().toISOString(),
    hostname,
    agent: 'test/1',
    cluster: 'lab',
  });

  it("turns keepalived's MASTER into a failover step of the director that sent it", async () => {
    const body = {
      kind: 'keepalived-notify',
      ...envelope('lb2'),
      argv: ['INSTANCE', 'VI_1', 'MASTER', '100'],
      event: { type: 'vrrp', scope: 'instance', name: 'VI_1', state: 'master', priority: 100 },
    };
    expect((await post(server.url, '/hooks/keepalived', body)).status).toBe(202);
    expect((await stored())[0]).toMatchObject({
      source: 'keepalived',
      kind: 'failover',
      phase: 'became-master',
      node: 'lb2',
      cluster: 'lab',
    });
  });

  it("turns a real server's notify_down into an alert about it in its virtual service", async () => {
    const body = {
      kind: 'keepalived-notify',
      ...envelope('lb1'),
      argv: ['rs', 'web-3', 'down', '10.200.0.100:80', '10.200.1.13:80'],
      event: {
        type: 'real-server',
        name: 'web-3',
        state: 'down',
        virtual: { address: '10.200.0.100', port: 80 },
        real: { address: '10.200.1.13', port: 80 },
      },
    };
    expect((await post(server.url, '/hooks/keepalived', body)).status).toBe(202);
    expect((await stored())[0]).toMatchObject({
      kind: 'alert',
      status: 'down',
      group: 'web-3',
      service: 'web',
      host: 'web-3',
      target: { vip: '10.200.0.100', port: 80, realServer: 'web-3' },
    });
  });

  it('refuses a VRRP change from a host that is not a director of the cluster (422)', async () => {
    const body = {
      kind: 'keepalived-notify',
      ...envelope('lb3'),
      argv: ['INSTANCE', 'VI_1', 'FAULT', '0'],
      event: { type: 'vrrp', scope: 'instance', name: 'VI_1', state: 'fault', priority: 0 },
    };
    const answer = await post(server.url, '/hooks/keepalived', body);
    expect(answer.status).toBe(422);
    expect(String(answer.body.message)).toContain('did you mean lb1, lb2');
  });

  it('turns a typed ha-log line into a failover step of the director it names', async () => {
    const body = {
      kind: 'heartbeat-event',
      ...envelope('lb2'),
      source: { file: '/var/log/ha-log', offset: 1234, inode: 99 },
      line: 'Nov 25 12:47:39 lb2 heartbeat: [219]: WARN: node lb1: is dead',
      event: {
        kind: 'node-dead',
        node: 'lb1',
        at: new Date().toISOString(),
        level: 'warn',
        program: 'heartbeat',
        pid: 219,
      },
    };
    expect((await post(server.url, '/hooks/heartbeat', body)).status).toBe(202);
    expect((await stored())[0]).toMatchObject({
      source: 'heartbeat',
      kind: 'failover',
      phase: 'node-dead',
      node: 'lb1',
      status: 'down',
      summary: 'is dead',
    });
  });
});

describe('GET /healthz and /metrics', () => {
  it('answers 200 while Redis answers and counts accepted, duplicate and refused requests by source', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const body = monBody();
    await post(server.url, '/hooks/mon', body);
    await post(server.url, '/hooks/mon', body);
    await post(server.url, '/hooks/mon', body, { token: null });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('lvs_chatops_ingest_accepted_total{source="mon"} 1');
    expect(text).toContain('lvs_chatops_ingest_duplicate_total{source="mon"} 1');
    expect(text).toContain('lvs_chatops_ingest_rejected_total{source="mon",status="401"} 1');
    expect(text).toContain('lvs_chatops_event_stream_length 1');
    expect(text).toContain('lvs_chatops_incidents_open{cluster="lab"} 0');
  });

  it('answers 404 for other paths and 405 for a GET of a hook', async () => {
    expect((await fetch(`${server.url}/hooks/nagios`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/hooks/mon`)).status).toBe(405);
  });
});

describe('when Redis is down', () => {
  const own = new OwnRedis();
  let redis: Redis;
  let ownServer: IngestServer;
  beforeAll(async () => {
    await own.start();
    redis = new Redis(own.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 100,
    });
    redis.on('error', () => undefined);
    await new Promise((r) => redis.once('ready', r));
    const k = new Keys(`test-${randomUUID().slice(0, 8)}`);
    ownServer = await startIngestServer({
      port: 0,
      redis,
      keys: k,
      events: new EventStore(redis, k),
      incidents: new IncidentStore(redis, k),
      inventory,
      token: INGEST_TOKEN,
      logger: quietLogger(),
    });
  });
  afterAll(async () => {
    await ownServer.close();
    redis.disconnect();
    await own.stop();
  });

  it('answers 503 with Retry-After (the sender spools) and healthz 503, then accepts again once Redis is back', async () => {
    expect((await post(ownServer.url, '/hooks/mon', monBody())).status).toBe(202);
    await own.stop();
    const down = await post(ownServer.url, '/hooks/mon', monBody());
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('store_unavailable');
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await fetch(`${ownServer.url}/healthz`)).status).toBe(503);

    await own.start();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post(ownServer.url, '/hooks/mon', monBody())).status;
      if (status === 202) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(202);
    expect((await fetch(`${ownServer.url}/healthz`)).status).toBe(200);
  });
});
