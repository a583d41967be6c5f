import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { signRequest } from '../../src/localslack/sign-request.js';
import { ensureDist } from '../support/dist.js';
import { freePort } from '../support/mon.js';
import { type CliProcess, startCli, until as waitUntil } from './faults-support.js';
import { monBody } from './ingest-support.js';

// The installed bot and worker, at debug level, through failures that put configuration in
// error objects: a Slack Web API that cannot be reached (the client's request, with its
// Authorization header, is inside the error), SSH to directors that refuse, forged Slack
// requests, wrong ingest tokens. Their Redis wants a password, given in REDIS_URL
// (redis://:PASSWORD@host), and `lvs-chatops doctor` names that Redis, answering or not. Not one
// secret may appear in what they print (Bolt's own lines included), nor in anything they say in
// Slack.

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECRETS = {
  SLACK_BOT_TOKEN: 'xoxb-0000000000-secret-in-logs-test-7d3f9a',
  SLACK_SIGNING_SECRET: 'signing-secret-in-logs-test-c41e77',
  INGEST_TOKEN: 'ingest-token-in-logs-test-58ab02',
  REDIS_PASSWORD: 'redis-password-in-logs-test-9e21c4',
};
// Its own redis-server, which wants the password (started in beforeAll).
let REDIS_URL: string;
let redisServer: ChildProcess | undefined;

let dir: string;
let slack: LocalSlack;
let privateKeyLines: string[];
const children: ChildProcess[] = [];

/** `lvs-chatops ARGS` from dist/, as an operator runs it; stopped after the file. */
function start(args: string[], env: Record<string, string>): CliProcess {
  const cli = startCli(args, env);
  children.push(cli.child);
  return cli;
}

/** Waits for `check`, a minute at most. */
function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  return waitUntil(what, check, timeoutMs);
}

/** What every process of the test printed so far (shown when the test fails). */
let logs = (): string => '';

/**
 * Resolves once `cli` printed something that matches `pattern`; rejects at once when it exits
 * first. No deadline of its own: starting the CLI takes
 * a second of CPU, which on a busy 2-core machine (a full CI run beside the lab) is over a
 * minute of waiting; the test's timeout stops one that hangs.
 */
function untilPrinted(cli: CliProcess, pattern: RegExp, what: string): Promise<void> {
  const { child } = cli;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(cli.output())) return;
      stop();
      resolve();
    };
    const exited = () => {
      stop();
      reject(new Error(`${what}: it exited (${child.exitCode ?? child.signalCode}) first`));
    };
    const stop = () => {
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
    };
    // After startCli's own listeners: the output holds the chunk when `check` runs.
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
    check();
    if (child.exitCode !== null || child.signalCode !== null) exited();
  });
}

/** A redis-server of the test's own that refuses every client without the password. */
async function startRedisWithPassword(): Promise<string> {
  const port = await freePort();
  redisServer = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--requirepass',
      SECRETS.REDIS_PASSWORD,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://:${SECRETS.REDIS_PASSWORD}@127.0.0.1:${port}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await until('redis-server to answer', async () => {
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    });
  } finally {
    probe.disconnect();
  }
  return url;
}

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return promisify(execFile)(process.execPath, ['bin/lvs-chatops.js', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  }).then(
    (r) => `${r.stdout}${r.stderr}`,
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
  );
}

/** dist/ is newer than every source file (tsc takes minutes on a busy machine; skip it then). */
beforeAll(async () => {
  await ensureDist();
  dir = await mkdtemp(join(tmpdir(), 'hostile-secrets-'));
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
  const key = await readFile(join(dir, 'id_ed25519'), 'utf8');
  privateKeyLines = key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
  expect(privateKeyLines.length).toBeGreaterThan(0);
  REDIS_URL = await startRedisWithPassword();
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SECRETS.SLACK_SIGNING_SECRET,
    botToken: SECRETS.SLACK_BOT_TOKEN,
  });
}, 420_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await slack?.close();
  redisServer?.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

function inventoryYaml(sshPort: number, keyPath: string): string {
  const pin = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';
  const ssh = `{ hostKey: "${pin}", port: ${sshPort} }`;
  return `
version: 1
slack:
  team: T0LAB
  channels: [{ id: C0LVSOPS, name: lvs-ops }]
  users: [{ id: U0OPERATOR, name: operator }, { id: U0APPROVER, name: approver }]
defaults:
  ssh: { user: root, key: ${keyPath}, connectTimeout: 2s }
clusters:
  - name: lab
    directors:
      - { name: lb1, address: 127.0.0.2, preferred: true, ssh: ${ssh} }
      - { name: lb2, address: 127.0.0.3, ssh: ${ssh} }
    virtualServices:
      - { name: web, vip: 10.200.0.100, port: 80 }
    realServers:
      - { name: web-1, address: 10.200.1.11, ssh: ${ssh}, services: [{ service: web, weight: 1 }] }
      - { name: web-2, address: 10.200.1.12, ssh: ${ssh}, services: [{ service: web, weight: 1 }] }
    slack:
      channel: C0LVSOPS
      operators: { users: [U0OPERATOR, U0APPROVER] }
      approvers: { users: [U0APPROVER] }
`;
}

describe('secrets under failure', () => {
  // The waits are on what the processes print, not on a time; this only stops one that hangs.
  it('never appear in the bot or worker logs (debug level), nor in Slack text', {
    timeout: 600_000,
  }, async () => {
    onTestFailed(() => {
      console.error(`what the bot and worker printed:\n${logs()}`);
    });
    const sshPort = await freePort(); // nothing listens: every SSH connection is refused
    const deadApi = await freePort(); // nothing listens: every Web API call fails to connect
    const port = await freePort();
    const inventory = join(dir, 'inventory.yml');
    await writeFile(inventory, inventoryYaml(sshPort, join(dir, 'id_ed25519')));
    const env = {
      ...SECRETS,
      LVS_INVENTORY: inventory,
      SLACK_API_URL: `http://127.0.0.1:${deadApi}/api/`,
      PORT: String(port),
      LOG_LEVEL: 'debug',
      REDIS_URL,
    };
    const bot = start(['bot', '--with-notifier'], env);
    const worker = start(['worker'], env);
    logs = () => `${bot.output()}\n${worker.output()}`;
    await untilPrinted(bot, /listening on port/, 'the bot to listen');
    await untilPrinted(worker, /worker ready/, 'the worker to start');
    slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });
    const base = `http://127.0.0.1:${port}`;

    // Ingest: no token, a wrong one (close to the right one), then an alert the notifier cannot post.
    for (const authorization of [undefined, `Bearer ${SECRETS.INGEST_TOKEN}x`, SECRETS.INGEST_TOKEN]) {
      const res = await fetch(`${base}/hooks/mon`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify(monBody()),
      });
      expect(res.status).toBe(401);
    }
    const alert = await fetch(`${base}/hooks/mon`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.INGEST_TOKEN}` },
      body: JSON.stringify(monBody({ cluster: 'lab' })),
    });
    expect(alert.status).toBe(202);

    // Slack: a forged request.
    const forged = 'command=%2Flvs&text=help&user_id=U0OPERATOR&channel_id=C0LVSOPS';
    const forgedRes = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signRequest('a-guess-at-the-secret', forged, Math.floor(Date.now() / 1000)),
      },
      body: forged,
    });
    expect(forgedRes.status).toBe(401);
    // With the Web API down, a command is still acknowledged (the bot asks Slack who it is at
    // start, never per request), and the bot logs its failed calls, Bolt's client's among them.
    const help = await slack.command('/lvs help', { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
    expect(help.ack.ok, JSON.stringify(help.ack)).toBe(true);
    await slack.openAppHome('U0OPERATOR');
    await untilPrinted(
      bot,
      /fetch failed|ECONNREFUSED|could not|request failed/i,
      'the bot to log a failed Web API call',
    );

    // Then a second bot with the Web API back: a change whose dry run fails on SSH (refused),
    // answered in Slack with the failure.
    bot.child.kill('SIGTERM');
    await new Promise((r) => (bot.child.exitCode !== null ? r(null) : bot.child.once('exit', r)));
    const bot2 = start(['bot'], { ...env, SLACK_API_URL: slack.apiUrl });
    logs = () => `${bot.output()}\n${bot2.output()}\n${worker.output()}`;
    await untilPrinted(bot2, /listening on port/, 'the second bot to listen');
    const drain = await slack.command('/lvs drain web-2', { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
    await untilPrinted(
      worker,
      /ECONNREFUSED|refused|unreachable/i,
      'the worker to log a refused SSH connection',
    );
    const answer = await drain.waitForResponse(undefined, 150_000);
    expect(JSON.stringify(answer.body)).toContain('Could not plan drain web-2');

    // doctor names the Redis it checks: the one that answers, and one where nothing listens.
    const elsewhere = REDIS_URL.replace(/:(\d+)\/0$/, `:${await freePort()}/0`);
    const doctor = [
      await runCli(['doctor', '--no-ssh'], { ...env, SLACK_API_URL: slack.apiUrl }),
      await runCli(['doctor', '--no-ssh'], { ...env, SLACK_API_URL: slack.apiUrl, REDIS_URL: elsewhere }),
    ].join('\n');
    expect(doctor).toContain(`redis://:***@127.0.0.1:${new URL(REDIS_URL).port}/0 answers`);
    expect(doctor).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 does not answer/);

    const printed = `${logs()}\n${doctor}`;
    // Bolt's own lines (and its Web API client's) went through our logger, as JSON lines.
    expect(printed).toMatch(/"component":"bolt"/);
    const said = JSON.stringify({
      responses: slack.responses(),
      ephemerals: ['U0OPERATOR', 'U0APPROVER', 'U0OTHER'].map((u) => slack.ephemerals(u)),
      messages: slack.messages('C0LVSOPS'),
      calls: slack.calls(),
      views: slack.views('U0OPERATOR'),
    });
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(printed.includes(value), `${name} in the logs`).toBe(false);
      expect(said.includes(value), `${name} in Slack`).toBe(false);
    }
    for (const line of privateKeyLines) {
      expect(printed.includes(line), 'the private key in the logs').toBe(false);
      expect(said.includes(line), 'the private key in Slack').toBe(false);
    }
    // And the logs say what failed, in words an operator can act on.
    expect(printed).toMatch(/lb1|lb2/);
  });
});
