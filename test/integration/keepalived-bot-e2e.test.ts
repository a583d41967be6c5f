import { writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import type { LocalMessage } from '../../src/localslack/types.js';
import { Keys } from '../../src/store/keys.js';
import { testRedis } from '../support/redis.js';
import { INGEST_TOKEN, labInventory, quietLogger, until } from './ingest-support.js';
import {
  canRunKeepalived,
  INGEST_URL_IN_NAMESPACE,
  type RealKeepalived,
  startRealKeepalived,
} from './keepalived-real.js';
import { BOT_TOKEN, botMessages, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { tempDir } from './slack-alert-helpers.js';

/**
 * The keepalived path end to end: Debian's real keepalived, on a director named lb1, runs
 * contrib/keepalived/notify.sh, which posts to the real bot's /hooks/keepalived (the whole
 * `lvs-chatops bot`: Slack app, ingest and notifier in one process, on the local Slack); the
 * failover incident is read where an operator reads it, in the cluster's channel and its thread.
 */

const CHANNEL = 'C0LVSOPS';
let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let bot: RunningBot;
let dir: { path: string; remove: () => Promise<void> };
let bridge: Server;
const bridged = new Set<Socket>();
let keepalived: RealKeepalived | undefined;

const failovers = () =>
  botMessages(slack, CHANNEL).filter((m) => m.text.includes('Director failover in lab'));
/** The incident's steps in its thread, without the incident id each starts with. */
const steps = (m: LocalMessage) => slack.thread(CHANNEL, m.ts).map((t) => t.text.replace(/^lab-\d+ /, ''));
/** until(), its failure showing the failover messages and what keepalived wrote by then. */
const waitFor = (check: () => boolean, what: string) =>
  until(check, 30_000, what).catch((err: Error) => {
    const posted = failovers().map((m) => ({ text: m.text, thread: steps(m) }));
    throw new Error(
      `${err.message}\nin #lvs-ops: ${JSON.stringify(posted, null, 1)}\nkeepalived said: ${keepalived?.output() ?? ''}`,
    );
  });

describe.skipIf(!canRunKeepalived)('keepalived → notify.sh → the bot → incident in Slack', () => {
  beforeAll(async () => {
    ctx = testRedis();
    slack = await startAlertSlack();
    bot = await startBot({
      env: readEnv({
        INGEST_TOKEN,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
      }),
      inventory: labInventory(),
      logger: quietLogger(),
      keys: new Keys(ctx.prefix),
      // The one-process setup: the bot posts the incidents itself, no `lvs-chatops worker`.
      notifyWorker: true,
    });
    slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
    dir = await tempDir('keepalived-bot');
    // keepalived's namespace has no route to this one: the bot's port is reached through a
    // unix socket on the shared file system, one TCP connection per accepted stream.
    const sock = join(dir.path, 'ingest.sock');
    bridge = createServer((inbound) => {
      const outbound = netConnect(bot.port, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        bridged.add(s);
        s.on('close', () => bridged.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => bridge.listen(sock, resolve));
    const conf = join(dir.path, 'alert.conf');
    await writeFile(
      conf,
      [
        `LVS_CHATOPS_URL=${INGEST_URL_IN_NAMESPACE}`,
        `LVS_CHATOPS_TOKEN=${INGEST_TOKEN}`,
        `LVS_CHATOPS_KEEPALIVED_SPOOL=${join(dir.path, 'spool')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    keepalived = await startRealKeepalived({
      dir: dir.path,
      ingestSocket: sock,
      notifyConf: conf,
      hostname: 'lb1',
    });
  });

  afterAll(async () => {
    keepalived?.kill();
    for (const s of bridged) s.destroy();
    await new Promise((r) => bridge?.close(r));
    await bot?.close();
    await slack?.close();
    await ctx?.cleanup();
    await dir?.remove();
  });

  it('posts lb1 going BACKUP then MASTER as one failover incident in #lvs-ops, resolved, its steps in the thread', async () => {
    await waitFor(() => failovers().length > 0, 'a failover incident in #lvs-ops');
    const message = failovers()[0]!;
    await waitFor(
      () => slack.message(CHANNEL, message.ts)!.text.startsWith('Resolved'),
      'lb1 becoming MASTER to resolve the incident',
    );
    expect(slack.message(CHANNEL, message.ts)!.text).toMatch(
      /^Resolved: Director failover in lab \(completed in \d+(ms|s)\)$/,
    );
    const instance = (state: string) =>
      `failover-step: lb1: became ${state} for VRRP instance VI_WEB (priority 150)`;
    const want = [
      instance('BACKUP'),
      instance('MASTER'),
      'failover-step: lb1: became BACKUP for VRRP sync group VG_WEB (priority 0)',
      'failover-step: lb1: became MASTER for VRRP sync group VG_WEB (priority 0)',
    ];
    await waitFor(() => want.every((w) => steps(message).includes(w)), 'the four steps in the thread');
    const thread = steps(message);
    expect(thread.indexOf(instance('BACKUP'))).toBeLessThan(thread.indexOf(instance('MASTER')));
    expect(failovers().map((m) => m.ts)).toEqual([message.ts]);
  });

  it('posts keepalived stopping on lb1 as the failover incident open again, the instance and its sync group', async () => {
    // Only keepalived: the namespace's socat must stay up to carry the STOP notifications out.
    // keepalived SIGKILLs a STOP notification still running after 1 s; notify.sh outlives that.
    process.kill(keepalived!.pid, 'SIGTERM');
    const stopped = [
      'failover-step: lb1: stopped VRRP for VRRP instance VI_WEB (priority 150)',
      'failover-step: lb1: stopped VRRP for VRRP sync group VG_WEB (priority 0)',
    ];
    await waitFor(
      () => failovers().some((m) => m.text.startsWith('Open:') && stopped.every((s) => steps(m).includes(s))),
      'both STOPs on lb1 in #lvs-ops',
    );
  });
});
