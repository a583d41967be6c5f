import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import type { Incident } from '../../src/core/incidents/index.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, monBody, post, quietLogger, until } from './ingest-support.js';

/**
 * The example inventory (cluster seed, mon on lvs-master): its generated mon.cf makes each real
 * server's http depend on its ping.
 */
function seedInventory(): Inventory {
  const text = readFileSync(fileURLToPath(new URL('../../examples/inventory.yml', import.meta.url)), 'utf8');
  const parsed = parseInventory(text, 'examples/inventory.yml');
  if (!parsed.ok) throw new Error(parsed.error.map((e) => e.message).join('\n'));
  return parsed.value;
}

/** mon's alert for web-N's SERVICE, from the HOWTO's mon.cf (lvs.alert's -V and -R). */
function alert(server: number, service: string): Record<string, unknown> {
  return monBody({
    server,
    service,
    vip: '192.168.10.100',
    real: `192.168.10.2${server}`,
    hostname: 'lvs-master',
  });
}

let ctx: ReturnType<typeof testRedis>;
let pipeline: AlertPipeline | undefined;

async function start(inventory: Inventory): Promise<AlertPipeline> {
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    worker: false,
    jobs: false,
  });
  return pipeline;
}

beforeEach(() => {
  ctx = testRedis();
});
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
  await ctx.cleanup();
});

async function openIncidents(p: AlertPipeline, count: number): Promise<Incident[]> {
  return until(
    async () => {
      const open = await p.incidents.open('seed');
      return open.reduce((n, i) => n + i.count, 0) === count ? open : undefined;
    },
    20_000,
    `${count} alerts applied`,
  );
}

describe("mon's depend in the ingest", () => {
  it("folds web-2's http alert under the open web-2:ping incident", async () => {
    const p = await start(seedInventory());
    const url = p.server!.url;
    expect((await post(url, '/hooks/mon', alert(2, 'ping'))).status).toBe(202);
    await openIncidents(p, 1);
    expect((await post(url, '/hooks/mon', alert(2, 'http'))).status).toBe(202);

    const [ping, ...others] = await openIncidents(p, 2);
    expect(others).toEqual([]);
    expect(ping).toMatchObject({ group: 'web-2', service: 'ping', count: 2 });
    expect(ping!.timeline.at(-1)).toMatchObject({
      type: 'dependency-down',
      text: 'web-2:http (web-2) is down because web-2:ping is down',
    });
  });

  it('folds them when ping and http arrive together, ping first', async () => {
    const p = await start(seedInventory());
    const url = p.server!.url;
    await post(url, '/hooks/mon', alert(3, 'ping'));
    await post(url, '/hooks/mon', alert(3, 'http'));
    const open = await openIncidents(p, 2);
    expect(open.map((i) => `${i.group}:${i.service}`)).toEqual(['web-3:ping']);
  });

  it("opens http's own incident when its ping is not down, or for another server's ping", async () => {
    const p = await start(seedInventory());
    const url = p.server!.url;
    await post(url, '/hooks/mon', alert(1, 'ping'));
    await openIncidents(p, 1);
    await post(url, '/hooks/mon', alert(2, 'http'));
    const open = await openIncidents(p, 2);
    expect(open.map((i) => `${i.group}:${i.service}`).sort()).toEqual(['web-1:ping', 'web-2:http']);
  });
});
