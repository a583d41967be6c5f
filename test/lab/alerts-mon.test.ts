import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { breakHost, healHost, labStatus } from '../../src/lab/index.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { Keys } from '../../src/store/keys.js';
import { buildDist, ROOT } from '../integration/ingest-child.js';
import { quietLogger, until } from '../integration/ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack } from '../integration/notifier-support.js';
import { testRedis } from '../support/redis.js';
import { alertHook } from './global-setup.js';

/**
 * The "done when", on the real lab: real mon on the active director calls the shipped
 * slack.alert (the lab's mon.cf, in the HOWTO's shape), which posts to the alert pipeline listening
 * where the lab's mon.cf says the bot is; heartbeat's ha-logs are followed by the built
 * `lvs-chatops follow-halog`. Slack is the local Slack.
 */

const lab = inject('lab');
const hook = alertHook(inject('labSlot'));
const state = { stateDir: lab.stateDir };
let inventory: Inventory;
let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline | undefined;
const followers: ChildProcess[] = [];

async function startBot(): Promise<void> {
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN: hook.token, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    host: hook.address,
    port: hook.port,
    jobs: false,
  });
}

async function stopBot(): Promise<void> {
  await pipeline?.close();
  pipeline = undefined;
}

/**
 * `lvs-chatops follow-halog` on a director's ha-log (the lab keeps it on the host), once it has
 * the file open: it starts at the end of the log, so lines written before that are not new.
 */
async function follow(director: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      'bin/lvs-chatops.js',
      'follow-halog',
      join(lab.stateDir, director, 'log', 'ha-log'),
      '--url',
      `http://${hook.address}:${hook.port}`,
      '--state',
      join(lab.stateDir, `follow-halog-${director}-${ctx.prefix}.state`),
      '--cluster',
      'lab',
      '--node',
      director,
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LVS_CHATOPS_TOKEN: hook.token },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  followers.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await until(() => stderr.includes('from its end'), 30_000, `the ${director} follower to open its ha-log`);
  return child;
}

beforeAll(async () => {
  await buildDist();
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error(loaded.error.map((e) => e.message).join('\n'));
  inventory = loaded.value;
  ctx = testRedis();
  slack = await startAlertSlack();
  await startBot();
}, 240_000);

afterAll(async () => {
  for (const f of followers) f.kill('SIGTERM');
  await healHost('web-2', state).catch(() => undefined);
  if ((await labStatus(lab.stateDir)).active !== 'lb1') await healHost('lb1', { ...state, wait: true });
  await stopBot();
  await slack.close();
  await ctx.cleanup();
});

const isWeb2Http = (text: string) => text.includes('web-2:http');
/** Not a thread reply (a message with replies has its own ts as thread_ts). */
const topLevel = (m: { ts: string; threadTs?: string }) => m.threadTs === undefined || m.threadTs === m.ts;

describe('alerts from the real lab', () => {
  it("turns web-2's HTTP stopping into one incident message, and its return into 'resolved' with the outage duration", async () => {
    const t0 = Date.now();
    await breakHost('web-2', state);
    const message = await slack.waitForMessage('C0LVSOPS', (m) => isWeb2Http(m.text) && topLevel(m), 60_000);
    process.stderr.write(
      `[alerts] web-2 http down → incident message after ${Date.now() - t0} ms (mon's http interval 3 s)\n`,
    );
    expect(message.text).toMatch(/^Open: web-2:http \(web-2\) down behind \S+:80/);

    await healHost('web-2', state);
    await until(
      () => slack.message('C0LVSOPS', message.ts)!.text.startsWith('Resolved'),
      60_000,
      'the incident resolved',
    );
    expect(slack.message('C0LVSOPS', message.ts)!.text).toMatch(/\(resolved after \d+(s|m \d+s|m)\)$/);
    expect(botMessages(slack, 'C0LVSOPS').filter((m) => isWeb2Http(m.text))).toHaveLength(1);
  });

  it("gets the alert mon raised while the bot was stopped from slack.alert's spool once the bot is back", async () => {
    const [message] = botMessages(slack, 'C0LVSOPS').filter((m) => isWeb2Http(m.text));
    expect(message).toBeDefined();
    // The first outage's last reply is in (so that only what follows counts).
    await until(
      () => slack.thread('C0LVSOPS', message!.ts).some((r) => r.text.includes('resolved:')),
      30_000,
      'the first outage resolved in the thread',
    );
    const replies = slack.thread('C0LVSOPS', message!.ts).length;
    await stopBot();
    await breakHost('web-2', state);
    // mon alerts within its interval; slack.alert finds no bot and spools the alert on the director.
    await new Promise((r) => setTimeout(r, 15_000));
    await startBot();
    // The next run of slack.alert (the upalert) sends the spool first, oldest first. Within the
    // reopen window the outage is the same incident again: its message is reopened, then resolved.
    await healHost('web-2', state);
    await until(
      () =>
        slack
          .thread('C0LVSOPS', message!.ts)
          .slice(replies)
          .some((r) => /reopened: down again/.test(r.text)),
      90_000,
      'the spooled down alert in the thread',
    );
    await until(
      () => {
        const after = slack.thread('C0LVSOPS', message!.ts).slice(replies);
        const reopened = after.findIndex((r) => /reopened: down again/.test(r.text));
        return after.slice(reopened + 1).some((r) => r.text.includes('resolved:'));
      },
      60_000,
      'the upalert after it',
    );
    await until(
      () => slack.message('C0LVSOPS', message!.ts)!.text.startsWith('Resolved'),
      30_000,
      'resolved again',
    );
    expect(botMessages(slack, 'C0LVSOPS').filter((m) => isWeb2Http(m.text))).toHaveLength(1);
  });

  it("turns lb1's heartbeat stopping into one failover incident, with the followers' events in its thread", async () => {
    await Promise.all([follow('lb1'), follow('lb2')]);
    const before = botMessages(slack, 'C0LVSOPS').length;
    const result = await breakHost('lb1', { ...state, wait: true });
    expect(result.active).toBe('lb2');
    const message = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.includes('Director failover in lab') && topLevel(m),
      60_000,
    );
    await until(
      () =>
        slack
          .thread('C0LVSOPS', message.ts)
          .some((r) => /lb1: is dead|takeover complete|acquiring/.test(r.text)),
      60_000,
      "lb2's takeover in the thread",
    );
    const failovers = botMessages(slack, 'C0LVSOPS')
      .slice(before)
      .filter((m) => m.text.includes('Director failover'));
    expect(failovers).toHaveLength(1);
    const steps = slack.thread('C0LVSOPS', message.ts).map((r) => r.text);
    process.stderr.write(`[alerts] failover thread:\n  ${steps.join('\n  ')}\n`);
    expect(steps.some((s) => s.includes('lb2:'))).toBe(true);
  });
});
