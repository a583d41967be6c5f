import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSlack } from '../../src/localslack/index.js';
import { TestSshd } from '../support/sshd.js';
import {
  buildDistIfStale,
  type CliProcess,
  DurableRedis,
  duplicatePosts,
  faultsInventoryYaml,
  markerOf,
  posts,
  startCli,
  until,
} from './faults-support.js';
import { type Child, distUrl, runModule } from './ingest-child.js';
import { freePort } from './ingest-own-redis.js';
import { monBody, post } from './ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';

// Scale-out: two `lvs-chatops bot` processes and two worker processes (from dist/) on one
// Redis, against the local Slack and a real sshd. mon alerts both bots with the same alert
// (as a setup with two bots behind one name may). No Slack message twice, no remediation
// twice, and both bots give the same answers about subscriptions and incidents.
//
// The workers are the real PlaybookWorker and notify worker, with one difference from
// `lvs-chatops worker`: their planner turns each remediation into a line appended to a file
// on the sshd host (the real playbooks' ipvsadm runs in the lab, test/lab), so that what ran
// can be counted.

const SERVERS = 6;
/** Half of them down: the default capacity floor lets automatic removal take that many, no more. */
const DOWN = 3;
const INGEST_TOKEN = 'faults-scale-ingest-token';

let redis: DurableRedis;
let slack: LocalSlack;
let sshd: TestSshd;
let dir: string;
let env: Record<string, string>;
const ports: number[] = [];
const bots: CliProcess[] = [];
const workers: Child[] = [];
const ledger = () => join(sshd.dir, 'remediations.log');

function workerProcess(name: string): Promise<Child> {
  const source = `
    import { Redis } from 'ioredis';
    import { readEnv } from '${distUrl('src/config/env.js')}';
    import { loadInventory } from '${distUrl('src/config/load-inventory.js')}';
    import { makeSnapshot } from '${distUrl('src/core/policy/approval-snapshot.js')}';
    import { startAlertPipeline } from '${distUrl('src/ingest/alert-pipeline.js')}';
    import { createLogger } from '${distUrl('src/log/logger.js')}';
    import { EventStore } from '${distUrl('src/store/event-store.js')}';
    import { Keys } from '${distUrl('src/store/keys.js')}';
    import { PlaybookWorker } from '${distUrl('src/workers/playbook-worker.js')}';
    const env = readEnv(process.env);
    const inventory = (await loadInventory(env.LVS_INVENTORY)).value;
    const logger = createLogger({ level: 'warn', name: '${name}' });
    const connect = () => new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
    const planner = {
      readsFor: () => [],
      planFor: ({ target }) => ({
        playbook: target.playbook, cluster: 'lab', title: target.playbook + ' ' + target.realServer,
        activeDirector: 'lb1', safety: [], blockers: [], remember: [], undo: null,
        alreadyDone: false, doneWhenPlanned: [], snapshot: makeSnapshot(['scale-out']),
        steps: [{
          id: 'act', title: 'act', doneWhen: null, wait: null, verify: [], rollback: [],
          required: true, onlyAfterChange: false,
          actions: [{ host: 'lb1', judge: { kind: 'exit', okCodes: [0] },
            argv: ['sh', '-c', 'echo ' + target.playbook + ':' + target.realServer + ' >> ' + process.env.LEDGER] }],
        }],
      }),
    };
    await PlaybookWorker.start({
      connect, inventory, logger, planner, name: '${name}',
      events: new EventStore(connect(), new Keys()),
    });
    await startAlertPipeline({ env, inventory, logger, serve: false, processor: false, worker: true, jobs: false });
    console.log('ready');
  `;
  return runModule(source, { ...env, LEDGER: ledger() }, 150_000).then((child) => {
    workers.push(child);
    return child;
  });
}

beforeAll(async () => {
  await buildDistIfStale();
  [redis, slack, sshd] = await Promise.all([
    DurableRedis.start(),
    startAlertSlack({ postMessagePerChannel: false }),
    TestSshd.start(),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'lvs-faults-scale-'));
  await writeFile(join(dir, 'inventory.yml'), faultsInventoryYaml({ servers: SERVERS, sshd, auto: true }));
  env = {
    LVS_INVENTORY: join(dir, 'inventory.yml'),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    INGEST_TOKEN,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'info',
  };
  for (const _ of [1, 2]) {
    const port = await freePort();
    ports.push(port);
    bots.push(startCli(['bot'], { ...env, PORT: String(port) }));
  }
  await Promise.all([
    ...bots.map((b) => b.said('listening on port')),
    workerProcess('w1'),
    workerProcess('w2'),
  ]);
}, 600_000);

afterAll(async () => {
  await Promise.all([...bots.map((b) => b.kill()), ...workers.map((w) => w.kill())]);
  await slack?.close();
  await redis?.dispose();
  await sshd?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bot = (i: number) => `http://127.0.0.1:${ports[i]}`;

/** `/lvs …` as delivered to bot `i`: the local Slack sends it to that bot's request URL. */
async function ask(i: number, text: string): Promise<string> {
  slack.setApp({ requestUrl: `${bot(i)}/slack/events` });
  const result = await slack.command(text, { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
  expect(result.ack.ok, JSON.stringify(result.ack)).toBe(true);
  const body = result.ack.body as { text?: string; blocks?: unknown } | undefined;
  return `${body?.text ?? ''}\n${JSON.stringify(body?.blocks ?? [])}`;
}

async function ledgerLines(): Promise<string[]> {
  const text = await readFile(ledger(), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

describe('two bots and two workers on one Redis', () => {
  it('post nothing twice, remediate nothing twice, and agree', { timeout: 120_000 }, async () => {
    // A subscription made through one bot.
    expect(await ask(0, '/lvs subscribe <#C0ALERTS|alerts> kind=alert')).not.toMatch(/usage|malformed|not /i);

    // Each alert to both bots, at the same time: the same id, so one event.
    for (let s = 1; s <= DOWN; s++) {
      const body = monBody({ server: s, summary: `web-${s} refused` });
      const answers = await Promise.all(
        [0, 1].map((i) => post(bot(i), '/hooks/mon', body, { token: INGEST_TOKEN })),
      );
      expect(answers.map((a) => a.status)).toEqual([202, 202]);
    }
    // A repeat of each, to one bot or the other.
    for (let s = 1; s <= DOWN; s++) {
      const body = monBody({ server: s, summary: `web-${s} still refused` });
      expect((await post(bot(s % 2), '/hooks/mon', body, { token: INGEST_TOKEN })).status).toBe(202);
    }

    const removals = Array.from({ length: DOWN }, (_, i) => `remove-real-server:web-${i + 1}`).sort();
    await until('every removal run', async () => (await ledgerLines()).length >= DOWN, 60_000).catch(
      async (err: Error) => {
        const said = [
          `ledger: ${(await ledgerLines()).join(', ')}`,
          ...bots.map((b, i) => `bot ${i}: ${b.output().slice(-3000)}`),
          ...workers.map(
            (w, i) => `worker ${i}: ${w.lines.slice(-20).join('\n')}\n${w.stderr().slice(-2000)}`,
          ),
        ];
        throw new Error(`${err.message}\n${said.join('\n')}`);
      },
    );
    const mains = (channel: string) => posts(slack, channel).filter((c) => markerOf(c)?.part === 'main');
    await until(
      'every incident posted in both channels with its repeat',
      () =>
        ['C0LVSOPS', 'C0ALERTS'].every(
          (ch) =>
            mains(ch).length >= DOWN &&
            mains(ch).every((m) =>
              slack.thread(ch, String(m.response.ts)).some((r) => r.text.includes('repeat')),
            ),
        ),
      60_000,
    );

    // No remediation twice: each removal ran once, across both workers.
    expect((await ledgerLines()).sort()).toEqual(removals);
    // No Slack message twice.
    for (const ch of ['C0LVSOPS', 'C0ALERTS']) {
      expect(duplicatePosts(slack, ch), ch).toEqual([]);
      expect(new Set(mains(ch).map((c) => markerOf(c)!.subject)).size).toBe(DOWN);
      for (const m of mains(ch)) {
        const replies = slack.thread(ch, String(m.response.ts)).filter((r) => r.text.includes('repeat'));
        expect(replies, `${ch} ${markerOf(m)!.subject}`).toHaveLength(1);
      }
    }

    // Both bots agree on subscriptions and incidents.
    const subs = await Promise.all([0, 1].map((i) => ask(i, '/lvs subscriptions')));
    expect(subs[0]).toMatch(/C0ALERTS|alerts/);
    expect(subs[1]).toBe(subs[0]);
    const incidents = await Promise.all([0, 1].map((i) => ask(i, '/lvs incidents')));
    for (let s = 1; s <= DOWN; s++) expect(incidents[0]).toContain(`web-${s}`);
    // The same list; only the ages ("open 12s") may have moved on between the two asks.
    const ageless = (text: string) => text.replace(/\b\d+(ms|s|m|h|d)\b/g, 'N');
    expect(ageless(incidents[1]!)).toBe(ageless(incidents[0]!));
    // Nor did either bot log an error doing so.
    for (const b of bots) expect(b.output()).not.toMatch(/"level":50/);
  });
});
