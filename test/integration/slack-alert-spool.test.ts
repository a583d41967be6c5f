import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';
import {
  IngestPeer,
  type MonCall,
  monArgv,
  monEnv,
  runScript,
  SLACK_ALERT,
  TOKEN,
  tempDir,
} from './slack-alert-helpers.js';

/**
 * The bot is away, busy, or hung: mon must not wait on it and no alert may be lost or sent
 * twice. The spool is a JSON-lines file; what matters to the operator is what the bot
 * receives and in what order.
 */

const TIMEOUT_S = 1;
const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('slack-alert-spool');
  peer.received.length = 0;
  peer.respond = () => 202;
  if (peer.port === 0) await peer.start();
});
afterEach(async () => {
  await dir.remove();
  // A test that stopped the bot leaves it stopped; bring it back for the next one.
  await peer.start().catch(() => {});
});

const spool = () => join(dir.path, 'spool', 'alerts.jsonl');

function alertFor(n: number, extra: Partial<MonCall> = {}): MonCall {
  return {
    group: `web-${n}`,
    service: 'http',
    hosts: [`10.0.0.${20 + n}`],
    alertType: 'failure',
    userArgs: ['-P', 'tcp', '-V', '10.0.0.100:80', '-R', `10.0.0.${20 + n}:80`, '-W', '1', '-F', 'dr'],
    output: `10.0.0.${20 + n}\nconnection refused\n`,
    ...extra,
  };
}

function asMon(call: MonCall, timeoutS = TIMEOUT_S) {
  return runScript(SLACK_ALERT, monArgv(call), {
    env: monEnv({
      ...call,
      serviceEnv: {
        LVS_CHATOPS_URL: peer.url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_SPOOL: spool(),
        LVS_CHATOPS_TIMEOUT: String(timeoutS),
        LVS_CHATOPS_CONF: '/dev/null',
      },
    }),
    stdin: call.output,
  });
}

async function spooledIds(path = spool()): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => monAlertSchema.parse(JSON.parse(l)).id);
}

const groups = () => peer.accepted.map((b) => monAlertSchema.parse(b).mon.group);

describe('slack.alert when the bot does not answer', () => {
  it('spools the alert and exits 0 at once when the bot refuses connections', async () => {
    await peer.stop();
    // A refused connection is not waited on: with a 20 s timeout it still returns well before.
    const run = await asMon(alertFor(1), 20);
    expect(run.code).toBe(0);
    expect(run.ms).toBeLessThan(20_000);
    expect(run.stderr).toMatch(/did not answer .*; 1 alert\(s\) wait in .*alerts\.jsonl/);
    const ids = await spooledIds();
    expect(ids).toHaveLength(1);
  });

  it('sends the spool oldest first, then the new alert, once the bot is back', async () => {
    await peer.stop();
    for (const n of [1, 2, 3]) expect((await asMon(alertFor(n))).code).toBe(0);
    const waiting = await spooledIds();
    expect(waiting).toHaveLength(3);
    await peer.start();
    const run = await asMon(alertFor(4));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(groups()).toEqual(['web-1', 'web-2', 'web-3', 'web-4']);
    expect(peer.accepted.slice(0, 3).map((b) => b.id)).toEqual(waiting);
    expect(await spooledIds()).toEqual([]);
  });

  it.each([503, 500, 429])(
    'keeps alerts spooled while the bot answers %i, then delivers them',
    async (status) => {
      peer.respond = () => status;
      await asMon(alertFor(1));
      await asMon(alertFor(2));
      expect(await spooledIds()).toHaveLength(2);
      peer.respond = () => 202;
      await asMon(alertFor(3));
      expect(groups()).toEqual(['web-1', 'web-2', 'web-3']);
      expect(await spooledIds()).toEqual([]);
    },
  );

  it('moves an alert the bot refuses with 400 to .rejected and goes on with the rest', async () => {
    await peer.stop();
    await asMon(alertFor(1));
    await asMon(alertFor(2));
    const [bad] = await spooledIds();
    await peer.start();
    peer.respond = (r) => (r.body.id === bad ? 400 : 202);
    const run = await asMon(alertFor(3));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/refused alert .* \(400 Bad Request\); moved to .*alerts\.jsonl\.rejected/);
    expect(groups()).toEqual(['web-2', 'web-3']);
    const rejected = (await readFile(`${spool()}.rejected`, 'utf8')).trim().split('\n');
    expect(rejected).toHaveLength(1);
    const entry = JSON.parse(rejected[0]!) as { status: number; answer: string; entry: { id: string } };
    expect(entry.status).toBe(400);
    expect(entry.entry.id).toBe(bad);
    expect(entry.answer).toContain('status 400');
    // Not retried on later runs.
    peer.received.length = 0;
    await asMon(alertFor(4));
    expect(peer.received.map((r) => r.body.id)).not.toContain(bad);
    expect(groups()).toEqual(['web-4']);
  });

  it('moves a damaged spool line to .rejected without sending it', async () => {
    await peer.stop();
    await asMon(alertFor(1));
    await writeFile(spool(), `${await readFile(spool(), 'utf8')}{"half a line\n`);
    await peer.start();
    await asMon(alertFor(2));
    expect(groups()).toEqual(['web-1', 'web-2']);
    const rejected = JSON.parse((await readFile(`${spool()}.rejected`, 'utf8')).trim()) as { entry: string };
    expect(rejected.entry).toBe('{"half a line');
  });

  it('gives up on a hung bot after its timeout, keeps the alert, and delivers it once later', async () => {
    // The bot accepts the connection and reads the request, then never answers: the script
    // ends only because it gives up after its 2 s (the upper bound leaves room for a busy
    // machine's process starts, far short of a hang).
    peer.respond = () => 'hang';
    const run = await asMon(alertFor(1), 2);
    expect(run.code).toBe(0);
    expect(run.ms).toBeGreaterThanOrEqual(2_000);
    expect(run.ms).toBeLessThan(12_000);
    expect(run.stderr).toMatch(/did not answer/);
    const [id] = await spooledIds();
    expect(peer.received.map((r) => r.body.id)).toEqual([id]);
    peer.respond = () => 202;
    await asMon(alertFor(2));
    expect(peer.accepted.map((b) => b.id)).toEqual([id, expect.any(String)]);
  });

  it('gives up on a listener that never even reads, after its timeout', async () => {
    // A port that accepts connections and never reads or writes, like a wedged process.
    const sockets: import('node:net').Socket[] = [];
    const wedged = createServer((s) => sockets.push(s));
    await new Promise<void>((ok) => wedged.listen(0, '127.0.0.1', () => ok()));
    const port = (wedged.address() as import('node:net').AddressInfo).port;
    try {
      const call = alertFor(1);
      const run = await runScript(SLACK_ALERT, monArgv(call), {
        env: monEnv({
          ...call,
          serviceEnv: {
            LVS_CHATOPS_URL: `http://127.0.0.1:${port}`,
            LVS_CHATOPS_TOKEN: TOKEN,
            LVS_CHATOPS_SPOOL: spool(),
            LVS_CHATOPS_TIMEOUT: '2',
            LVS_CHATOPS_CONF: '/dev/null',
          },
        }),
        stdin: call.output,
      });
      expect(run.code).toBe(0);
      expect(run.ms).toBeGreaterThanOrEqual(2_000);
      expect(run.ms).toBeLessThan(12_000);
      expect(await spooledIds()).toHaveLength(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => wedged.close(() => ok()));
    }
  });

  it('delivers every one of 20 concurrent alerts exactly once after the bot was down', async () => {
    await peer.stop();
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => asMon(alertFor(i + 1))));
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const waiting = await spooledIds();
    expect(new Set(waiting).size).toBe(20);
    await peer.start();
    await asMon(alertFor(21));
    const sent = peer.received.map((r) => r.body.id);
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toHaveLength(21);
    expect(sent.slice(0, 20)).toEqual(waiting);
    expect(await spooledIds()).toEqual([]);
  });

  it('delivers every one of 20 concurrent alerts exactly once while the bot is up', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => asMon(alertFor(i + 1))));
    expect(runs.map((r) => r.code)).toEqual(Array(20).fill(0));
    const sent = peer.received.map((r) => r.body.id);
    expect(sent).toHaveLength(20);
    expect(new Set(sent).size).toBe(20);
    expect(new Set(groups())).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `web-${i + 1}`)));
    expect(await spooledIds()).toEqual([]);
  });

  it('--flush sends what waits without a new alert', async () => {
    await peer.stop();
    await asMon(alertFor(1));
    await peer.start();
    const run = await runScript(SLACK_ALERT, ['--flush'], {
      env: {
        PATH: '/usr/bin:/bin',
        LVS_CHATOPS_URL: peer.url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_SPOOL: spool(),
        LVS_CHATOPS_CONF: '/dev/null',
      },
    });
    expect(run.code).toBe(0);
    expect(groups()).toEqual(['web-1']);
    expect(await spooledIds()).toEqual([]);
  });
});
