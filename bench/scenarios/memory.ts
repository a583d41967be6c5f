import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { atMost, type BenchContext, type BenchScenario, type Figure, notMeasured } from '../figure.js';
import { type CliProcess, cliCommandMissing, startCli, waitForHealthz } from '../peers/cli-process.js';
import { freePort } from '../peers/free-port.js';
import {
  BOT_TOKEN,
  INGEST_TOKEN,
  PipelineProbe,
  SIGNING_SECRET,
  SlackView,
  startStormSlack,
} from '../peers/lvs-chatops.js';
import { accepted, describeStatuses, postAll } from '../peers/post-load.js';
import { rssMb } from '../peers/process-memory.js';
import {
  CHANNEL,
  FULL_STORM,
  monAlertBody,
  QUICK_STORM,
  type StormShape,
  stormAlerts,
  stormInventoryYaml,
} from '../peers/storm-alerts.js';
import { lastLvsChatopsStorm, lvsChatopsStorm } from './storm.js';

const BOT_GOAL_MB = 150;

/** The largest RSS each process reaches while `work` runs, sampled every 200 ms. */
async function sampleWhile<T>(pids: number[], work: () => Promise<T>): Promise<{ result: T; max: number[] }> {
  const max = pids.map(() => 0);
  const sample = () => {
    for (const [i, pid] of pids.entries()) {
      try {
        max[i] = Math.max(max[i]!, rssMb(pid));
      } catch {}
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  try {
    const result = await work();
    sample();
    return { result, max };
  } finally {
    clearInterval(timer);
  }
}

/**
 * An empty Redis database (11–15, first in `order`) for the real processes, which use the
 * default key prefix. 9 and 10 are the test suite's (its CLI tests empty them), so a bench run
 * beside a test run keeps out of their way.
 */
export async function scratchDb(order: readonly number[] = [11, 12, 13, 14, 15]): Promise<number> {
  for (const db of order) {
    const r = new Redis({ host: '127.0.0.1', port: 6379, db, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await r.connect();
      if ((await r.dbsize()) === 0) return db;
    } finally {
      r.disconnect();
    }
  }
  throw new Error('no empty Redis database among 11-15 for the bot and worker under test');
}

export async function emptyDb(db: number): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port: 6379, db, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/**
 * `lvs-chatops bot` and `lvs-chatops worker` as an operator runs them (from the build, env
 * per docs/interfaces.md, "Environment") against the local Slack and an empty Redis database: RSS after a rest,
 * then the largest RSS while the storm is fed to the bot's /hooks/mon and notified.
 */
async function realProcesses(shape: StormShape, quick: boolean, log: BenchContext['log']): Promise<Figure[]> {
  const db = await scratchDb();
  const dir = mkdtempSync(join(tmpdir(), 'lvs-bench-mem-'));
  const slack = await startStormSlack();
  const view = new SlackView(slack, CHANNEL, shape.hosts);
  const procs: CliProcess[] = [];
  const redisUrl = `redis://127.0.0.1:6379/${db}`;
  // The CLI's processes use the default key prefix; the database is theirs alone.
  const probe = new PipelineProbe(redisUrl, 'lvs');
  try {
    const inventory = join(dir, 'inventory.yml');
    writeFileSync(inventory, stormInventoryYaml(shape.hosts));
    const port = await freePort();
    slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
    const env = {
      LVS_INVENTORY: inventory,
      REDIS_URL: redisUrl,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      INGEST_TOKEN,
      LOG_LEVEL: 'warn',
    };
    const bot = startCli(['bot'], env);
    procs.push(bot);
    const worker = startCli(['worker'], env);
    procs.push(worker);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealthz(bot, base, 30_000);
    await sleep(quick ? 3000 : 10_000);
    const restBot = rssMb(bot.pid);
    const restWorker = worker.alive() ? rssMb(worker.pid) : Number.NaN;
    log(`at rest: bot ${restBot.toFixed(0)} MB, worker ${restWorker.toFixed(0)} MB (Redis db ${db})`);

    const now = Date.now();
    const bodies = stormAlerts(shape).map((a) => monAlertBody(a, now));
    const { max, result: settled } = await sampleWhile([bot.pid, worker.pid], async () => {
      const res = await postAll(`${base}/hooks/mon`, bodies, {
        concurrency: 32,
        headers: { authorization: `Bearer ${INGEST_TOKEN}` },
      });
      log(`storm into the bot: ${describeStatuses(res)} in ${res.ms.toFixed(0)} ms`);
      // Until every alert is in an incident, no notify job is left and Slack has been quiet 3 s.
      const sent = accepted(res);
      const until = Date.now() + (quick ? 20_000 : 120_000);
      let state = '';
      while (Date.now() < until) {
        const [active, jobs] = await Promise.all([probe.activeCount(), probe.jobs()]);
        if (active >= sent && jobs.pending === 0 && Date.now() - (view.lastWrite() ?? 0) > 3000) return true;
        state = `${active} of ${sent} alerts' incidents recorded, ${jobs.pending} notify jobs pending, ${view.hosts().size} hosts visible in Slack`;
        await sleep(250);
      }
      log(`not settled: ${state}`);
      for (const [name, p] of [
        ['bot', bot],
        ['worker', worker],
      ] as const) {
        const tail = p.output().trim().split('\n').slice(-5).join('\n    ');
        if (tail) log(`${name}${p.alive() ? '' : ' (exited)'} said:\n    ${tail}`);
      }
      return false;
    });
    log(
      `under the storm: bot ${max[0]!.toFixed(0)} MB, worker ${max[1]!.toFixed(0)} MB at most${settled ? '' : ' (cut short before it settled)'}`,
    );
    const workerNote = worker.alive() ? undefined : `the worker exited: ${worker.output().slice(-300)}`;
    return [
      atMost('bot RSS at rest (lvs-chatops bot)', restBot, 'MB', BOT_GOAL_MB, { strict: true }),
      { name: `bot RSS under the storm (${label(shape)}, max)`, value: max[0]!, unit: 'MB' },
      {
        name: 'worker RSS at rest (lvs-chatops worker)',
        value: restWorker,
        unit: 'MB',
        ...(workerNote && { note: workerNote }),
      },
      { name: `worker RSS under the storm (${label(shape)}, max)`, value: max[1]!, unit: 'MB' },
    ];
  } finally {
    view.close();
    for (const p of procs) await p.stop();
    await probe.close();
    await slack.close();
    await emptyDb(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

function label(shape: StormShape): string {
  return `${(shape.hosts * shape.perHost).toLocaleString('en-US')} alerts / ${shape.hosts} hosts`;
}

/**
 * Until `lvs-chatops bot` and `worker` exist: the alert pipeline (ingest, event processor,
 * Slack notifier; what the bot process will carry besides Bolt) in a child process of its own,
 * as the storm scenario runs it (its figures are reused when it ran in this bench run).
 */
async function pipelineProcess(
  shape: StormShape,
  quick: boolean,
  log: BenchContext['log'],
  why: string,
): Promise<Figure[]> {
  let outcome = lastLvsChatopsStorm(shape);
  const reused = outcome !== undefined;
  if (outcome) log('the storm scenario of this run measured the pipeline process: reusing its figures');
  else {
    outcome = await lvsChatopsStorm(stormAlerts(shape), shape, log, {
      timeoutMs: quick ? 60_000 : 240_000,
      restMs: quick ? 3000 : 10_000,
    });
  }
  const note = `${why}; measured instead: the alert pipeline (ingest + event processor + Slack notifier, startAlertPipeline) alone in a child process${reused ? ' (in the storm scenario of this run)' : ''}, a lower bound for the bot (which adds Bolt).`;
  return [
    atMost(
      'alert pipeline process RSS at rest (stands in for the bot)',
      outcome.restRssMb,
      'MB',
      BOT_GOAL_MB,
      {
        strict: true,
        note,
      },
    ),
    {
      name: `alert pipeline process RSS under the storm (${label(shape)}, max)`,
      value: outcome.maxRssMb,
      unit: 'MB',
    },
    notMeasured('bot RSS at rest (lvs-chatops bot)', 'MB', `not yet: ${why}`, `< ${BOT_GOAL_MB} MB`),
    notMeasured(
      'worker RSS at rest and under the storm (lvs-chatops worker)',
      'MB',
      'not yet: `lvs-chatops worker` is not built',
    ),
  ];
}

/** Resident memory of the bot and a worker at rest and under the 5,000-alert storm. */
export const memoryScenario: BenchScenario = {
  name: 'memory',
  needs: ['redis'],
  async run({ quick, log }): Promise<Figure[]> {
    const shape = quick ? QUICK_STORM : FULL_STORM;
    const missing = cliCommandMissing('bot') ?? cliCommandMissing('worker');
    if (missing) {
      log(`${missing}: measuring the alert pipeline in a child process instead`);
      return pipelineProcess(shape, quick, log, missing);
    }
    return realProcesses(shape, quick, log);
  },
};
