import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LvsEvent, lvsEventSchema } from '../../src/core/events/event.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { Keys } from '../../src/store/keys.js';
import {
  buildDistIfStale,
  type CliProcess,
  DurableRedis,
  duplicatePosts,
  faultsInventoryYaml,
  markerOf,
  posts,
  sleep,
  startCli,
  until,
  webAddress,
} from './faults-support.js';
import { freePort } from './ingest-own-redis.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { monArgv, monEnv, runScript, SLACK_ALERT } from './slack-alert-helpers.js';

// The bot is killed with SIGKILL while mon's alerts arrive, some of them mid-request, and
// started again. mon's alert script (contrib/mon/slack.alert) spools what the bot did not
// take and sends it with the next alert; the ingest's stream keeps what it answered 202 and
// drops a resend by id. Every alert arrives, none twice: in the stream, in the incidents and
// in Slack.

const ALERTS = 15;
const INGEST_TOKEN = 'faults-bot-ingest-token';

let redis: DurableRedis;
let slack: LocalSlack;
let dir: string;
let port: number;
let env: Record<string, string>;
const procs: CliProcess[] = [];

beforeAll(async () => {
  await buildDistIfStale();
  [redis, slack] = await Promise.all([
    DurableRedis.start(),
    startAlertSlack({ postMessagePerChannel: false }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'lvs-faults-bot-'));
  await writeFile(join(dir, 'inventory.yml'), faultsInventoryYaml({ servers: ALERTS }));
  port = await freePort();
  env = {
    LVS_INVENTORY: join(dir, 'inventory.yml'),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    INGEST_TOKEN,
    PORT: String(port),
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
  };
}, 600_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
  await slack?.close();
  await redis?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function startBot(): Promise<CliProcess> {
  const bot = startCli(['bot'], env);
  procs.push(bot);
  await bot.said('listening on port');
  return bot;
}

/** mon calling slack.alert for web-N going down. */
function alert(n: number, flush = false) {
  const call = {
    group: `web-${n}`,
    service: 'http',
    hosts: [webAddress(n)],
    alertType: 'failure' as const,
    userArgs: ['-P', 'tcp', '-V', '10.200.0.100:80', '-R', `${webAddress(n)}:80`, '-W', '1', '-F', 'dr'],
    output: `${webAddress(n)}\nconnection refused\n`,
    serviceEnv: {
      LVS_CHATOPS_URL: `http://127.0.0.1:${port}`,
      LVS_CHATOPS_TOKEN: INGEST_TOKEN,
      LVS_CHATOPS_SPOOL: join(dir, 'spool', 'alerts.jsonl'),
      LVS_CHATOPS_TIMEOUT: '2',
      LVS_CHATOPS_CONF: '/dev/null',
    },
  };
  return runScript(SLACK_ALERT, flush ? ['--flush'] : monArgv(call), {
    env: monEnv(call),
    stdin: call.output,
  });
}

async function storedAlerts(): Promise<LvsEvent[]> {
  const r = new Redis(redis.url);
  try {
    const entries = await r.xrange(new Keys().eventStream(), '-', '+');
    return entries
      .map(([, fields]) => lvsEventSchema.parse(JSON.parse(fields[1]!)))
      .filter((e) => e.kind === 'alert');
  } finally {
    r.disconnect();
  }
}

const t0 = Date.now();
const phase = (what: string) => process.env.FAULTS_TRACE && console.log(`${Date.now() - t0} ms: ${what}`);

describe('the bot killed with SIGKILL while alerts arrive', () => {
  it('loses no alert and takes none twice (the spool and the stream cover it)', {
    timeout: 300_000,
  }, async () => {
    phase('test starts');
    const worker = startCli(['worker'], env);
    procs.push(worker);
    let [bot] = await Promise.all([startBot(), worker.said('worker ready')]);
    phase('bot and worker ready');

    const results: Promise<{ code: number | null; stderr: string }>[] = [];
    for (let n = 1; n <= ALERTS; n += 3) {
      // Three at once, as mon's alerts for several groups do.
      const batch = [n, n + 1, n + 2].filter((k) => k <= ALERTS).map((k) => alert(k));
      results.push(...batch);
      if (n === 4) {
        // Killed while this batch's scripts are starting or mid-request.
        await sleep(150);
        await bot.kill();
      }
      if (n === 10) {
        bot = await startBot();
        phase('bot back');
      }
      await Promise.all(batch);
      phase(`batch ${n} sent`);
    }
    const ran = await Promise.all(results);
    // mon never sees a failure: the script spools instead.
    expect(ran.map((r) => r.code)).toEqual(ran.map(() => 0));
    // What was spooled while the bot was away goes out with the next alert, or with --flush.
    phase('all sent');
    const flushed = await alert(0, true);
    phase('flushed');
    expect(flushed.code, flushed.stderr).toBe(0);
    const spool = await readFile(join(dir, 'spool', 'alerts.jsonl'), 'utf8').catch(() => '');
    expect(spool.trim()).toBe('');
    await readFile(join(dir, 'spool', 'alerts.jsonl.rejected'), 'utf8').then(
      (text) => expect(text).toBe(''),
      () => undefined,
    );

    // The stream: each alert exactly once.
    phase('stream');
    const groups = (await storedAlerts()).map((e) => e.group).sort();
    const expected = Array.from({ length: ALERTS }, (_, i) => `web-${i + 1}`).sort();
    expect(groups).toEqual(expected);

    // The incidents and Slack: one incident per alert, at one alert each, delivered once: as
    // its own message, or listed in the channel's storm digest (15 outages within seconds are
    // a storm: past the threshold they join one digest message instead of one post each).
    const mainsFor = () =>
      posts(slack, 'C0LVSOPS')
        .filter((c) => markerOf(c)?.part === 'main' && !markerOf(c)!.subject.startsWith('digest-'))
        .map((c) => markerOf(c)!.subject);
    const inDigests = () =>
      posts(slack, 'C0LVSOPS')
        .filter((c) => markerOf(c)?.subject.startsWith('digest-'))
        .flatMap((c) => {
          const now = slack.message('C0LVSOPS', String(c.response.ts));
          return [...JSON.stringify(now?.blocks ?? []).matchAll(/`(lab-\d+)`/g)].map((m) => m[1]!);
        });
    const delivered = () => new Set([...mainsFor(), ...inDigests()]);
    await until(
      'every incident delivered, as its own message or in the storm digest',
      () => delivered().size >= ALERTS,
      60_000,
    );
    const mains = mainsFor();
    expect(new Set(mains).size).toBe(mains.length);
    expect(delivered().size).toBe(ALERTS);
    expect(duplicatePosts(slack, 'C0LVSOPS')).toEqual([]);
    for (const subject of mains) {
      const main = posts(slack, 'C0LVSOPS').find((c) => markerOf(c)?.subject === subject)!;
      expect(slack.thread('C0LVSOPS', String(main.response.ts)), subject).toEqual([]);
    }
    expect(bot.output(), 'the restarted bot logged no error').not.toMatch(/"level":50/);
  });
});
