import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { breakHost, healHost } from '../../src/lab/index.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { MonClient } from '../../src/mon/mon-client.js';
import { Keys } from '../../src/store/keys.js';
import { quietLogger, until } from '../integration/ingest-support.js';
import { BOT_TOKEN, SIGNING_SECRET, startAlertSlack } from '../integration/notifier-support.js';
import { testRedis } from '../support/redis.js';
import { alertHook } from './global-setup.js';

/**
 * The issue's "done when" for Acknowledge and Silence, on the real lab: web-2's HTTP stops,
 * the lab's mon alerts through slack.alert to the whole bot (Bolt, ingest, event processor,
 * notify and silence workers), and the operator acts from the local Slack. mon's own client
 * port is the witness: `list opstatus` for the ack, `list disabled` for the silence.
 */

const lab = inject('lab');
const hook = alertHook(inject('labSlot'));
const state = { stateDir: lab.stateDir };
let inventory: Inventory;
let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let bot: RunningBot | undefined;
let relay: Server | undefined;

async function mon<T>(fn: (c: MonClient) => Promise<T>): Promise<T> {
  const m = inventory.clusters[0]!.mon!;
  const c = await MonClient.connect({ host: m.address, port: m.port, timeoutMs: 10_000 });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const web2Http = async () =>
  (await mon((c) => c.opstatus())).find((s) => s.group === 'web-2' && s.service === 'http');

beforeAll(async () => {
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error(loaded.error.map((e) => e.message).join('\n'));
  inventory = loaded.value;
  ctx = testRedis();
  slack = await startAlertSlack();
  bot = await startBot({
    env: readEnv({
      INGEST_TOKEN: hook.token,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    notifyWorker: true,
  });
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
  // mon posts its alerts to this slot's hook address; the bot listens on all interfaces, which
  // other slots' hooks on the same port would clash with, so the hook address is relayed to it.
  relay = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port: bot!.port });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((ok, fail) => {
    relay!.once('error', fail);
    relay!.listen(hook.port, hook.address, () => ok());
  });
}, 120_000);

afterAll(async () => {
  await healHost('web-2', state).catch(() => undefined);
  // Other lab tests share this mon: nothing stays disabled, and the ack goes with the recovery.
  await mon((c) => c.enableService('web-2', 'http')).catch(() => undefined);
  await until(
    async () => {
      const s = await web2Http().catch(() => undefined);
      return s?.opstatus?.name === 'ok' && !s.acked;
    },
    120_000,
    'mon seeing web-2 http recovered, with no ack left',
  ).catch((err: Error) => process.stderr.write(`[ack-silence] ${err.message}\n`));
  await new Promise<void>((ok) => (relay ? relay.close(() => ok()) : ok()));
  await bot?.close();
  await slack?.close();
  await ctx?.cleanup();
}, 180_000);

const blocksOf = (ts: string) => JSON.stringify(slack.message('C0LVSOPS', ts)?.blocks ?? []);

describe('acknowledge and silence on the real lab', () => {
  it('Ack from Slack makes mon show the ack; a 1-minute silence disables the service in mon and ends by itself', async () => {
    await breakHost('web-2', state);
    // mon's first alert may take up to 2 minutes on a loaded machine.
    const message = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.includes('web-2:http') && m.text.startsWith('Open') && (m.threadTs ?? m.ts) === m.ts,
      180_000,
    );
    await until(async () => (await web2Http())?.opstatus?.name === 'fail', 60_000, 'mon seeing web-2 fail');

    const click = await slack.click(message, 'lvs_ack', { user: 'U0OPERATOR' });
    expect(JSON.stringify((await click.waitForResponse(undefined, 30_000)).body)).toContain('mon was told');
    const acked = (await web2Http())!;
    expect(acked.acked).toBe(true);
    expect(acked.ackComment).toContain('U0OPERATOR via Slack');
    await until(
      () => blocksOf(message.ts).includes('Acknowledged by <@U0OPERATOR>'),
      30_000,
      'the ack on the message',
    );
    expect(blocksOf(message.ts)).not.toContain('"lvs_ack"');

    const silence = await slack.command('/lvs silence web-2:http 1m lab test', {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    expect(JSON.stringify((await silence.waitForResponse(undefined, 30_000)).body)).toContain(
      'Silenced web-2:http in mon for 1m',
    );
    expect((await mon((c) => c.disabled())).services).toContainEqual({ group: 'web-2', service: 'http' });
    await until(
      () => blocksOf(message.ts).includes('web-2:http silenced in mon by <@U0OPERATOR>'),
      30_000,
      'the silence on the message',
    );

    await until(
      async () => !(await mon((c) => c.disabled())).services.some((s) => s.group === 'web-2'),
      180_000,
      'mon enabling web-2 http again when the minute is up',
    );
    await until(
      () => !blocksOf(message.ts).includes('silenced in mon'),
      60_000,
      'the message without the silence',
    );
    await until(
      () =>
        slack
          .thread('C0LVSOPS', message.ts)
          .some((r) => r.text.includes('enabled in mon again (its time was up)')),
      60_000,
      'the end of the silence in the thread',
    );
  }, 600_000);
});
