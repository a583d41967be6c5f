import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { ApiCall } from '../../src/localslack/types.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { buildDist, type Child, distUrl, runModule } from './ingest-child.js';
import { INGEST_TOKEN, labInventory, monBody, post, quietLogger, until } from './ingest-support.js';
import { BOT_TOKEN, startAlertSlack } from './notifier-support.js';

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline;
const workers: Child[] = [];
const STORM = { threshold: 10, windowMs: 60_000 };

/** A notify worker in a process of its own, as `lvs-chatops worker` would run it. */
function workerProcess() {
  const source = `
    import { readEnv } from '${distUrl('src/config/env.js')}';
    import { startAlertPipeline } from '${distUrl('src/ingest/alert-pipeline.js')}';
    import { Keys } from '${distUrl('src/store/keys.js')}';
    import { createLogger } from '${distUrl('src/log/logger.js')}';
    await startAlertPipeline({
      env: readEnv(process.env),
      inventory: { version: 1, slack: { team: 'T0LAB', channels: [], users: [], usergroups: [] }, clusters: [] },
      logger: createLogger({ level: 'silent' }),
      keys: new Keys(process.env.PREFIX),
      serve: false,
      processor: false,
      lockDurationMs: 2000,
      stalledIntervalMs: 1000,
      storm: ${JSON.stringify(STORM)},
    });
    console.log('ready');
  `;
  return runModule(source, {
    PREFIX: ctx.prefix,
    INGEST_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
  }).then((child) => {
    workers.push(child);
    return child;
  });
}

beforeAll(buildDist, 180_000);
beforeEach(async () => {
  ctx = testRedis();
  // Slack's own limit on: about one message per second per channel.
  slack = await startAlertSlack();
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory: labInventory({ realServers: 40 }),
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port: 0,
    worker: false,
    storm: STORM,
  });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.kill()));
  await pipeline.close();
  await slack.close();
  await ctx.cleanup();
});

interface Marker {
  subject: string;
  part: string;
}

/** Every line of text in a message's blocks. */
function blockLines(blocks: unknown[]): string[] {
  const texts: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') texts.push(o.text);
      for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(blocks);
  return texts.flatMap((t) => t.split('\n'));
}

function markerOf(call: ApiCall): Marker | undefined {
  let metadata = call.args.metadata;
  if (typeof metadata === 'string') metadata = JSON.parse(metadata);
  return (metadata as { event_payload?: Marker } | undefined)?.event_payload;
}

describe('notify worker restart', () => {
  it('loses nothing and posts nothing twice when the worker is killed mid-storm and started again', {
    timeout: 240_000,
  }, async () => {
    await pipeline.subscriptions.add({ channel: 'C0ALERTS', kind: 'alert' });
    let first = await workerProcess();
    // Kill it the moment Slack has answered its 3rd write: likely before it recorded the result.
    let writes = 0;
    let killed: Promise<void> | undefined;
    const stop = slack.watch((e) => {
      const write = e.type === 'api_call' && e.call.method.startsWith('chat.') && e.call.status === 200;
      if (write && ++writes === 3) {
        first.process.kill('SIGKILL');
        killed = first.kill();
      }
    });

    for (let round = 0; round < 3; round++) {
      for (let server = 1; server <= 40; server++) {
        expect((await post(pipeline.server!.url, '/hooks/mon', monBody({ server }))).status).toBe(202);
      }
    }
    await until(() => killed !== undefined, 60_000, 'the first worker killed');
    await killed;
    stop();
    first = await workerProcess();

    const channels = ['C0LVSOPS', 'C0ALERTS'];
    const incidents = await until(
      async () => {
        const open = await pipeline.incidents.open('lab');
        return open.length === 40 && open.every((i) => i.count === 3) ? open : undefined;
      },
      30_000,
      '40 incidents of 3 alerts',
    );
    // Everything visible in Slack at its last version: an own message showing 3 alerts, or a
    // line in the storm digest saying so.
    const shows = (channel: string, id: string): boolean =>
      slack.messages(channel).some((m) => {
        const lines = blockLines(m.blocks);
        const own =
          lines.includes('*Alerts*') &&
          lines.includes('3') &&
          lines.some((l) => l.startsWith(`${id} · last seen`));
        return own || lines.some((l) => l.includes(`\`${id}\``) && l.includes('(3 alerts'));
      });
    await until(
      () => channels.every((c) => incidents.every((i) => shows(c, i.id))),
      150_000,
      'every incident shown at its last version in both channels',
    );

    for (const channel of channels) {
      const posted = slack
        .calls('chat.postMessage')
        .filter((c) => c.status === 200 && c.args.channel === channel)
        .map((c) => ({ marker: markerOf(c)!, thread: c.args.thread_ts as string | undefined }));
      const keys = posted.map((p) => `${p.marker.subject}/${p.marker.part}`);
      // Nothing twice: each message (incident, digest or thread entry) posted once.
      expect(new Set(keys).size).toBe(keys.length);
      // Nothing lost: every incident has its own message or is listed in the storm digest.
      const own = new Set(posted.filter((p) => p.marker.part === 'main').map((p) => p.marker.subject));
      const digests = slack.messages(channel).filter((m) => m.text.startsWith('Alert storm in lab'));
      expect(digests.length).toBeGreaterThanOrEqual(1);
      const listed = JSON.stringify(digests.map((d) => slack.message(channel, d.ts)!.blocks));
      for (const incident of incidents) {
        expect(own.has(incident.id) || listed.includes(`\`${incident.id}\``)).toBe(true);
      }
    }
  });
});
