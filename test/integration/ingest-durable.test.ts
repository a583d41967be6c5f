import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { buildDist, type Child, distUrl, runModule } from './ingest-child.js';
import { INGEST_TOKEN, labInventory, monBody, post } from './ingest-support.js';

let ctx: ReturnType<typeof testRedis>;
let child: (Child & { ready: string }) | undefined;

beforeAll(buildDist, 180_000);
beforeEach(() => {
  ctx = testRedis();
});
afterEach(async () => {
  await child?.kill();
  await ctx.cleanup();
});

/** The ingest alone, in a process of its own. */
function ingestProcess(prefix: string) {
  const source = `
    import { Redis } from 'ioredis';
    import { startIngestServer } from '${distUrl('src/ingest/ingest-server.js')}';
    import { EventStore } from '${distUrl('src/store/event-store.js')}';
    import { IncidentStore } from '${distUrl('src/store/incident-store.js')}';
    import { Keys } from '${distUrl('src/store/keys.js')}';
    import { createLogger } from '${distUrl('src/log/logger.js')}';
    const redis = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((r) => redis.once('ready', r));
    const keys = new Keys(process.env.PREFIX);
    const server = await startIngestServer({
      port: 0, redis, keys, events: new EventStore(redis, keys), incidents: new IncidentStore(redis, keys),
      inventory: JSON.parse(process.env.INVENTORY), token: process.env.INGEST_TOKEN, logger: createLogger({ level: 'silent' }),
    });
    console.log('ready ' + server.url);
  `;
  return runModule(source, {
    PREFIX: prefix,
    INVENTORY: JSON.stringify(labInventory({ realServers: 50 })),
    INGEST_TOKEN,
  });
}

describe('an accepted alert is never lost', () => {
  it('holds every alert answered 202 in the stream even when the ingest is killed right after answering', async () => {
    child = await ingestProcess(ctx.prefix);
    const url = child.ready;
    const accepted: string[] = [];
    let sent = 0;
    let killed: Promise<void> | undefined;
    // 20 senders, one request at a time each, until the ingest is gone.
    const sender = async (n: number) => {
      for (let i = 0; ; i++) {
        const body = monBody({ server: 1 + ((n + i * 20) % 50) });
        sent++;
        const answer = await post(url, '/hooks/mon', body).catch(() => undefined);
        if (answer === undefined) return;
        if (answer.status === 202) {
          accepted.push(body.id as string);
          // SIGKILL the moment the 200th answer arrives: no chance to flush anything.
          if (accepted.length === 200) killed = child!.kill();
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, n) => sender(n)));
    await killed;
    expect(accepted.length).toBeGreaterThanOrEqual(200);
    expect(sent).toBeGreaterThan(accepted.length);
    const entries = await ctx.redis.xrange(new Keys(ctx.prefix).eventStream(), '-', '+');
    const storedIds = new Set(entries.map(([, f]) => (JSON.parse(f[1]!) as { id: string }).id));
    for (const id of accepted) expect(storedIds.has(id)).toBe(true);
  });
});
