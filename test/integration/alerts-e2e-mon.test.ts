import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, quietLogger, realServerAddress, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, startAlertSlack } from './notifier-support.js';
import {
  type MonCall,
  monEnv,
  NOTIFY_SH,
  runAsMon,
  runScript,
  SLACK_ALERT,
  slackAlertServiceEnv,
  tempDir,
  web2HttpCall,
} from './slack-alert-helpers.js';

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let pipeline: AlertPipeline | undefined;
let port: number;
let dir: { path: string; remove: () => Promise<void> };

async function startBot(): Promise<void> {
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory: labInventory(),
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    port,
  });
}

beforeEach(async () => {
  ctx = testRedis();
  slack = await startAlertSlack();
  port = await freePort();
  dir = await tempDir('alerts-e2e');
  await startBot();
});
afterEach(async () => {
  await pipeline?.close();
  await slack.close();
  await ctx.cleanup();
  await dir.remove();
});

/** The service block of the lab's mon.cf: where the bot is and how to reach it. */
function serviceEnv(): Record<string, string> {
  return slackAlertServiceEnv(`http://127.0.0.1:${port}`, INGEST_TOKEN, dir.path);
}

const web2 = realServerAddress(2);
/** mon's call for web-2's http service, with the lab's lvs.alert arguments. */
function web2Http(up: boolean): MonCall {
  return web2HttpCall(web2, up, serviceEnv());
}

const asMon = runAsMon;

describe('mon → slack.alert → ingest → incident in Slack', () => {
  it('turns a failure into one incident message and the upalert into "resolved" with the outage duration', async () => {
    const down = await asMon(web2Http(false));
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    const message = await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-2:http'), 15_000);
    expect(message.text).toBe(
      `Open: web-2:http (web-2) down behind 10.200.0.100:80 (${message.text.match(/\((open for [^)]+)\)$/)![1]})`,
    );
    expect(JSON.stringify(message.blocks)).toContain('Real server*\\nweb-2:80');

    const up = await asMon(web2Http(true));
    expect(up.code).toBe(0);
    await until(() => slack.message('C0LVSOPS', message.ts)!.text.startsWith('Resolved'), 15_000, 'resolved');
    expect(slack.message('C0LVSOPS', message.ts)!.text).toMatch(/\(resolved after \d+(ms|s)\)$/);
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
  });

  it('spools the alert while the bot is down and delivers it on the next run, once', async () => {
    await pipeline!.close();
    pipeline = undefined;
    const spooled = await asMon(web2Http(false));
    expect(spooled.code).toBe(0);
    await startBot();
    // mon's next alert (or `slack.alert --flush` from cron) sends the spool first.
    await runScript(SLACK_ALERT, ['--flush'], { env: monEnv(web2Http(false)) });
    const message = await slack.waitForMessage('C0LVSOPS', (m) => m.text.includes('web-2:http'), 15_000);
    await runScript(SLACK_ALERT, ['--flush'], { env: monEnv(web2Http(false)) });
    await new Promise((r) => setTimeout(r, 500));
    expect(botMessages(slack, 'C0LVSOPS').map((m) => m.ts)).toEqual([message.ts]);
    const [incident] = await pipeline!.incidents.open('lab');
    expect(incident?.count).toBe(1);
  });
});

describe('keepalived → notify.sh → ingest → failover incident', () => {
  /** notify.sh as keepalived runs it on a director: `uname -n` is the director's name (a UTS namespace of its own). */
  function onDirector(host: string, args: string[]) {
    return runScript(
      'unshare',
      ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host, NOTIFY_SH, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...serviceEnv(),
          LVS_CHATOPS_KEEPALIVED_SPOOL: join(dir.path, `ka-${host}`),
        },
      },
    );
  }

  it("shows lb1's FAULT and lb2 becoming MASTER as one failover incident, its steps in the thread", async () => {
    expect((await onDirector('lb1', ['INSTANCE', 'VI_1', 'FAULT', '0'])).code).toBe(0);
    const message = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.includes('Director failover in lab'),
      15_000,
    );
    expect(message.text).toMatch(/^Open: Director failover in lab \(in progress\)$/);
    expect((await onDirector('lb2', ['INSTANCE', 'VI_1', 'MASTER', '150'])).code).toBe(0);
    await until(
      () => slack.message('C0LVSOPS', message.ts)!.text.startsWith('Resolved'),
      15_000,
      'the failover completed',
    );
    expect(slack.message('C0LVSOPS', message.ts)!.text).toMatch(/\(completed in \d+(ms|s)\)$/);
    await until(() => slack.thread('C0LVSOPS', message.ts).length === 2, 15_000, 'two steps in the thread');
    expect(slack.thread('C0LVSOPS', message.ts).map((m) => m.text.replace(/^lab-\d+ /, ''))).toEqual([
      'failover-step: lb1: entered FAULT state for VRRP instance VI_1 (priority 0)',
      'failover-step: lb2: became MASTER for VRRP instance VI_1 (priority 150)',
    ]);
    expect(botMessages(slack, 'C0LVSOPS')).toHaveLength(1);
  });
});
