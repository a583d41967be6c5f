import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { readIngestTokens } from '../../src/config/ingest-tokens.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import type { LvsEvent } from '../../src/core/events/event.js';
import { startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { FloodThrottle } from '../../src/ingest/flood-throttle.js';
import { type IngestServer, startIngestServer } from '../../src/ingest/ingest-server.js';
import { createLogger } from '../../src/log/logger.js';
import { EventStore } from '../../src/store/event-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { TEST_REDIS_URL, testRedis } from '../support/redis.js';
import { monBody, post, quietLogger } from './ingest-support.js';

// Two clusters, each with its own tokens (test/fixtures/inventory/two-clusters-ingest-tokens.yml),
// and INGEST_TOKEN beside them: every token is right, and each may say only what it speaks for.

const loaded = await loadInventory(
  new URL('../fixtures/inventory/two-clusters-ingest-tokens.yml', import.meta.url).pathname,
);
if (!loaded.ok) throw new Error(loaded.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
const inventory = loaded.value;

const SHARED = 'shared-ingest-token-c41d9e';
const LAB = 'lab-monitoring-token-3f9a1c';
const LAB_LB1 = 'lab-lb1-token-from-env-71c0d4';
const LAB_WEB_1 = 'lab-web-1-token-8d2e7b';
const PROD = 'prod-directors-token-from-env-09ab5e';
const SECRETS = [SHARED, LAB, LAB_LB1, LAB_WEB_1, PROD];

const tokens = readIngestTokens(inventory, {
  shared: SHARED,
  vars: { INGEST_TOKEN_LAB_LB1: LAB_LB1, INGEST_TOKEN_PROD_DIRECTORS: PROD },
});
if (!tokens.ok) throw new Error(tokens.error.map((e) => `${e.path}: ${e.message}`).join('\n'));

let ctx: ReturnType<typeof testRedis>;
let keys: Keys;
let server: IngestServer;
let logLines: string[];

async function stored(): Promise<LvsEvent[]> {
  const entries = await ctx.redis.xrange(keys.eventStream(), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as LvsEvent);
}

/** A mon alert about prod's real server shop-1, as mon on a prod director sends it. */
function prodAlert(o: { hostname?: string; cluster?: string } = {}) {
  return monBody({ cluster: 'prod', hostname: 'plb1', vip: '10.9.0.100', real: '10.9.0.11', ...o });
}

/** keepalived's notify_down for lab's web-3, from `hostname`. */
function realServerDown(hostname: string) {
  return {
    kind: 'keepalived-notify',
    version: 1,
    id: randomUUID(),
    time: new Date().toISOString(),
    hostname,
    agent: 'notify.sh/1',
    cluster: 'lab',
    argv: ['rs', 'web-3', 'down', '10.200.0.100:80', '10.200.1.13:80'],
    event: {
      type: 'real-server',
      name: 'web-3',
      state: 'down',
      virtual: { address: '10.200.0.100', port: 80 },
      real: { address: '10.200.1.13', port: 80 },
    },
  };
}

beforeEach(async () => {
  logLines = [];
  ctx = testRedis();
  keys = new Keys(ctx.prefix);
  server = await startIngestServer({
    port: 0,
    redis: ctx.redis,
    keys,
    events: new EventStore(ctx.redis, keys),
    incidents: new IncidentStore(ctx.redis, keys),
    inventory,
    tokens: tokens.value,
    logger: createLogger({ level: 'warn', destination: { write: (line: string) => logLines.push(line) } }),
    throttle: new FloodThrottle({ burst: 5, perSecond: 1, recentMs: 60_000, maxRecent: 100 }),
  });
});
afterEach(async () => {
  await server.close();
  await ctx.cleanup();
});

describe('ingest senders are who they say', () => {
  it("a cluster's token cannot post for another cluster, nor as one of its hosts (403, nothing stored)", async () => {
    const claimsProd = await post(server.url, '/hooks/mon', prodAlert(), { token: LAB });
    expect(claimsProd.status).toBe(403);
    expect(claimsProd.body).toMatchObject({
      error: 'forbidden',
      message: 'token lab/monitoring speaks for cluster lab only, not prod',
    });
    // Sending as prod's director, naming lab or no cluster.
    const asProdHost = await post(server.url, '/hooks/mon', prodAlert({ hostname: 'plb2', cluster: 'lab' }), {
      token: LAB,
    });
    const { cluster: _, ...unnamed } = prodAlert({ hostname: 'plb2' });
    const asProdHostUnnamed = await post(server.url, '/hooks/mon', unnamed, { token: LAB });
    for (const a of [asProdHost, asProdHostUnnamed]) {
      expect(a.status).toBe(403);
      expect(String(a.body.message)).toBe(
        'token lab/monitoring speaks for cluster lab only, and plb2 is a host of prod',
      );
    }
    // prod's token, the other way round.
    const claimsLab = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', hostname: 'plb1' }), {
      token: PROD,
    });
    expect(claimsLab.status).toBe(403);
    // From lab's own host, about prod's real server: the token means lab, where shop-1 is not (422).
    const { cluster: __, ...aboutProd } = prodAlert({ hostname: 'lb1' });
    const aboutProdServer = await post(server.url, '/hooks/mon', aboutProd, { token: LAB });
    expect(aboutProdServer.status).toBe(422);
    expect(String(aboutProdServer.body.message)).not.toContain('shop');
    expect(await stored()).toHaveLength(0);

    // The same tokens for their own cluster pass, so the refusals above were about what was claimed.
    expect((await post(server.url, '/hooks/mon', monBody({ hostname: 'lb1' }), { token: LAB })).status).toBe(
      202,
    );
    expect((await post(server.url, '/hooks/mon', prodAlert(), { token: PROD })).status).toBe(202);
    expect((await stored()).map((e) => e.cluster)).toEqual(['lab', 'prod']);
  });

  it('a per-host token cannot speak for another host (403, nothing stored)', async () => {
    const asLb2 = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', hostname: 'lb2' }), {
      token: LAB_LB1,
    });
    expect(asLb2.status).toBe(403);
    expect(asLb2.body).toMatchObject({
      error: 'forbidden',
      message: 'token lab/lb1 speaks for lb1 only, not lb2',
    });
    const madeUp = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', hostname: 'mon-box' }), {
      token: LAB_LB1,
    });
    const web1AsLb1 = await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', hostname: 'lb1' }), {
      token: LAB_WEB_1,
    });
    const prodAsLabHost = await post(server.url, '/hooks/mon', prodAlert({ hostname: 'lb1' }), {
      token: PROD,
    });
    for (const a of [madeUp, web1AsLb1, prodAsLabHost]) expect(a.status).toBe(403);
    expect(await stored()).toHaveLength(0);

    expect(
      (await post(server.url, '/hooks/mon', monBody({ hostname: 'lb1' }), { token: LAB_LB1 })).status,
    ).toBe(202);
    expect(await stored()).toHaveLength(1);
  });

  it("a real server's state is taken only from a director of its cluster (403, nothing stored)", async () => {
    const fromRealServer = await post(server.url, '/hooks/keepalived', realServerDown('web-1'), {
      token: LAB_WEB_1,
    });
    expect(fromRealServer.status).toBe(403);
    expect(fromRealServer.body).toMatchObject({
      error: 'forbidden',
      message:
        "a real server's state is reported only by the directors of cluster lab (lb1, lb2); web-1 is not one of them",
    });
    // The cluster's token, and INGEST_TOKEN, claiming a host that is not a director.
    for (const [hostname, token] of [
      ['web-2', LAB],
      ['web-2', SHARED],
      ['mon-box', SHARED],
      ['plb1', SHARED],
    ] as const) {
      const answer = await post(server.url, '/hooks/keepalived', realServerDown(hostname), { token });
      expect(answer.status, `${hostname} with ${token === SHARED ? 'INGEST_TOKEN' : 'lab/monitoring'}`).toBe(
        403,
      );
    }
    expect(await stored()).toHaveLength(0);

    expect(
      (await post(server.url, '/hooks/keepalived', realServerDown('lb1'), { token: LAB_LB1 })).status,
    ).toBe(202);
    expect(
      (await post(server.url, '/hooks/keepalived', realServerDown('lb2'), { token: SHARED })).status,
    ).toBe(202);
    expect((await stored()).map((e) => [e.kind, e.host])).toEqual([
      ['alert', 'web-3'],
      ['alert', 'web-3'],
    ]);
  });

  it('a new hostname per request does not escape the flood throttle: 429 comes after the same count', async () => {
    for (const token of [LAB, SHARED]) {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const body = monBody({ server: token === LAB ? 1 : 3, hostname: `mon-${randomUUID().slice(0, 8)}` });
        statuses.push((await post(server.url, '/hooks/mon', body, { token })).status);
      }
      expect(statuses, token === LAB ? 'lab/monitoring' : 'INGEST_TOKEN').toEqual([
        202, 202, 202, 202, 202, 429, 429, 429,
      ]);
    }
    expect(await stored()).toHaveLength(10);
  });

  it('INGEST_TOKEN still speaks for every cluster and host', async () => {
    expect(
      (await post(server.url, '/hooks/mon', monBody({ cluster: 'lab' }), { token: SHARED })).status,
    ).toBe(202);
    expect((await post(server.url, '/hooks/mon', prodAlert(), { token: SHARED })).status).toBe(202);
    const heartbeat = {
      kind: 'heartbeat-event',
      version: 1,
      id: randomUUID(),
      time: new Date().toISOString(),
      hostname: 'plb2',
      agent: 'lvs-chatops-follow-halog/1',
      cluster: 'prod',
      source: { file: '/var/log/ha-log', offset: 1, inode: 2 },
      line: 'Nov 25 12:47:39 plb2 heartbeat: [219]: WARN: node plb1: is dead',
      event: {
        kind: 'node-dead',
        node: 'plb1',
        at: new Date().toISOString(),
        level: 'warn',
        program: 'heartbeat',
        pid: 219,
      },
    };
    expect((await post(server.url, '/hooks/heartbeat', heartbeat, { token: SHARED })).status).toBe(202);
    expect((await stored()).map((e) => e.cluster)).toEqual(['lab', 'prod', 'prod']);
  });

  it('/metrics and the log say which token was refused and why, and no log line holds a token', async () => {
    await post(server.url, '/hooks/mon', prodAlert(), { token: LAB });
    await post(server.url, '/hooks/mon', monBody({ cluster: 'lab', hostname: 'lb2' }), { token: LAB_LB1 });
    await post(server.url, '/hooks/keepalived', realServerDown('web-1'), { token: LAB_WEB_1 });
    await post(server.url, '/hooks/mon', monBody(), { token: 'not-a-token-of-ours-at-all' });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const line of [
      'lvs_chatops_ingest_sender_refused_total{sender="lab/monitoring",reason="other-cluster"} 1',
      'lvs_chatops_ingest_sender_refused_total{sender="lab/lb1",reason="other-host"} 1',
      'lvs_chatops_ingest_sender_refused_total{sender="lab/web-1",reason="not-a-director"} 1',
      'lvs_chatops_ingest_sender_refused_total{sender="none",reason="unauthorized"} 1',
    ]) {
      expect(metrics.split('\n')).toContain(line);
    }

    const refusals = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.status === 403);
    expect(refusals.map((l) => [l.tokenName, l.sender, l.refusal])).toEqual([
      ['lab/monitoring', 'plb1', 'other-cluster'],
      ['lab/lb1', 'lb2', 'other-host'],
      ['lab/web-1', 'web-1', 'not-a-director'],
    ]);
    const all = logLines.join('\n');
    for (const secret of [...SECRETS, 'not-a-token-of-ours-at-all']) expect(all).not.toContain(secret);
  });
});

describe('without INGEST_TOKEN', () => {
  it("the inventory's tokens are the only ones, read from the environment when the pipeline starts", async () => {
    const pipeline = await startAlertPipeline({
      env: readEnv({
        REDIS_URL: TEST_REDIS_URL,
        INGEST_TOKEN_LAB_LB1: LAB_LB1,
        INGEST_TOKEN_PROD_DIRECTORS: PROD,
      }),
      inventory,
      logger: quietLogger(),
      keys,
      port: 0,
      worker: false,
      processor: false,
      jobs: false,
    });
    try {
      const url = pipeline.server!.url;
      expect((await post(url, '/hooks/mon', monBody({ hostname: 'lb1' }), { token: LAB_LB1 })).status).toBe(
        202,
      );
      expect((await post(url, '/hooks/mon', prodAlert(), { token: PROD })).status).toBe(202);
      expect((await post(url, '/hooks/mon', monBody(), { token: SHARED })).status).toBe(401);
    } finally {
      await pipeline.close();
    }
  });

  it('refuses to start when a token the inventory names is not set, naming its key', async () => {
    await expect(
      startAlertPipeline({
        env: readEnv({ REDIS_URL: TEST_REDIS_URL, INGEST_TOKEN_LAB_LB1: LAB_LB1 }),
        inventory,
        logger: quietLogger(),
        keys,
        port: 0,
        worker: false,
        processor: false,
        jobs: false,
      }),
    ).rejects.toThrow(
      "clusters.1.ingest.tokens.0.tokenEnv: INGEST_TOKEN_PROD_DIRECTORS is not set; set it in the bot's environment",
    );
  });
});
