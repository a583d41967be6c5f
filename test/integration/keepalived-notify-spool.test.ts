import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { IngestPeer, NOTIFY_SH, runScript, TOKEN, tempDir } from './slack-alert-helpers.js';

/** The bot is away, busy or hung while keepalived changes state: nothing lost, nothing twice. */

const TIMEOUT_S = 1;
const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('keepalived-notify-spool');
  peer.received.length = 0;
  peer.respond = () => 202;
});
afterEach(async () => {
  await dir.remove();
  await peer.start().catch(() => {});
});

const spool = () => join(dir.path, 'spool');

const notify = (name: string, state = 'MASTER', timeoutS = TIMEOUT_S) =>
  runScript(NOTIFY_SH, ['INSTANCE', name, state, '100'], {
    env: {
      LVS_CHATOPS_URL: peer.url,
      LVS_CHATOPS_TOKEN: TOKEN,
      LVS_CHATOPS_KEEPALIVED_SPOOL: spool(),
      LVS_CHATOPS_TIMEOUT: String(timeoutS),
      LVS_CHATOPS_CONF: '/dev/null',
    },
  });

/** Ids of the events waiting in the spool, oldest first. */
async function waiting(): Promise<string[]> {
  const names = (await readdir(spool()).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.json'))
    .sort();
  return Promise.all(
    names.map(
      async (n) => keepalivedNotifySchema.parse(JSON.parse(await readFile(join(spool(), n), 'utf8'))).id,
    ),
  );
}

const names = () =>
  peer.accepted.map((b) => {
    const { event } = keepalivedNotifySchema.parse(b);
    return event.name;
  });

describe('notify.sh when the bot does not answer', () => {
  it('spools the event and exits 0 at once when the bot refuses connections', async () => {
    await peer.stop();
    // A refused connection is not waited on: with a 20 s timeout it still returns well before.
    const run = await notify('VI_1', 'MASTER', 20);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(20_000);
    expect(run.stderr).toMatch(/did not answer .*; 1 event\(s\) wait in /);
    expect(await waiting()).toHaveLength(1);
  });

  it('sends the spool oldest first, then the new event, once the bot is back', async () => {
    await peer.stop();
    for (const n of ['VI_1', 'VI_2', 'VI_3']) await notify(n);
    const before = await waiting();
    expect(before).toHaveLength(3);
    await peer.start();
    const run = await notify('VI_4');
    expect(run.stderr).toBe('');
    expect(names()).toEqual(['VI_1', 'VI_2', 'VI_3', 'VI_4']);
    expect(peer.accepted.slice(0, 3).map((b) => b.id)).toEqual(before);
    expect(await waiting()).toEqual([]);
  });

  it.each([503, 429])('keeps events spooled while the bot answers %i, then delivers them', async (status) => {
    peer.respond = () => status;
    await notify('VI_1');
    expect(await waiting()).toHaveLength(1);
    peer.respond = () => 202;
    await notify('VI_2');
    expect(names()).toEqual(['VI_1', 'VI_2']);
  });

  it('moves an event the bot refuses with 400 to rejected/ and goes on with the rest', async () => {
    await peer.stop();
    await notify('VI_1');
    await notify('VI_2');
    const [bad] = await waiting();
    await peer.start();
    peer.respond = (r) => (r.body.id === bad ? 400 : 202);
    const run = await notify('VI_3');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/refused event .* \(HTTP 400\); moved to .*rejected/);
    expect(names()).toEqual(['VI_2', 'VI_3']);
    const rejected = await readdir(join(spool(), 'rejected'));
    expect(rejected.filter((n) => n.endsWith('.json'))).toEqual([expect.stringContaining(bad!)]);
    expect(rejected.filter((n) => n.endsWith('.answer'))).toHaveLength(1);
    peer.received.length = 0;
    await notify('VI_4');
    expect(peer.received.map((r) => r.body.id)).not.toContain(bad);
  });

  it('gives up on a hung bot after its timeout, keeps the event, and delivers it once later', async () => {
    peer.respond = () => 'hang';
    // The bot never answers: the script ends only because it gives up, after waiting its 2 s
    // (the upper bound leaves room for a busy machine's process starts, far short of a hang).
    const run = await notify('VI_1', 'MASTER', 2);
    expect(run.code).toBe(0);
    expect(run.ms).toBeGreaterThanOrEqual(2_000);
    expect(run.ms).toBeLessThan(12_000);
    expect(run.stderr).toMatch(/did not answer/);
    const [id] = await waiting();
    peer.respond = () => 202;
    await notify('VI_2');
    expect(peer.accepted.map((b) => b.id)).toEqual([id, expect.any(String)]);
  });

  it('delivers every one of 20 concurrent events exactly once after the bot was down', async () => {
    await peer.stop();
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => notify(`VI_${i + 1}`)));
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const before = await waiting();
    expect(new Set(before).size).toBe(20);
    await peer.start();
    await notify('VI_21');
    const sent = peer.received.map((r) => r.body.id);
    expect(sent).toHaveLength(21);
    expect(new Set(sent).size).toBe(21);
    expect(sent.slice(0, 20)).toEqual(before);
    expect(await waiting()).toEqual([]);
  });

  it('delivers every one of 20 concurrent events exactly once while the bot is up', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => notify(`VI_${i + 1}`)));
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const sent = peer.received.map((r) => r.body.id);
    expect(sent).toHaveLength(20);
    expect(new Set(sent).size).toBe(20);
    expect(await waiting()).toEqual([]);
  });
});
