import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { parseHaLogLine } from '../../src/core/heartbeat/ha-log.js';
import { type IngestServer, startIngestServer } from '../../src/ingest/ingest-server.js';
import { EventStore } from '../../src/store/event-store.js';
import { IncidentStore } from '../../src/store/incident-store.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { buildDist, ROOT } from './ingest-child.js';
import { freePort } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, quietLogger, until } from './ingest-support.js';

const FIXTURES = join(ROOT, 'test/fixtures/heartbeat');
// Real ha-log captures: lb2 of the two-director lab (syslog and resource-script lines), and
// hb1 of the reference lab, which switched to `syslogmsgfmt false` (plain lines), renamed lb1.
const LB2 = readFileSync(join(FIXTURES, 'ha-log-two-directors-lb2.txt'), 'utf8').split('\n').filter(Boolean);
const LB1 = readFileSync(join(FIXTURES, 'ha-log-lab-hb1.txt'), 'utf8')
  .replaceAll('hb1', 'lb1')
  .replaceAll('hb2', 'lb2')
  .split('\n')
  .filter(Boolean);

/** The lines the follower should send: those heartbeat's parser recognises as an event. */
function events(lines: string[]): string[] {
  return lines.filter((l) => {
    const p = parseHaLogLine(l, { reference: new Date() });
    return p.ok && p.value.event.kind !== 'other';
  });
}

let ctx: ReturnType<typeof testRedis>;
let dir: string;
let ingest: IngestServer | undefined;
let port: number;
let followers: ChildProcess[] = [];

async function startIngest(): Promise<void> {
  const keys = new Keys(ctx.prefix);
  ingest = await startIngestServer({
    port,
    redis: ctx.redis,
    keys,
    events: new EventStore(ctx.redis, keys),
    incidents: new IncidentStore(ctx.redis, keys),
    inventory: labInventory(),
    token: INGEST_TOKEN,
    logger: quietLogger(),
  });
}

/** `lvs-chatops follow-halog FILE` as installed, with the token in the environment. */
function follow(file: string, node: string, extra: string[] = []): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      'bin/lvs-chatops.js',
      'follow-halog',
      file,
      '--url',
      `http://127.0.0.1:${port}`,
      '--state',
      join(dir, `${node}.state`),
      '--cluster',
      'lab',
      '--node',
      node,
      ...extra,
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LVS_CHATOPS_TOKEN: INGEST_TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  followers.push(child);
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** The ha-log lines the stream holds, in stream order. */
async function delivered(): Promise<string[]> {
  const entries = await ctx.redis.xrange(new Keys(ctx.prefix).eventStream(), '-', '+');
  return entries.map(([, f]) => (JSON.parse(f[1]!) as LvsEvent).detail ?? '');
}

async function expectDelivered(lines: string[], ms = 20_000): Promise<void> {
  const want = events(lines);
  await until(
    async () => (await delivered()).length >= want.length,
    ms,
    `${want.length} events delivered`,
  ).catch(async (e) => {
    expect(await delivered()).toEqual(want);
    throw e;
  });
  await new Promise((r) => setTimeout(r, 400)); // anything extra would show up now
  expect(await delivered()).toEqual(want);
}

beforeAll(buildDist, 180_000);
beforeEach(async () => {
  ctx = testRedis();
  dir = await mkdtemp(join(tmpdir(), 'follow-halog-'));
  port = await freePort();
  await startIngest();
});
afterEach(async () => {
  await Promise.all(followers.map((f) => kill(f)));
  followers = [];
  await ingest?.close();
  ingest = undefined;
  await ctx.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('lvs-chatops follow-halog', () => {
  it('posts every failover event of both line formats, in order, as heartbeat events of the directors', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB1.join('\n')}\n`);
    follow(file, 'lb1', ['--from-start']);
    await expectDelivered(LB1);
    const entries = await ctx.redis.xrange(new Keys(ctx.prefix).eventStream(), '-', '+');
    const all = entries.map(([, f]) => JSON.parse(f[1]!) as LvsEvent);
    expect(new Set(all.map((e) => e.source))).toEqual(new Set(['heartbeat']));
    expect(
      all.some((e) => e.detail?.startsWith('heartbeat[') && e.phase === 'node-dead' && e.node === 'lb2'),
    ).toBe(true);
    expect(all.some((e) => e.detail?.startsWith('Nov') && e.phase === 'node-dead')).toBe(true);
  });

  it('starts at the end of the file without a saved position, unless --from-start', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.slice(0, 40).join('\n')}\n`);
    const child = follow(file, 'lb2');
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // It says where it starts once the file is open; lines written before that are not new.
    await until(() => stderr.includes('from its end'), 30_000, 'the follower to open the file');
    expect(stderr).toContain(`(byte ${Buffer.byteLength(`${LB2.slice(0, 40).join('\n')}\n`)})`);
    appendFileSync(file, `${LB2.slice(40).join('\n')}\n`);
    await expectDelivered(LB2.slice(40));
  });

  it('follows the log across a rotation: the old file to its end, then the new one from its start', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.slice(0, 30).join('\n')}\n`);
    follow(file, 'lb2', ['--from-start']);
    await expectDelivered(LB2.slice(0, 30));
    renameSync(file, `${file}.1`);
    // heartbeat still holds the old file until it reopens its log.
    appendFileSync(`${file}.1`, `${LB2.slice(30, 50).join('\n')}\n`);
    writeFileSync(file, `${LB2.slice(50).join('\n')}\n`);
    await expectDelivered(LB2);
  });

  it('follows the log when it is truncated in place (copytruncate)', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.slice(0, 50).join('\n')}\n`);
    follow(file, 'lb2', ['--from-start']);
    await expectDelivered(LB2.slice(0, 50));
    truncateSync(file, 0);
    appendFileSync(file, `${LB2.slice(50).join('\n')}\n`);
    await expectDelivered(LB2);
  });

  it('resumes after a crash where it stopped: nothing missed, nothing twice, a rotation meanwhile included', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.slice(0, 35).join('\n')}\n`);
    const first = follow(file, 'lb2', ['--from-start']);
    await expectDelivered(LB2.slice(0, 35));
    await kill(first);
    appendFileSync(file, `${LB2.slice(35, 45).join('\n')}\n`);
    renameSync(file, `${file}.1`);
    writeFileSync(file, `${LB2.slice(45).join('\n')}\n`);
    follow(file, 'lb2');
    await expectDelivered(LB2);
    // At most the line in flight when it was killed went out twice (and was stored once).
    expect(ingest!.handler.metrics.duplicate.get({ source: 'heartbeat' })).toBeLessThanOrEqual(1);
  });

  it('keeps the events while the bot is down and delivers them once it is back', async () => {
    await ingest!.close();
    ingest = undefined;
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.join('\n')}\n`);
    const child = follow(file, 'lb2', ['--from-start']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await until(() => stderr.includes('trying again'), 10_000, 'a retry');
    expect(stderr).toContain('no answer from');
    await startIngest();
    await expectDelivered(LB2, 40_000);
  });

  it('stops cleanly on SIGTERM, having saved where it was', async () => {
    const file = join(dir, 'ha-log');
    writeFileSync(file, `${LB2.slice(0, 40).join('\n')}\n`);
    const child = follow(file, 'lb2', ['--from-start']);
    await expectDelivered(LB2.slice(0, 40));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const state = JSON.parse(readFileSync(join(dir, 'lb2.state'), 'utf8')) as { offset: number };
    expect(state.offset).toBe(Buffer.byteLength(`${LB2.slice(0, 40).join('\n')}\n`));
  });
});
