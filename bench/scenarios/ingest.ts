import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { readEnv } from '../../src/config/env.js';
import { startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { defaultSeedInput, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { createRedis } from '../../src/redis/create-redis.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { atMost, type BenchContext, type BenchScenario, type Figure, percentile } from '../figure.js';
import { BOT_TOKEN, INGEST_TOKEN, REDIS_URL, SlackView, startStormSlack } from '../peers/lvs-chatops.js';
import { accepted, describeStatuses, postAll } from '../peers/post-load.js';
import {
  CHANNEL,
  CLUSTER,
  hostAddress,
  monAlertBody,
  type StormAlert,
  stormInventory,
} from '../peers/storm-alerts.js';

/**
 * The alert path on its own (`/hooks/mon` → event stream → incidents → Slack), the pipeline in
 * a process of its own as `lvs-chatops bot` runs it:
 * - ingest throughput: alerts answered 202, i.e. stored in the Redis stream, per second, 32
 *   clients on kept-alive connections, one alert per POST as slack.alert sends them;
 * - alert → Slack post latency with no rate limit anywhere (local Slack limits off, no
 *   pacing, no storm digest): from the POST to the message in the channel;
 * - a storm of 5,000 alerts over 500 hosts in the shape of a real outage: each host's http
 *   check fails and mon repeats the alert 10 times, all from the director's mon (one sending
 *   host, so the flood throttle is in play: repeats past its burst are answered 429 and sent
 *   again after Retry-After, as slack.alert's spool does), Slack's own limits on.
 * (storm.ts feeds the other storm shape, 10 distinct services per host, side by side with
 * Alertmanager.)
 */

const CLIENTS = 32;

interface ChildSettings {
  prefix: string;
  hosts: number;
  slackApiUrl: string;
  processor: boolean;
  worker: boolean;
  paceMs?: number;
  stormThreshold?: number;
}

/** The pipeline child: started by fork() of this file with BENCH_INGEST_CHILD set. */
async function runChild(settings: ChildSettings): Promise<void> {
  const pipeline = await startAlertPipeline({
    env: readEnv({
      REDIS_URL,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: settings.slackApiUrl,
      INGEST_TOKEN,
      LOG_LEVEL: 'warn',
    }),
    inventory: stormInventory(settings.hosts),
    logger: createLogger({ level: 'warn', name: 'bench-ingest', destination: pino.destination(2) }),
    keys: new Keys(settings.prefix),
    port: 0,
    processor: settings.processor,
    worker: settings.worker,
    ...(settings.paceMs !== undefined && { paceMs: settings.paceMs }),
    ...(settings.stormThreshold !== undefined && {
      storm: { threshold: settings.stormThreshold, windowMs: 60_000 },
    }),
  });
  process.on('message', (m) => {
    if (m === 'cpu' && process.connected) process.send?.({ cpu: process.cpuUsage() });
    if (m === 'stop') void pipeline.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void pipeline.close().finally(() => process.exit(0)));
  // The bench may have given up on us already (a scenario timeout on a loaded machine).
  if (!process.connected) return void pipeline.close().finally(() => process.exit(0));
  process.send?.({ url: pipeline.server!.url });
}

if (process.env.BENCH_INGEST_CHILD) {
  runChild(JSON.parse(process.env.BENCH_INGEST_CHILD) as ChildSettings).catch((err: unknown) => {
    process.stderr.write(
      `bench ingest child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}

interface Pipeline {
  url: string;
  keys: Keys;
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

async function startPipeline(settings: Omit<ChildSettings, 'prefix'>): Promise<Pipeline> {
  const prefix = `bench-ingest-${randomUUID().slice(0, 8)}`;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), {
    env: { ...process.env, BENCH_INGEST_CHILD: JSON.stringify({ ...settings, prefix }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the pipeline did not start within 60 s')), 60_000);
    child.once('message', (m: { url?: string }) => {
      clearTimeout(timer);
      if (m.url) resolve(m.url);
      else reject(new Error(`the pipeline answered ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => reject(new Error(`the pipeline exited (${code}) before it was ready`)));
  });
  return {
    url,
    keys: new Keys(prefix),
    cpuMs: () =>
      new Promise((resolve) => {
        child.once('message', (m: { cpu?: NodeJS.CpuUsage }) =>
          resolve(((m.cpu?.user ?? 0) + (m.cpu?.system ?? 0)) / 1000),
        );
        child.send('cpu');
      }),
    async stop() {
      if (child.connected) child.send('stop');
      const done = await Promise.race([exited.then(() => true), sleep(10_000, false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
      const redis = createRedis({ REDIS_URL }, 'command');
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (found.length > 0) await redis.del(...found);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

const SERVICES = ['http', 'https', 'ping', 'ssh', 'smtp', 'imap', 'dns', 'ntp', 'nfs', 'snmp'];

/** hosts × services distinct alerts (each would be an incident of its own). */
function distinctAlerts(hosts: number, perHost: number): StormAlert[] {
  const out: StormAlert[] = [];
  for (let s = 0; s < perHost; s++) {
    for (let n = 1; n <= hosts; n++)
      out.push({ n, host: `web-${n}`, address: hostAddress(n), service: SERVICES[s]! });
  }
  return out;
}

async function throughput(quick: boolean, log: BenchContext['log']): Promise<Figure[]> {
  const hosts = 500;
  const alerts = distinctAlerts(hosts, quick ? 4 : 10);
  const figures: Figure[] = [];
  for (const full of [false, true]) {
    const pipeline = await startPipeline({
      hosts,
      slackApiUrl: 'http://127.0.0.1:9/api/',
      processor: full,
      worker: false,
    });
    const redis = createRedis({ REDIS_URL }, 'command');
    try {
      const bodies = alerts.map((a) => monAlertBody(a));
      // A first round warms the process up (JIT, connections); the second is measured.
      const warm = bodies.slice(0, 500).map((b) => b.replace(/"id":"[^"]+"/, `"id":"${randomUUID()}"`));
      await postAll(`${pipeline.url}/hooks/mon`, warm, {
        concurrency: CLIENTS,
        headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      });
      const before = await redis.xlen(pipeline.keys.eventStream());
      const cpu0 = await pipeline.cpuMs();
      const res = await postAll(`${pipeline.url}/hooks/mon`, bodies, {
        concurrency: CLIENTS,
        headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      });
      const cpu = (await pipeline.cpuMs()) - cpu0;
      const ok = accepted(res);
      const persisted = (await redis.xlen(pipeline.keys.eventStream())) - before;
      const rate = ok / (res.ms / 1000);
      log(
        `ingest${full ? ' + processor' : ''}: ${describeStatuses(res)} in ${res.ms.toFixed(0)} ms = ${rate.toFixed(0)}/s; ${persisted} in the stream; server CPU ${(cpu / bodies.length).toFixed(2)} ms per alert`,
      );
      const name = full
        ? 'ingest: alerts/s accepted with the event processor running in the same process'
        : 'ingest: alerts/s accepted and persisted (202 = in the Redis stream), 32 clients';
      figures.push({
        name,
        value: persisted === ok ? rate : Number.NaN,
        unit: 'alerts/s',
        ...(full ? {} : { goal: '>= 2000 alerts/s', pass: persisted === ok && rate >= 2000 }),
        note: `${bodies.length} distinct mon alerts (${hosts} hosts), one per POST; ${persisted} of ${ok} accepted found in the stream; the server spent ${(cpu / bodies.length).toFixed(2)} ms of CPU per alert.`,
      });
    } finally {
      await redis.quit();
      await pipeline.stop();
    }
  }
  return figures;
}

async function latency(quick: boolean, log: BenchContext['log']): Promise<Figure[]> {
  // No rate limit anywhere: Slack's limits off in the local Slack, no pacing, no digest.
  const seed = defaultSeedInput();
  seed.app.scopes = [...new Set([...seed.app.scopes, 'channels:history', 'groups:history'])];
  const open = await startLocalSlack({
    seed,
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: 'bench-latency',
    botToken: BOT_TOKEN,
    limits: { postMessagePerChannel: false, tiers: false },
  });
  const hosts = 500;
  const pipeline = await startPipeline({
    hosts,
    slackApiUrl: open.apiUrl,
    processor: true,
    worker: true,
    paceMs: 0,
    stormThreshold: 1_000_000,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const count = quick ? 60 : 300;
    const alerts = distinctAlerts(hosts, 2).slice(0, count + 20);
    const posted = new Map<string, number>();
    const off = open.watch((e) => {
      if (e.type !== 'message_posted' || e.message.threadTs !== undefined) return;
      const m = /^Open: (web-\d+:\w+)/.exec(e.message.text);
      if (m && !posted.has(m[1]!)) posted.set(m[1]!, performance.now());
    });
    const samples: number[] = [];
    for (const [i, a] of alerts.entries()) {
      const body = monAlertBody(a);
      const t0 = performance.now();
      await postOne(agent, `${pipeline.url}/hooks/mon`, body);
      const key = `${a.host}:${a.service}`;
      const deadline = Date.now() + 10_000;
      while (!posted.has(key) && Date.now() < deadline) await sleep(1);
      // The first 20 warm the pipeline up.
      if (posted.has(key) && i >= 20) samples.push(posted.get(key)! - t0);
      await sleep(20);
    }
    off();
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    log(
      `alert → Slack post: ${samples.length} alerts, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`,
    );
    const note = `${samples.length} alerts one after another, each a new incident: POST /hooks/mon → stream → incident → notify job → chat.postMessage seen by the local Slack; no rate limit, no pacing.`;
    return [
      { name: 'alert → Slack post latency p50 (no rate limit)', value: p50, unit: 'ms', note },
      atMost('alert → Slack post latency p99 (no rate limit)', p99, 'ms', 250, { strict: true, note }),
    ];
  } finally {
    agent.destroy();
    await pipeline.stop();
    await open.close();
  }
}

function postOne(agent: Agent, url: string, body: string): Promise<{ status: number; retryAfter?: number }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${INGEST_TOKEN}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, ...(Number.isFinite(retryAfter) && { retryAfter }) });
        });
      },
    );
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

async function storm(quick: boolean, log: BenchContext['log']): Promise<Figure[]> {
  const hosts = quick ? 100 : 500;
  const repeats = 10;
  const total = hosts * repeats;
  const label = `${total.toLocaleString('en-US')} alerts (${hosts} hosts × ${repeats} repeats)`;
  const slack = await startStormSlack();
  const view = new SlackView(slack, CHANNEL, hosts);
  const pipeline = await startPipeline({ hosts, slackApiUrl: slack.apiUrl, processor: true, worker: true });
  const redis = createRedis({ REDIS_URL }, 'command');
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    // Round by round, as mon's interval goes by: every host, then every host again.
    const queue: string[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let n = 1; n <= hosts; n++)
        queue.push(monAlertBody({ n, host: `web-${n}`, address: hostAddress(n), service: 'http' }));
    }
    let next = 0;
    let ok = 0;
    let throttled = 0;
    let failed = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < queue.length) {
          const body = queue[next++]!;
          for (;;) {
            const answer = await postOne(agent, `${pipeline.url}/hooks/mon`, body);
            if (answer.status === 202) {
              ok++;
              break;
            }
            if (answer.status === 429 || answer.status === 503) {
              if (answer.status === 429) throttled++;
              await sleep((answer.retryAfter ?? 1) * 1000);
              continue;
            }
            failed++;
            break;
          }
        }
      }),
    );
    const sentMs = Date.now() - t0;
    log(
      `storm ${label}: all sent in ${sentMs} ms (${throttled} answered 429 and sent again, ${failed} refused)`,
    );
    const incidents = new IncidentStore(redis, pipeline.keys);
    const deadline = Date.now() + (quick ? 90_000 : 300_000);
    let inIncidents = 0;
    let open = 0;
    while (Date.now() < deadline) {
      const list = await incidents.open(CLUSTER);
      open = list.length;
      inIncidents = list.reduce((sum, i) => sum + i.count, 0);
      const quiet = Date.now() - (view.lastWrite() ?? t0) > 3000;
      if (inIncidents >= ok && view.allVisibleAt() !== undefined && quiet) break;
      await sleep(500);
    }
    const calls = slack.calls();
    const posts = calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).length;
    const updates = calls.filter((c) => c.method === 'chat.update' && c.status === 200).length;
    const rateLimited = calls.filter((c) => c.status === 429).length;
    const allAt = view.allVisibleAt();
    const lost = total - inIncidents;
    log(
      `  ${open} incidents holding ${inIncidents} alerts; Slack: ${posts} posts, ${updates} edits, ${rateLimited} × 429; every host visible after ${allAt === undefined ? 'never' : `${allAt - t0} ms`}`,
    );
    const note = `${hosts} incidents, ${repeats} alerts each, from one mon host; Slack's limits on (1 post/s per channel, chat.update Tier 3). ${throttled} repeats were answered 429 by the flood throttle and sent again after Retry-After.`;
    return [
      {
        name: `storm ${label}: time until every incident is in Slack`,
        value: allAt === undefined ? Number.NaN : (allAt - t0) / 1000,
        unit: 's',
        note,
      },
      {
        name: `storm ${label}: Slack calls (posts + edits)`,
        value: posts + updates,
        unit: 'calls',
        note: `${posts} chat.postMessage, ${updates} chat.update`,
      },
      {
        name: `storm ${label}: Slack answers 429`,
        value: rateLimited,
        unit: '429s',
        goal: '0',
        pass: rateLimited === 0,
      },
      {
        name: `storm ${label}: alerts lost`,
        value: lost,
        unit: 'alerts',
        goal: '0',
        pass: lost === 0,
        note: `${total} sent, ${ok} accepted, ${inIncidents} in incidents`,
      },
    ];
  } finally {
    agent.destroy();
    view.close();
    await redis.quit();
    await pipeline.stop();
    await slack.close();
  }
}

export const ingestScenario: BenchScenario = {
  name: 'ingest',
  needs: ['redis'],
  async run({ quick, log }): Promise<Figure[]> {
    return [...(await throughput(quick, log)), ...(await latency(quick, log)), ...(await storm(quick, log))];
  },
};
