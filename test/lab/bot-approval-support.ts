import { expect } from 'vitest';
import { startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { editRealServerCommand, parseIpvsList } from '../../src/core/ipvs/index.js';
import type { LabStatus } from '../../src/lab/index.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import type { LocalMessage } from '../../src/localslack/types.js';
import type { Logger } from '../../src/log/logger.js';
import { quoteArgv, SshExecutor } from '../../src/ssh/index.js';
import { startStatusWorker } from '../../src/status/status-queue.js';
import { Keys } from '../../src/store/keys.js';
import { PlaybookWorker } from '../../src/workers/playbook-worker.js';
import { testRedis } from '../support/redis.js';
import { ssh } from './lab-client.js';

/** How Slack reaches the bot: signed HTTP requests on /slack/events, or Socket Mode envelopes. */
export type Transport = 'http' | 'socket';

const SIGNING_SECRET = 'approval-test-secret';
const BOT_TOKEN = 'xoxb-0000000000-approval-test';
const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-approval-test';

export interface ApprovalRig {
  slack: LocalSlack;
  inventory: Inventory;
  close(): Promise<void>;
}

/**
 * The local Slack, the bot in `transport` mode (Socket Mode when SLACK_APP_TOKEN is set, as
 * in production), a playbook worker and a status worker, on their own Redis key prefix.
 */
export async function startApprovalRig(
  lab: LabStatus,
  transport: Transport,
  logger: Logger,
  /** Changes to the lab's inventory (e.g. its policy) before the bot and the workers read it. */
  adjust?: (inventory: Inventory) => void,
): Promise<ApprovalRig> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  };
  try {
    const loaded = await loadInventory(lab.inventory);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    const inventory = loaded.value;
    adjust?.(inventory);
    const redis = testRedis();
    cleanups.push(redis.cleanup);
    const slack = await startLocalSlack({
      // HTTP mode: a placeholder until the bot's port is known.
      app: transport === 'socket' ? { socketMode: true } : { requestUrl: 'http://127.0.0.1:9/slack/events' },
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      ...(transport === 'socket' && { appToken: APP_TOKEN }),
    });
    cleanups.push(() => slack.close());
    const executor = new SshExecutor();
    cleanups.unshift(() => executor.close());
    const worker = await PlaybookWorker.start({
      connect: redis.connect,
      inventory,
      logger,
      prefix: redis.prefix,
      runner: executor,
    });
    cleanups.unshift(() => worker.close());
    const status = startStatusWorker({
      connection: redis.connect(),
      inventory,
      runner: executor,
      logger,
      prefix: redis.prefix,
    });
    cleanups.unshift(() => status.close());
    const env = readEnv({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ...(transport === 'socket' && { SLACK_APP_TOKEN: APP_TOKEN }),
      SLACK_API_URL: slack.apiUrl,
      INGEST_TOKEN: 'approval-test-ingest',
      PORT: '0',
    });
    const bot = await startBot({ env, inventory, logger, keys: new Keys(redis.prefix) });
    cleanups.unshift(() => bot.close());
    if (transport === 'http') slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
    else await slack.waitForSocket(1, 30_000);
    return { slack, inventory, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A real server's weight in the first virtual service of `director`'s live table. */
export async function weightOn(
  lab: LabStatus,
  director: string,
  address: string,
): Promise<number | undefined> {
  const listing = await ssh(lab, director, 'ipvsadm -L -n');
  const table = parseIpvsList(listing.stdout);
  if (!table.ok) throw new Error(`${director}: ${table.error.message}\n${listing.stderr}`);
  return table.value.services[0]?.realServers.find((r) => r.address === address)?.weight;
}

/**
 * Leaves the lab as the test found it when the test stopped half-way: the real server gets its
 * weight back on every director whose table still holds it with another weight.
 */
export async function restoreWeight(lab: LabStatus, address: string, weight: number): Promise<void> {
  for (const director of ['lb1', 'lb2']) {
    const listing = await ssh(lab, director, 'ipvsadm -L -n');
    const table = parseIpvsList(listing.stdout);
    if (!table.ok) continue;
    for (const service of table.value.services) {
      const rs = service.realServers.find((r) => r.address === address);
      if (!rs || rs.weight === weight || service.id.protocol === 'fwm') continue;
      if (rs.forwarding === 'local') continue;
      const edit = editRealServerCommand(
        { protocol: service.id.protocol, address: service.id.address, port: service.id.port },
        { address: rs.address, port: rs.port, forwarding: rs.forwarding, weight },
      );
      if (edit.ok) await ssh(lab, director, quoteArgv(edit.value.argv));
    }
  }
}

/**
 * Changes asked in a channel through the local Slack, as U0OPERATOR types them, and their
 * messages read there: the approval request, the Approve click, the job's final message.
 */
export function slackChanges(slack: LocalSlack, channel: string) {
  const blocksOf = (m: LocalMessage) => JSON.stringify(m.blocks);

  /** waitForMessage, showing the channel's last message when nothing matched (what the job said). */
  async function waitOrShow(predicate: (m: LocalMessage) => boolean, what: string): Promise<LocalMessage> {
    try {
      // Ends before the tests' own bounds, so a failure shows the message.
      return await slack.waitForMessage(channel, predicate, 240_000);
    } catch (err) {
      const last = slack.messages(channel).at(-1);
      throw new Error(`${what}: ${(err as Error).message}\n${last ? blocksOf(last) : 'no message'}`);
    }
  }

  /** A signed `/lvs …` from U0OPERATOR; the approval request the bot posts for it (naming `about`). */
  async function ask(text: string, about = ''): Promise<LocalMessage> {
    const earlier = new Set(slack.messages(channel).map((m) => m.ts));
    const res = await slack.command(text, { user: 'U0OPERATOR', channel });
    expect(res.ack, text).toMatchObject({ ok: true, transport: 'http' });
    return waitOrShow(
      (m) => !earlier.has(m.ts) && m.text.startsWith('Approval needed') && m.text.includes(about),
      `the approval request for ${text}`,
    );
  }

  /** U0APPROVER's click on Approve. */
  async function approve(request: LocalMessage): Promise<void> {
    const click = await slack.click(request, 'lvs_approve', { user: 'U0APPROVER' });
    expect(click.ack.ok, JSON.stringify(click.ack)).toBe(true);
  }

  /** The request's message once its job finished, done or not. */
  function finished(request: LocalMessage): Promise<LocalMessage> {
    return waitOrShow(
      (m) =>
        m.ts === request.ts &&
        /Job j\d+\*: :(white_check_mark|x|alarm_clock|no_entry|warning|octagonal_sign):/.test(blocksOf(m)),
      `the job of ${request.text}`,
    );
  }

  /** The job's final message, which must say done and who approved. */
  async function expectDone(request: LocalMessage, text: string): Promise<LocalMessage> {
    const done = await finished(request);
    expect(blocksOf(done), text).toMatch(/Job j\d+\*: :white_check_mark: done/);
    expect(blocksOf(done)).toContain('Approved by <@U0APPROVER>');
    return done;
  }

  return { blocksOf, waitOrShow, ask, approve, finished, expectDone };
}
