import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { ensureDist } from '../support/dist.js';
import { freePort } from '../support/mon.js';
import { type CliProcess, startCli, until } from './faults-support.js';
import { monBody, post } from './ingest-support.js';

// The installed commands as an operator runs them: `lvs-chatops bot` and `lvs-chatops worker`
// as real processes against Redis and the local Slack, then stopped with SIGTERM.

const _root = fileURLToPath(new URL('../..', import.meta.url));
const SIGNING_SECRET = 'cli-test-secret';
const BOT_TOKEN = 'xoxb-0000000000-cli-test';
const INGEST_TOKEN = 'cli-test-ingest-token';
const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let slack: LocalSlack;
let port: number;
const children: ChildProcess[] = [];

/** `lvs-chatops ARGS` from dist/, as an operator runs it; stopped after the file. */
function start(args: string[], env: Record<string, string>): CliProcess {
  const cli = startCli(args, env);
  children.push(cli.child);
  return cli;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

beforeAll(async () => {
  await ensureDist();
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
  port = await freePort();
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await slack?.close();
});

describe('lvs-chatops bot and worker processes', () => {
  it('refuses to start without its secrets, saying which', async () => {
    const { child, output } = start(['bot'], { LVS_INVENTORY: 'examples/inventory.yml' });
    expect(await exited(child)).toBe(1);
    expect(output()).toContain('SLACK_BOT_TOKEN');
    expect(output()).toContain('INGEST_TOKEN');
  });

  it('serves /lvs, /healthz and the ingest, and stops cleanly on SIGTERM', async () => {
    const env = {
      LVS_INVENTORY: 'examples/inventory.yml',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      INGEST_TOKEN,
      PORT: String(port),
      LOG_LEVEL: 'info',
      // Its own database: this worker must not take other tests' jobs.
      REDIS_URL: `${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'}/10`,
    };
    const bot = start(['bot'], env);
    const worker = start(['worker'], env);
    await bot.said('listening on port', 60_000);
    await worker.said('worker ready', 60_000);
    slack.setApp({ requestUrl: `http://127.0.0.1:${port}/slack/events` });

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const unauthorized = await fetch(`http://127.0.0.1:${port}/hooks/mon`, { method: 'POST', body: '{}' });
    expect(unauthorized.status).toBe(401);

    const help = await slack.command('/lvs help', { user: 'U0OTHER', channel: 'C0LVSOPS' });
    expect(help.ack.ok).toBe(true);
    expect(JSON.stringify(help.ack.body)).toContain('/lvs drain');

    bot.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    const codes = await Promise.race([
      Promise.all([exited(bot.child), exited(worker.child)]),
      new Promise<string>((r) => setTimeout(() => r('still running 60 s after SIGTERM'), 60_000)),
    ]);
    expect(codes, `bot said:\n${bot.output()}\nworker said:\n${worker.output()}`).toEqual([0, 0]);
  }, 150_000);

  it('turns alerts into incidents and Slack messages in a worker when the bot leaves it its event processor', async () => {
    const botPort = await freePort();
    const env = {
      LVS_INVENTORY: 'examples/inventory.yml',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      INGEST_TOKEN,
      PORT: String(botPort),
      LOG_LEVEL: 'info',
      // The CLI tests' database (10; the bench takes 11-15): this worker must not take other tests' events or jobs.
      REDIS_URL: `${REDIS}/10`,
    };
    const bot = start(['bot', '--no-event-processor'], env);
    const worker = start(['worker', '--event-processor'], env);
    await bot.said('listening on port', 60_000);
    await worker.said('worker ready', 60_000);
    expect(worker.output()).toContain('"eventProcessor":true');

    const service = `svc${Date.now()}`;
    const alert = monBody({ server: 3, real: '192.168.10.23', vip: '192.168.10.100', service });
    const answer = await post(`http://127.0.0.1:${botPort}`, '/hooks/mon', alert, { token: INGEST_TOKEN });
    expect(answer.status, answer.text).toBe(202);
    const posted = () =>
      slack
        .messages('C0LVSOPS')
        .find((m) => m.botId !== undefined && m.text.includes('web-3') && m.text.includes(service));
    await until('the alert to be posted in #lvs-ops', () => posted() !== undefined, 60_000).catch((err) => {
      throw new Error(
        `${(err as Error).message}\nbot said:\n${bot.output()}\nworker said:\n${worker.output()}`,
      );
    });
    expect(posted()?.text).toContain('web-3');

    bot.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    const codes = await Promise.race([
      Promise.all([exited(bot.child), exited(worker.child)]),
      new Promise<string>((r) => setTimeout(() => r('still running 60 s after SIGTERM'), 60_000)),
    ]);
    expect(codes, `bot said:\n${bot.output()}\nworker said:\n${worker.output()}`).toEqual([0, 0]);
  }, 180_000);
});
