import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incidents/index.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { ApiCall } from '../../src/localslack/types.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import {
  buildDistIfStale,
  type CliProcess,
  DurableRedis,
  faultsInventoryYaml,
  startCli,
  until,
} from './faults-support.js';
import { ROOT } from './ingest-child.js';
import { freePort } from './ingest-own-redis.js';
import { monBody, post } from './ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';

// Incidents the bot learns of long after they happened: a heartbeat log of 2003 replayed with
// `lvs-chatops follow-halog --from-start`, and mon alerts an hour old (as slack.alert's spool
// delivers them once the bot is back). Their escalation steps and reminders count from when
// the bot learned of them, at their usual spacing: not every step and reminder of the years
// since, at once. The real `lvs-chatops bot` then stops on SIGTERM.

const INGEST_TOKEN = 'escalation-late-ingest-token';
const FIRST = 4_000;
const SECOND = 4_000;
const REMIND = 6_000;

let redis: DurableRedis;
let slack: LocalSlack;
let dir: string;
let port: number;
let env: Record<string, string>;
let bot: CliProcess;
let store: IncidentStore;
let storeRedis: Redis;

beforeAll(async () => {
  await buildDistIfStale();
  [redis, slack] = await Promise.all([DurableRedis.start(), startAlertSlack()]);
  dir = await mkdtemp(join(tmpdir(), 'lvs-escalation-late-'));
  const inventory = faultsInventoryYaml({ servers: 3 }).replace(
    '      approvers: { users: [U0APPROVER] }\n',
    [
      '      approvers: { users: [U0APPROVER] }',
      '    policy:',
      `      remindEvery: ${REMIND / 1000}s`,
      '      escalation:',
      `        after: ${FIRST / 1000}s`,
      '        channel: C0LVSOPS',
      '        mention: { users: [U0OPERATOR] }',
      `        then: { after: ${SECOND / 1000}s, channel: C0ALERTS, mention: { users: [U0APPROVER] } }`,
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'inventory.yml'), inventory);
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
  bot = startCli(['bot', '--with-notifier'], env);
  await bot.said('listening on port');
  storeRedis = new Redis(redis.url);
  store = new IncidentStore(storeRedis, new Keys('lvs'));
}, 600_000);

afterAll(async () => {
  await bot?.kill();
  storeRedis?.disconnect();
  await slack?.close();
  await redis?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The bot's posts (ok) whose text names the incident and says `what`. */
function postsOf(incident: string, what: string): ApiCall[] {
  return slack
    .calls('chat.postMessage')
    .filter(
      (c) =>
        c.response.ok === true &&
        String(c.args.text).includes(`*${incident}*`) &&
        String(c.args.text).includes(what),
    );
}
function channelsOf(calls: ApiCall[]): string[] {
  return calls.map((c) => String(c.args.channel)).sort();
}
const STEP_1 = 'nobody acknowledged it (level 1 of 2)';
const STEP_2 = 'nobody acknowledged it (level 2 of 2)';
const REMINDER = 'is still open after';

/**
 * Waits until the incident was escalated to both levels and reminded three times, then checks
 * that each step was sent once and each at its time counted from when the bot learned of it
 * (no sooner than `sent`: the bot cannot have learned of it before it was sent).
 */
async function expectPaced(incident: Incident, sent: number): Promise<void> {
  await until(
    `${incident.id}'s second level and third reminder`,
    () => postsOf(incident.id, STEP_2).length >= 2 && postsOf(incident.id, REMINDER).length >= 3,
    120_000,
  );
  const learned = sent;
  const first = postsOf(incident.id, STEP_1);
  const second = postsOf(incident.id, STEP_2);
  const reminders = postsOf(incident.id, REMINDER);
  const detail = JSON.stringify({
    learned,
    first: first.map((c) => c.at),
    second: second.map((c) => c.at),
    reminders: reminders.map((c) => c.at),
  });
  // Each step once in each channel it goes to: the first in the incident's thread, the second
  // there and in its own channel.
  expect(channelsOf(first), detail).toEqual(['C0LVSOPS']);
  expect(channelsOf(second), detail).toEqual(['C0ALERTS', 'C0LVSOPS']);
  expect(first[0]!.at, detail).toBeGreaterThanOrEqual(learned + FIRST);
  expect(second[0]!.at, detail).toBeGreaterThanOrEqual(learned + FIRST + SECOND);
  // Reminder k no sooner than k × remindEvery after the bot learned of it: no catch-up burst.
  reminders.forEach((c, k) => {
    expect(c.at, detail).toBeGreaterThanOrEqual(learned + (k + 1) * REMIND);
  });
}

describe('escalation of incidents the bot learns of late', () => {
  it('mon alerts an hour old escalate from when they arrived, at the usual pace', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const alert = monBody({ server: 2 });
    alert.time = hourAgo.toISOString();
    (alert.mon as { time: number }).time = Math.floor(hourAgo.getTime() / 1000);
    const sent = Date.now();
    const answer = await post(`http://127.0.0.1:${port}`, '/hooks/mon', alert, { token: INGEST_TOKEN });
    expect(answer.status, answer.text).toBe(202);
    const incident = await until(
      'the alert incident',
      async () => (await store.open('lab')).find((i) => i.kind === 'outage'),
      30_000,
    );
    expect(incident.openedAt).toBeLessThanOrEqual(hourAgo.getTime());
    await expectPaced(incident, sent);
  }, 300_000);

  it('a heartbeat log of 2003 replayed from its start escalates from the replay, at the usual pace', async () => {
    const sent = Date.now();
    const follower = startCli(
      [
        'follow-halog',
        join(ROOT, 'test/fixtures/heartbeat/seed-section10-1.txt'),
        '--url',
        `http://127.0.0.1:${port}`,
        '--state',
        join(dir, 'halog.state'),
        '--cluster',
        'lab',
        '--node',
        'lb1',
        '--from-start',
        '--once',
      ],
      { LVS_CHATOPS_TOKEN: INGEST_TOKEN },
    );
    await until('follow-halog --once to finish', () => follower.child.exitCode !== null, 120_000);
    expect(follower.child.exitCode, follower.output()).toBe(0);
    // The log ends with heartbeat shutting down on clu1: a failover still open.
    const open = await until(
      'an open failover incident',
      async () => (await store.open('lab')).find((i) => i.kind === 'failover'),
      30_000,
    );
    expect(open.openedAt).toBeLessThan(Date.UTC(2004, 0, 1));
    await expectPaced(open, sent);
  }, 300_000);

  it('stops on SIGTERM; started again after missing reminders, it sends one late, then keeps its pace', async () => {
    const open = (await store.open('lab')).find((i) => i.kind === 'failover')!;
    expect(await bot.stop('SIGTERM', 60_000), bot.output()).toBe(0);
    const stopped = Date.now();
    const before = postsOf(open.id, REMINDER).length;
    // Down long enough to miss two reminders.
    await until('two reminders to be missed', () => Date.now() > stopped + 2.5 * REMIND, 3 * REMIND);
    bot = startCli(['bot', '--with-notifier'], env);
    await bot.said('listening on port');
    await until(
      'two reminders after the restart',
      () => postsOf(open.id, REMINDER).length >= before + 2,
      120_000,
    );
    const after = postsOf(open.id, REMINDER).slice(before);
    const detail = JSON.stringify({ stopped, reminders: after.map((c) => c.at) });
    // One catch-up for the missed ones, then the usual spacing (a burst would post them ms apart).
    expect(after[1]!.at - after[0]!.at, detail).toBeGreaterThanOrEqual(REMIND / 2);
    expect(await bot.stop('SIGTERM', 60_000), bot.output()).toBe(0);
  }, 300_000);
});
