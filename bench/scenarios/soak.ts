import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { breakHost, healHost, labDown, labOptionsSchema, labUp, planLab } from '../../src/lab/index.js';
import type { LocalMessage } from '../../src/localslack/index.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { atMost, type BenchContext, type BenchScenario, type Figure, ScenarioSkipped } from '../figure.js';
import {
  type CliProcess,
  cliCommandMissing,
  repoRoot,
  startCli,
  waitForHealthz,
} from '../peers/cli-process.js';
import { freePort } from '../peers/free-port.js';
import { BOT_TOKEN, INGEST_TOKEN, SIGNING_SECRET, startStormSlack } from '../peers/lvs-chatops.js';
import { rssMb } from '../peers/process-memory.js';
import { monAlertBody } from '../peers/storm-alerts.js';
import { emptyDb, scratchDb } from './memory.js';

// A lab of its own (prefix, subnet, state), beside the other scenarios' labs and the tests'.
const LAB = { prefix: 'lvk', stateDir: '/run/lvs-chatops-lab-bench-soak', subnet: '10.210.24.0/23' };
const CHANNEL = 'C0LVSOPS';
const CLUSTER = 'lab';

/** How long the steady load runs, and how often the processes and Redis are sampled. */
const SHAPE = {
  full: { soakMs: 10 * 60_000, sampleMs: 20_000, outageEveryMs: 10_000, monOutageEveryMs: 150_000 },
  quick: { soakMs: 120_000, sampleMs: 10_000, outageEveryMs: 10_000, monOutageEveryMs: 600_000 },
};

/** Goals: what "flat" means over the second half of the soak (docs/bench.md, "The soak"). */
export const SOAK_GOALS = {
  /** Least-squares slope of each process's RSS over the second half. */
  rssSlopeMbPerMin: 1,
  /** Growth of the keys nothing expires or caps (no TTL, not a capped queue), second half. */
  unboundedKeysPerMin: 0,
};

/**
 * mon services the synthetic outages are on (beside the lab mon's own ping and http): 24 per
 * real server, 72 keys, so a key comes back after 12 minutes, past the 10-minute reopen window:
 * every outage of the soak opens a new incident.
 */
const SERVICES = [
  'smtp',
  'imap',
  'pop3',
  'dns',
  'ntp',
  'ssh',
  'nfs',
  'snmp',
  'mysql',
  'ldap',
  'ftp',
  'sip',
  'redis',
  'memcache',
  'postgres',
  'rsync',
  'syslog',
  'dhcp',
  'radius',
  'kerberos',
  'tftp',
  'nrpe',
  'xmpp',
  'irc',
];
/** An outage: its alert, a repeat every 5 s while it lasts (mon's alertevery), its upalert after 20 s. */
const OUTAGE_MS = 20_000;
const REPEAT_MS = 5_000;

interface KeyFamily {
  keys: number;
  /** Keys with no TTL. */
  persistent: number;
  /** The longest TTL among its keys, ms. */
  maxTtlMs: number;
}

interface Sample {
  /** ms since the load started. */
  t: number;
  bot: number;
  worker: number;
  keys: number;
  /** Keys with no TTL. */
  persistent: number;
  /** Sum of MEMORY USAGE of the run's keys, MB. */
  keyMb: number;
  /** used_memory of the whole Redis server (others' keys too), MB. */
  usedMb: number;
  families: Map<string, KeyFamily>;
  /** Elements of each collection key that is a family of its own (no id in its name) and has no TTL. */
  collections: Map<string, number>;
}

/** A key's family: its name with every segment that holds a digit (ids, counters) as `*`. */
function family(key: string): string {
  return key
    .split(':')
    .map((s) => (/\d/.test(s) ? '*' : s))
    .join(':');
}

/**
 * The keys BullMQ keeps per job without a TTL, trimmed by the queue's own removeOnComplete /
 * removeOnFail (by age and count, in src/): bounded though they have no TTL.
 */
const CAPPED: { pattern: RegExp; bound: string }[] = [
  { pattern: /^lvs:\{notify\}:notify:\*(:logs)?$/, bound: 'notify jobs: completed kept 1 h, at most 10,000' },
  {
    pattern: /^lvs:\{jobs\}:(changes\.[^:]+|tasks):\*(:logs)?$/,
    bound: 'playbook jobs: completed kept 7 days, at most 5,000',
  },
  { pattern: /^lvs:\{jobs\}:status:\*(:logs)?$/, bound: 'status jobs: kept 60 s' },
  {
    pattern: /^lvs:\{escalations\}:escalations:\*(:logs)?$/,
    bound: 'escalation jobs: completed kept 7 days',
  },
  { pattern: /^lvs:\{jobs\}:silence[^:]*:\*(:logs)?$/, bound: 'silence jobs: the last 200' },
];

/** Collection keys that grow under load and what bounds them (in src/, or BullMQ's own). */
const BOUNDED_COLLECTIONS: { pattern: RegExp; bound: string }[] = [
  {
    pattern: /^lvs:\{[^}]+\}:incidents:(active|failovers)$/,
    bound: 'open incidents and those resolved within the reopen window (10 min)',
  },
  { pattern: /^lvs:\{events\}:stream$/, bound: 'the event stream: MAXLEN ~1,000,000' },
  {
    pattern: /^lvs:\{[a-z]+\}:[a-z.]+:(completed|failed)$/,
    bound: "BullMQ's finished jobs: the queue's removeOnComplete/removeOnFail",
  },
  { pattern: /^lvs:\{[a-z]+\}:[a-z.]+:events$/, bound: "BullMQ's event stream: ~10,000" },
  {
    pattern: /^lvs:\{[a-z]+\}:[a-z.]+:(wait|active|delayed|prioritized|paused|stalled|marker|pc)$/,
    bound: "BullMQ's pending jobs: as many as are in hand",
  },
  { pattern: /^lvs:\{[^}]+\}:incidents:all$/, bound: 'all incidents: trimmed after the 30-day retention' },
  {
    pattern: /^lvs:\{[^}]+\}:incidents:by-key$/,
    bound: "one entry per (cluster, group, service) ever alerted: mon.cf's services",
  },
  {
    pattern: /^lvs:\{jobs\}:(recent|queue-of)$/,
    bound: "the list of jobs: trimmed after the audit's 90 days",
  },
];

function capOf(fam: string): string | undefined {
  return CAPPED.find((c) => c.pattern.test(fam))?.bound;
}

/** Every key of the database: count, how many have no TTL, their memory, by family. */
async function census(redis: Redis): Promise<Omit<Sample, 't' | 'bot' | 'worker'>> {
  const families = new Map<string, KeyFamily>();
  const single: string[] = [];
  let keys = 0;
  let persistent = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipe = redis.pipeline();
    for (const k of batch) pipe.pttl(k).memory('USAGE', k);
    const res = (await pipe.exec()) ?? [];
    for (const [i, k] of batch.entries()) {
      const ttl = Number(res[2 * i]?.[1] ?? -2);
      if (ttl === -2) continue;
      keys++;
      bytes += Number(res[2 * i + 1]?.[1] ?? 0);
      const f = families.get(family(k)) ?? { keys: 0, persistent: 0, maxTtlMs: 0 };
      f.keys++;
      f.maxTtlMs = Math.max(f.maxTtlMs, ttl);
      if (ttl === -1) {
        f.persistent++;
        persistent++;
        if (!family(k).includes('*')) single.push(k);
      }
      families.set(family(k), f);
    }
  } while (cursor !== '0');
  const info = await redis.info('memory');
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  // One key that only grows is a leak the key count does not show: count its elements.
  const collections = new Map<string, number>();
  const types = ((await single.reduce((p, k) => p.type(k), redis.pipeline()).exec()) ?? []).map((r) =>
    String(r[1]),
  );
  const sizeOf = redis.pipeline();
  const sized: string[] = [];
  for (const [i, k] of single.entries()) {
    const cmd = { zset: 'zcard', hash: 'hlen', set: 'scard', list: 'llen', stream: 'xlen' }[types[i]!];
    if (!cmd) continue;
    sized.push(k);
    sizeOf.call(cmd, k);
  }
  const sizes = (await sizeOf.exec()) ?? [];
  for (const [i, k] of sized.entries()) collections.set(k, Number(sizes[i]?.[1] ?? 0));
  return { keys, persistent, keyMb: bytes / 1048576, usedMb: used / 1048576, families, collections };
}

/** Least-squares slope of y over t (ms), per minute. */
function slopePerMin(points: { t: number; y: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60_000;
}

/** Key families that grew over the second half, most first. */
interface Growth {
  fam: string;
  grew: number;
  persistent: number;
  maxTtlMs: number;
  cap?: string;
}

function growth(mid: Sample, end: Sample): Growth[] {
  const out: Growth[] = [];
  for (const [fam, f] of end.families) {
    const before = mid.families.get(fam) ?? { keys: 0, persistent: 0, maxTtlMs: 0 };
    const grew = f.keys - before.keys;
    if (grew <= 0) continue;
    const cap = capOf(fam);
    out.push({
      fam,
      grew,
      persistent: f.persistent - before.persistent,
      maxTtlMs: f.maxTtlMs,
      ...(cap && { cap }),
    });
  }
  return out.sort((a, b) => b.grew - a.grew);
}

interface Counts {
  alerts: number;
  alertsRefused: number;
  commands: number;
  commandsFailed: number;
  jobs: number;
  jobsFailed: number;
  monOutages: number;
  errors: number;
  warnings: number;
}

/** The last job status an approval message shows (`Job j12*: :white_check_mark: done`). */
function jobStatus(m: LocalMessage): string | undefined {
  const json = JSON.stringify(m.blocks);
  const all = [...json.matchAll(/Job j\d+\*: :([a-z_]+): ([^"\\]+)/g)];
  const last = all.at(-1);
  if (!last) return undefined;
  const [, mark, text] = last;
  return ['hourglass', 'gear', 'repeat', 'clipboard'].includes(mark!) ? undefined : `${mark}: ${text}`;
}

/**
 * Ten minutes (2 with --quick) of steady work against `lvs-chatops bot` and `lvs-chatops
 * worker` as an operator runs them, on a lab of their own, with memory and Redis sampled.
 */
async function soak(quick: boolean, log: BenchContext['log']): Promise<Figure[]> {
  const shape = quick ? SHAPE.quick : SHAPE.full;
  // From the top: test/integration/worker-cli.test.ts empties database 9 whenever it runs.
  const db = await scratchDb([15, 14, 13, 12, 11]);
  const redisUrl = `redis://127.0.0.1:6379/${db}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  // Claim the database at once, so a memory scenario starting beside this one picks another.
  await redis.set('bench-soak:claim', String(process.pid));
  const slack = await startStormSlack();
  const procs: CliProcess[] = [];
  const counts: Counts = {
    alerts: 0,
    alertsRefused: 0,
    commands: 0,
    commandsFailed: 0,
    jobs: 0,
    jobsFailed: 0,
    monOutages: 0,
    errors: 0,
    warnings: 0,
  };
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < 12) problems.push(line.slice(0, 300));
    log(line.slice(0, 300));
  };
  let stopping = false;
  try {
    await labDown(LAB);
    const port = await freePort();
    const plan = planLab(labOptionsSchema.parse(LAB));
    // The lab's mon calls the shipped slack.alert beside its own, pointed at the bot.
    const up = await labUp(
      {
        ...LAB,
        monAlert: join(repoRoot(), 'contrib', 'mon', 'slack.alert'),
        monEnv: {
          LVS_CHATOPS_URL: `http://${plan.front.hostAddress}:${port}`,
          LVS_CHATOPS_TOKEN: INGEST_TOKEN,
        },
      },
      (l) => log(l),
    );
    slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
    const env = {
      LVS_INVENTORY: up.inventory,
      REDIS_URL: redisUrl,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      INGEST_TOKEN,
      LOG_LEVEL: 'warn',
    };
    const watchLog = (name: string) => (line: string) => {
      let level = 0;
      let msg = line;
      try {
        const parsed = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
        level = parsed.level ?? 0;
        msg = `${parsed.msg ?? ''} ${parsed.err ? JSON.stringify(parsed.err) : ''}`;
      } catch {
        return;
      }
      if (level >= 50) {
        counts.errors++;
        problem(`${name} logged an error: ${msg}`);
      } else if (level >= 40) counts.warnings++;
    };
    const bot = startCli(['bot'], env, watchLog('bot'));
    procs.push(bot);
    const worker = startCli(['worker'], env, watchLog('worker'));
    procs.push(worker);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealthz(bot, base, 60_000);
    log(`bot and worker up (Redis db ${db}, bot on port ${port}); ${shape.soakMs / 60_000} min of load`);

    const t0 = Date.now();
    const until = t0 + shape.soakMs;
    const samples: Sample[] = [];
    const sample = async () => {
      // Someone else's FLUSHDB (a test on this database) would make every figure a lie.
      if ((await redis.exists('bench-soak:claim')) === 0) {
        throw new Error(
          `Redis database ${db} was emptied by something else during the soak (a test that flushes it?): its figures would mean nothing; run it again`,
        );
      }
      const c = await census(redis);
      const s: Sample = {
        t: Date.now() - t0,
        bot: bot.alive() ? rssMb(bot.pid) : Number.NaN,
        worker: worker.alive() ? rssMb(worker.pid) : Number.NaN,
        ...c,
      };
      samples.push(s);
      log(
        `${(s.t / 1000).toFixed(0)} s: bot ${s.bot.toFixed(0)} MB, worker ${s.worker.toFixed(0)} MB, ${s.keys} keys (${s.persistent} without TTL, ${s.keyMb.toFixed(2)} MB), Redis ${s.usedMb.toFixed(0)} MB; ${counts.alerts} alerts, ${counts.commands} commands, ${counts.jobs} jobs, ${counts.alertsRefused + counts.commandsFailed + counts.jobsFailed} failed`,
      );
    };

    // Alerts: an outage opens every 10 s on the next (real server, service), repeats every 5 s
    // while it lasts and ends with mon's upalert after 20 s.
    const alertLoop = async () => {
      const servers = ['web-1', 'web-2', 'web-3'];
      const addresses = new Map<string, string>(plan.realServers.map((r) => [r.name, r.address]));
      const open: { host: string; service: string; since: number }[] = [];
      let next = 0;
      let lastOpen = 0;
      const post = async (host: string, service: string, upAlert: boolean) => {
        const body = monAlertBody({ n: 0, host, address: addresses.get(host)!, service }, Date.now(), {
          up: upAlert,
        });
        try {
          const res = await fetch(`${base}/hooks/mon`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
            body,
          });
          if (res.status === 202) counts.alerts++;
          else {
            counts.alertsRefused++;
            problem(`/hooks/mon answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
          }
        } catch (err) {
          counts.alertsRefused++;
          problem(`/hooks/mon: ${(err as Error).message}`);
        }
      };
      while (!stopping && Date.now() < until) {
        const now = Date.now();
        for (const o of [...open]) {
          if (now - o.since >= OUTAGE_MS) {
            open.splice(open.indexOf(o), 1);
            await post(o.host, o.service, true);
          } else await post(o.host, o.service, false);
        }
        if (now - lastOpen >= shape.outageEveryMs) {
          lastOpen = now;
          const host = servers[next % servers.length]!;
          const service = SERVICES[Math.floor(next / servers.length) % SERVICES.length]!;
          next++;
          open.push({ host, service, since: now });
          await post(host, service, false);
        }
        await sleep(REPEAT_MS);
      }
      // Every outage the soak opened ends.
      for (const o of open) await post(o.host, o.service, true);
    };

    // The lab's own mon: web-3's HTTP stops, mon alerts through slack.alert, then it comes back.
    const monLoop = async () => {
      while (!stopping && Date.now() < until - 60_000) {
        try {
          await breakHost('web-3', { stateDir: LAB.stateDir });
          await sleep(35_000);
          await healHost('web-3', { stateDir: LAB.stateDir });
          counts.monOutages++;
        } catch (err) {
          problem(`lab break/heal web-3: ${(err as Error).message}`);
        }
        const wait = shape.monOutageEveryMs - 35_000;
        for (let waited = 0; waited < wait && !stopping && Date.now() < until; waited += 1000)
          await sleep(1000);
      }
    };

    // Slash commands, signed as Slack signs them: a read every 6 s, from two users.
    const commandLoop = async () => {
      const reads = ['/lvs status', '/lvs incidents', '/lvs jobs', '/lvs status', '/lvs help'];
      let i = 0;
      while (!stopping && Date.now() < until) {
        const line = reads[i % reads.length]!;
        const user = i % 2 === 0 ? 'U0OPERATOR' : 'U0APPROVER';
        i++;
        try {
          const res = await slack.command(line, { user, channel: CHANNEL });
          if (!res.ack.ok) throw new Error(`not acked: ${JSON.stringify(res.ack).slice(0, 200)}`);
          // /lvs status answers later, on the response_url, once a worker has read the directors.
          if (line === '/lvs status') await res.waitForResponse(undefined, 30_000);
          counts.commands++;
        } catch (err) {
          counts.commandsFailed++;
          problem(`${line} (${user}): ${(err as Error).message}`);
        }
        await sleep(6000);
      }
    };

    // Jobs on the directors: /lvs drain web-N, an approver's click, /lvs undrain web-N, a click.
    let jobStep = 'not started';
    const jobLoop = async () => {
      const seen = new Set<string>();
      let n = 0;
      const change = async (line: string, server: string) => {
        const c0 = Date.now();
        jobStep = `${line}: waiting for the ack`;
        const res = await slack.command(line, { user: 'U0OPERATOR', channel: CHANNEL });
        if (!res.ack.ok) throw new Error(`${line}: not acked: ${JSON.stringify(res.ack).slice(0, 200)}`);
        jobStep = `${line}: waiting for the approval request`;
        const request = await slack.waitForMessage(
          CHANNEL,
          (m) => !seen.has(m.ts) && m.text.startsWith('Approval needed') && m.text.includes(server),
          90_000,
        );
        seen.add(request.ts);
        const planned = Date.now();
        const click = await slack.click(request, 'lvs_approve', { user: 'U0APPROVER' });
        if (!click.ack.ok) throw new Error(`${line}: the approval click was not acked`);
        jobStep = `${line}: approved, waiting for the job to end`;
        const done = await slack.waitForMessage(
          CHANNEL,
          (m) => m.ts === request.ts && jobStatus(m) !== undefined,
          180_000,
        );
        const status = jobStatus(done)!;
        log(
          `${line}: planned in ${((planned - c0) / 1000).toFixed(1)} s, approved and ran in ${((Date.now() - planned) / 1000).toFixed(1)} s: ${status}`,
        );
        // Drain's "timed out" is the wait for connections: the weight is 0 all the same.
        if (/^(white_check_mark|alarm_clock): /.test(status)) counts.jobs++;
        else {
          counts.jobsFailed++;
          problem(`${line}: the job ended ${status}`);
        }
      };
      while (!stopping && Date.now() < until) {
        const server = n % 2 === 0 ? 'web-1' : 'web-2';
        n++;
        try {
          await change(`/lvs drain ${server} --timeout 5s`, server);
          await change(`/lvs undrain ${server}`, server);
          jobStep = 'idle';
        } catch (err) {
          counts.jobsFailed++;
          problem(`${server}: ${(err as Error).message}`);
        }
        await sleep(5000);
      }
    };

    await sample();
    const loops = [alertLoop(), monLoop(), commandLoop(), jobLoop()];
    while (Date.now() < until) {
      await sleep(Math.min(shape.sampleMs, Math.max(0, until - Date.now())));
      if (!bot.alive() || !worker.alive()) {
        problem(`${bot.alive() ? 'the worker' : 'the bot'} exited during the soak`);
        break;
      }
      await sample();
    }
    stopping = true;
    // Work in hand finishes (a drain and its undrain take up to a few minutes on a busy machine).
    const finished = await Promise.race([
      Promise.all(loops).then(() => true),
      sleep(quick ? 60_000 : 180_000).then(() => false),
    ]);
    if (!finished) problem(`the load did not wind down in time; the job loop was at: ${jobStep}`);
    const incidents = await new IncidentStore(redis, new Keys('lvs')).recent(CLUSTER, 1000);
    const fromMon = incidents.filter((i) => i.key === `${CLUSTER}/alert/web-3/http`);
    const monIncidents = fromMon.length;
    const monAlerts = fromMon.reduce((n, i) => n + i.count, 0);
    log(
      `incidents: ${incidents.length} in all, ${incidents.filter((i) => i.state === 'open').length} still open, ${monIncidents} from the lab's mon (web-3 http)`,
    );
    if (counts.monOutages > 0 && monIncidents === 0) {
      counts.errors++;
      problem("the lab's mon alerts (web-3 http) never reached the bot");
    }

    const first = samples[0]!;
    const last = samples.at(-1)!;
    const half = last.t / 2;
    const second = samples.filter((s) => s.t >= half);
    const mid = second[0]!;
    const botSlope = slopePerMin(second.map((s) => ({ t: s.t, y: s.bot })));
    const workerSlope = slopePerMin(second.map((s) => ({ t: s.t, y: s.worker })));
    const keySlope = slopePerMin(second.map((s) => ({ t: s.t, y: s.keys })));
    const grew = growth(mid, last);
    // A family without `*` is one key (a queue's own set, a counter): it cannot grow past 1.
    const unbounded = grew.filter((g) => g.persistent > 0 && !g.cap && g.fam.includes('*'));
    const unboundedGrowth = unbounded.reduce((n, g) => n + g.persistent, 0);
    const minutes = (last.t - mid.t) / 60_000;
    const unboundedPerMin = minutes > 0 ? unboundedGrowth / minutes : Number.NaN;
    const grownCollections = [...last.collections]
      .map(([key, size]) => ({ key, grew: size - (mid.collections.get(key) ?? 0), size }))
      .filter((c) => c.grew > 0)
      .map((c) => ({ ...c, bound: BOUNDED_COLLECTIONS.find((b) => b.pattern.test(c.key))?.bound }));
    const unboundedCollections = grownCollections.filter((c) => !c.bound);
    const describeCollection = (c: (typeof grownCollections)[number]) =>
      `${c.key} +${c.grew} to ${c.size} (${c.bound ?? 'nothing trims it'})`;
    log(
      `collections that grew over the second half: ${grownCollections.map(describeCollection).join(', ') || 'none'}`,
    );
    // Keys with a TTL stop growing once the first of them expire: at this load, about
    // (growth per minute) x (their TTL) of them, the steady state the soak cannot wait for.
    const expiring = grew.filter((g) => g.persistent === 0 && g.maxTtlMs > 0);
    const projected = expiring.map((g) => ({ g, keys: (g.grew / minutes) * (g.maxTtlMs / 60_000) }));
    projected.sort((a, b) => b.keys - a.keys);
    const steady = last.keys + projected.reduce((n, p) => n + p.keys, 0);
    const days = (ms: number) =>
      ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(0)} d` : `${(ms / 60_000).toFixed(0)} min`;
    const describe = (g: (typeof grew)[number]) =>
      `${g.fam} +${g.grew}${g.persistent > 0 ? ` (${g.persistent} without TTL${g.cap ? `; ${g.cap}` : ''})` : ' (with TTL)'}`;
    log(`key families that grew over the second half: ${grew.map(describe).join(', ') || 'none'}`);
    const failures = counts.alertsRefused + counts.commandsFailed + counts.jobsFailed + counts.errors;
    const ops = `${counts.alerts} alerts and upalerts (202), ${counts.commands} slash commands answered, ${counts.jobs} drain/undrain jobs done on the directors, ${counts.monOutages} outages of web-3's HTTP for the lab's mon (its alerts in ${monIncidents} incident(s), ${monAlerts} alerts counted in them: an outage within 10 minutes of the last reopens the same incident)`;
    const load = `${(shape.soakMs / 60_000).toFixed(1)} min, samples every ${shape.sampleMs / 1000} s`;
    const keyNote = `Redis db ${db} (the run's alone): ${first.keys} keys at the start, ${mid.keys} at half time, ${last.keys} at the end; ${keySlope.toFixed(1)} keys/min over the second half. Grew in the second half: ${grew.slice(0, 8).map(describe).join(', ') || 'nothing'}.`;
    return [
      {
        name: 'soak: operations done',
        value: counts.alerts + counts.commands + counts.jobs,
        unit: 'ops',
        note: `${load}: ${ops}`,
      },
      atMost('soak: failures (operations, and errors logged)', failures, '', 0, {
        note: `${counts.alertsRefused} alerts refused, ${counts.commandsFailed} commands failed, ${counts.jobsFailed} jobs failed, ${counts.errors} errors (lines at level error in the bot's or the worker's log, mon's alerts missing); ${counts.warnings} warning lines${problems.length > 0 ? `. First: ${problems.slice(0, 4).join(' | ')}` : ''}`,
      }),
      { name: 'soak: bot RSS at start', value: first.bot, unit: 'MB' },
      { name: 'soak: bot RSS at end', value: last.bot, unit: 'MB' },
      atMost('soak: bot RSS slope, second half', botSlope, 'MB/min', SOAK_GOALS.rssSlopeMbPerMin, {
        strict: true,
        note: `least-squares slope of RSS over the ${second.length} samples of the second half (GC moves single samples by several MB)`,
      }),
      { name: 'soak: worker RSS at start', value: first.worker, unit: 'MB' },
      { name: 'soak: worker RSS at end', value: last.worker, unit: 'MB' },
      atMost('soak: worker RSS slope, second half', workerSlope, 'MB/min', SOAK_GOALS.rssSlopeMbPerMin, {
        strict: true,
      }),
      { name: 'soak: Redis keys at start', value: first.keys, unit: 'keys' },
      { name: 'soak: Redis keys at end', value: last.keys, unit: 'keys', note: keyNote },
      atMost(
        'soak: Redis keys without TTL or cap, growth over the second half',
        unboundedPerMin,
        'keys/min',
        SOAK_GOALS.unboundedKeysPerMin,
        {
          note: `keys with no TTL that no queue trims, in families that grew over the second half: ${unbounded.map(describe).join(', ') || 'none'}. Keys with a TTL are retention (they go when it runs out) and are in the key count above.`,
        },
      ),
      atMost(
        'soak: Redis collections that grew over the second half with nothing to trim them',
        unboundedCollections.length,
        'keys',
        0,
        {
          note: `a key of its own (a list, set, hash or stream) without TTL whose elements grew over the second half: ${grownCollections.map(describeCollection).join(', ') || 'none'}`,
        },
      ),
      {
        name: 'soak: Redis keys at this load once their TTLs run out (projected)',
        value: steady,
        unit: 'keys',
        note: `at the soak's rate (an outage every 10 s and a drain or undrain approved and run every 8 s, nonstop: far busier than a real cluster), the end's count plus, for each family of keys with a TTL that grew over the second half, its growth per minute times its TTL: ${projected
          .slice(0, 5)
          .map(
            (p) =>
              `${p.g.fam} ${(p.g.grew / minutes).toFixed(1)}/min x ${days(p.g.maxTtlMs)} = ${Math.round(p.keys).toLocaleString('en-US')}`,
          )
          .join(', ')}`,
      },
      { name: "soak: Redis memory of the run's keys at start", value: first.keyMb, unit: 'MB' },
      {
        name: "soak: Redis memory of the run's keys at end",
        value: last.keyMb,
        unit: 'MB',
        note: `sum of MEMORY USAGE over the run's keys; the server's used_memory (every test's keys too) went ${first.usedMb.toFixed(0)} -> ${last.usedMb.toFixed(0)} MB`,
      },
    ];
  } finally {
    stopping = true;
    for (const p of procs) await p.stop();
    await slack.close();
    redis.disconnect();
    await emptyDb(db);
    await labDown(LAB);
  }
}

/**
 * The soak (issue #10): 10 minutes of steady alerts, slash commands and jobs against the real
 * `lvs-chatops bot` and `worker` on a lab of their own; memory and Redis must stay flat.
 * Not in the default run (issue #9 wants it under 15 minutes): `--soak` or `--only soak`.
 */
export const soakScenario: BenchScenario = {
  name: 'soak',
  needs: ['redis', 'lab'],
  slow: true,
  optIn: true,
  // The load, the lab's boot and the end of the work in hand.
  timeoutMs: (quick) => (quick ? 6 * 60_000 : 18 * 60_000),
  async run({ quick, log }): Promise<Figure[]> {
    const missing = cliCommandMissing('bot') ?? cliCommandMissing('worker');
    if (missing) throw new ScenarioSkipped(`${missing}: the soak runs the real processes`);
    return soak(quick, log);
  },
};
