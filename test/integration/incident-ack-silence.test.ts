import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot/start-bot.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import type { LocalSlack } from '../../src/localslack/index.js';
import { MonClient } from '../../src/mon/mon-client.js';
import { Keys } from '../../src/store/keys.js';
import { SilenceStore } from '../../src/store/silence-store.js';
import { freePort as freeMonPort, TestMon } from '../support/mon.js';
import { testRedis } from '../support/redis.js';
import { freePort } from './ingest-own-redis.js';
import { INGEST_TOKEN, labInventory, quietLogger, realServerAddress, until } from './ingest-support.js';
import { BOT_TOKEN, botMessages, SIGNING_SECRET, startAlertSlack } from './notifier-support.js';
import { runAsMon, slackAlertServiceEnv, tempDir, web2HttpCall } from './slack-alert-helpers.js';

// Acknowledge and Silence through the whole bot: real mon on loopback (web-2 http failing,
// web-3 http passing), real Redis, the local Slack; mon's alert comes through the real script.

let ctx: ReturnType<typeof testRedis>;
let slack: LocalSlack;
let bot: RunningBot;
let mon: TestMon;
let dir: { path: string; remove: () => Promise<void> };
let inventory: Inventory;
/** Runs the real slack.alert as mon would for web-2's http, failing or back up. */
let alertWeb2: (alertType: 'failure' | 'up') => Promise<void>;

async function monSays<T>(fn: (c: MonClient) => Promise<T>): Promise<T> {
  const c = await MonClient.connect({ host: '127.0.0.1', port: mon.port });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  ctx = testRedis();
  const closed = await freeMonPort();
  mon = await TestMon.start(
    [
      'randstart = 0s',
      '',
      'hostgroup web-2 127.0.0.1',
      '',
      'hostgroup web-3 127.0.0.1',
      '',
      'watch web-2',
      '    service http',
      '        interval 1s',
      `        monitor tcp.monitor -p ${closed}`,
      '        period wd {Sun-Sat}',
      '            alert mail.alert nobody@localhost',
      '            alertevery 1h',
      '',
      'watch web-3',
      '    service http',
      '        interval 1h',
      '        monitor tcp.monitor -p 9',
      '        period wd {Sun-Sat}',
      '            alert mail.alert nobody@localhost',
      '',
    ].join('\n'),
  );
  const base = labInventory();
  inventory = {
    ...base,
    clusters: base.clusters.map((c) => ({
      ...c,
      mon: { host: '127.0.0.1', address: '127.0.0.1', port: mon.port },
      policy: { ...c.policy, maxSilence: 4 * 3_600_000 },
    })),
  };
  slack = await startAlertSlack();
  dir = await tempDir('incident-ack-silence');
  const port = await freePort();
  bot = await startBot({
    env: readEnv({
      INGEST_TOKEN,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
    }),
    inventory,
    logger: quietLogger(),
    keys: new Keys(ctx.prefix),
    notifyWorker: true,
  });
  slack.setApp({ requestUrl: `http://127.0.0.1:${bot.port}/slack/events` });
  const web2 = realServerAddress(2);
  const env = slackAlertServiceEnv(`http://127.0.0.1:${bot.port}`, INGEST_TOKEN, dir.path);
  alertWeb2 = async (alertType) => {
    const res = await runAsMon(web2HttpCall(web2, alertType === 'up', env));
    expect(res.code).toBe(0);
  };
  await alertWeb2('failure');
  // mon itself must see web-2 failing before it takes an ack.
  await until(
    async () =>
      (await monSays((c) => c.opstatus())).find((s) => s.group === 'web-2')?.opstatus?.name === 'fail',
    30_000,
    `mon seeing web-2 fail (mon said: ${mon.log})`,
  );
}, 120_000);

afterAll(async () => {
  await bot?.close();
  await slack?.close();
  await mon?.stop();
  await ctx?.cleanup();
  await dir?.remove();
});

function incidentMessage() {
  return botMessages(slack, 'C0LVSOPS').find((m) => JSON.stringify(m.blocks).includes('web-2 / http'));
}

async function waitForIncident() {
  await until(() => incidentMessage() !== undefined, 20_000, 'the incident message');
  return incidentMessage()!;
}

function current(ts: string) {
  return slack.message('C0LVSOPS', ts)!;
}

const actionIds = (m: { blocks: unknown }) =>
  [...JSON.stringify(m.blocks).matchAll(/"action_id":"([^"]+)"/g)].map((x) => x[1]);

async function answer(line: string, user = 'U0OPERATOR', channel = 'C0LVSOPS'): Promise<string> {
  const res = await slack.command(line, { user, channel });
  expect(res.ack.ok).toBe(true);
  const body = JSON.stringify(res.ack.body ?? '');
  if (!/…/.test(body)) return body;
  return JSON.stringify((await res.waitForResponse(undefined, 20_000)).body);
}

describe('acknowledge and silence, with real mon', () => {
  it('refuses an ack of an unknown incident, and from someone who is not an operator', async () => {
    const message = await waitForIncident();
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    expect(await answer('/lvs ack lab-999')).toContain('No incident lab-999');
    expect(await answer(`/lvs ack ${id}`, 'U0OTHER')).toContain('not an operator');
    expect((await monSays((c) => c.opstatus())).find((s) => s.group === 'web-2')!.acked).toBe(false);
    expect(actionIds(current(message.ts))).toContain('lvs_ack');
  });

  it('Acknowledge tells mon (its opstatus shows the ack) and the message names who took it', async () => {
    const message = await waitForIncident();
    const click = await slack.click(message, 'lvs_ack', { user: 'U0OPERATOR' });
    const reply = JSON.stringify((await click.waitForResponse(undefined, 20_000)).body);
    expect(reply).toMatch(/You acknowledged lab-\d+\. mon was told/);
    const status = (await monSays((c) => c.opstatus())).find((s) => s.group === 'web-2')!;
    expect(status.acked).toBe(true);
    expect(status.ackComment).toContain('U0OPERATOR via Slack');
    await until(
      () => JSON.stringify(current(message.ts).blocks).includes('Acknowledged by <@U0OPERATOR>'),
      20_000,
      'the ack on the message',
    );
    expect(actionIds(current(message.ts))).not.toContain('lvs_ack');
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    expect(await answer(`/lvs ack ${id}`, 'U0APPROVER')).toContain('already acknowledged by <@U0OPERATOR>');
  });

  it('refuses silences that are too long, of a group mon does not know, or by a non-operator; nothing changes', async () => {
    expect(await answer('/lvs silence web-2:http 0s')).toMatch(/positive duration/);
    expect(await answer('/lvs silence web-2:http 5h')).toContain('longer than cluster lab');
    expect(await answer('/lvs silence web-9 1h')).toContain('does not watch web-9');
    expect(await answer('/lvs silence web-2:nosuch 1h')).toContain('does not watch web-2:nosuch');
    expect(await answer('/lvs silence web-2:http 1h', 'U0OTHER')).toContain('not an operator');
    const disabled = await monSays((c) => c.disabled());
    expect(disabled.services).toEqual([]);
    expect(disabled.watches).toEqual([]);
    expect(await new SilenceStore(ctx.redis, ctx.prefix).list('lab')).toEqual([]);
  });

  it('silences a watch from the command and Unsilence enables it again', async () => {
    const reply = await answer('/lvs silence web-3 1h maintenance');
    expect(reply).toContain('Silenced web-3 in mon for 1h');
    expect((await monSays((c) => c.disabled())).watches).toContain('web-3');
    const silences = await new SilenceStore(ctx.redis, ctx.prefix).list('lab');
    expect(silences).toMatchObject([{ target: 'web-3', by: 'U0OPERATOR', reason: 'maintenance' }]);
    expect(silences[0]!.until - silences[0]!.at).toBe(3_600_000);
    expect(await answer('/lvs unsilence web-3')).toContain('web-3 is enabled in mon again');
    expect((await monSays((c) => c.disabled())).watches).not.toContain('web-3');
    expect(await new SilenceStore(ctx.redis, ctx.prefix).list('lab')).toEqual([]);
    expect(await answer('/lvs unsilence web-3')).toContain('web-3 is not silenced');
  });

  it('silences the incident from its menu, shows it, and enables it again when the time is up', async () => {
    const message = await waitForIncident();
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    const menu = await slack.click(message, 'lvs_silence', { user: 'U0OPERATOR', value: `30m ${id}` });
    expect(JSON.stringify((await menu.waitForResponse(undefined, 20_000)).body)).toContain(
      'Silenced web-2:http in mon for 30m',
    );
    expect((await monSays((c) => c.disabled())).services).toContainEqual({ group: 'web-2', service: 'http' });
    await until(
      () =>
        JSON.stringify(current(message.ts).blocks).includes('web-2:http silenced in mon by <@U0OPERATOR>'),
      20_000,
      'the silence on the message',
    );
    expect(actionIds(current(message.ts))).toContain('lvs_unsilence');
    // 30 minutes is too long for a test: a 3 s silence replaces it (its end is the same delayed job).
    expect(await answer('/lvs silence web-2:http 3s')).toContain('Silenced web-2:http in mon for 3s');
    await until(
      async () =>
        !(await monSays((c) => c.disabled())).services.some((s) => s.group === 'web-2') &&
        !JSON.stringify(current(message.ts).blocks).includes('silenced in mon'),
      30_000,
      'mon enabling web-2:http again and the message without the silence',
    );
    expect(actionIds(current(message.ts))).toContain('lvs_silence');
    expect(await new SilenceStore(ctx.redis, ctx.prefix).list('lab')).toEqual([]);
  });

  it('Custom… asks for a duration in a form, refuses a bad one there, and silences for a good one', async () => {
    const message = await waitForIncident();
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    await slack.click(message, 'lvs_silence', { user: 'U0OPERATOR', value: `custom ${id}` });
    await until(
      () => slack.views('U0OPERATOR').modals.some((v) => v.callbackId === 'lvs_silence_custom'),
      20_000,
      'the custom silence form',
    );
    const form = () => slack.views('U0OPERATOR').modals.find((v) => v.callbackId === 'lvs_silence_custom')!;
    const zero = await slack.submitView(form(), { values: { lvs_silence_duration: '0s' } });
    expect(zero.outcome).toBe('errors');
    const long = await slack.submitView(form(), { values: { lvs_silence_duration: '5h' } });
    expect(long.outcome).toBe('errors');
    expect(JSON.stringify(long.errors)).toContain('At most 4h');
    expect((await monSays((c) => c.disabled())).services).toEqual([]);
    const ok = await slack.submitView(form(), {
      values: { lvs_silence_duration: '2s', lvs_silence_reason: 'restarting' },
    });
    expect(ok.outcome).toBe('closed');
    await until(
      () => JSON.stringify(current(message.ts).blocks).includes(': restarting'),
      20_000,
      'the custom silence on the message',
    );
    await until(
      async () =>
        !(await monSays((c) => c.disabled())).services.some((x) => x.group === 'web-2') &&
        !JSON.stringify(current(message.ts).blocks).includes('silenced in mon'),
      30_000,
      'the custom silence ended',
    );
  });

  it("silences 'until resolved' with mon's own ack (mon keeps checking), and the recovery ends it", async () => {
    const message = await waitForIncident();
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    const menu = await slack.click(message, 'lvs_silence', { user: 'U0OPERATOR', value: `resolved ${id}` });
    const reply = JSON.stringify((await menu.waitForResponse(undefined, 20_000)).body);
    expect(reply).toContain('until its incident resolves');
    expect(reply).toContain('mon acked it');
    // Not disabled: mon goes on checking, so it will see the recovery.
    expect((await monSays((c) => c.disabled())).services).toEqual([]);
    const web2 = (await monSays((c) => c.opstatus())).find(
      (x) => x.group === 'web-2' && x.service === 'http',
    );
    expect(web2?.acked).toBe(true);
    expect(web2?.ackComment).toContain('silenced until resolved by U0OPERATOR');
    const store = new SilenceStore(ctx.redis, ctx.prefix);
    expect(await store.list('lab')).toMatchObject([
      { target: 'web-2:http', untilResolved: true, heldBy: 'ack' },
    ]);
    await until(
      () => JSON.stringify(current(message.ts).blocks).includes('web-2:http silenced in mon'),
      20_000,
      'the silence on the message',
    );
    // mon's upalert (as mon sends it on recovery) resolves the incident and ends the silence.
    await alertWeb2('up');
    await until(
      async () =>
        (await store.list('lab')).length === 0 &&
        !JSON.stringify(current(message.ts).blocks).includes('silenced in mon'),
      30_000,
      'the silence ended by the recovery',
    );
    // web-2 fails again: the incident reopens for the next test.
    await alertWeb2('failure');
    await until(
      () => actionIds(current(message.ts)).includes('lvs_ack'),
      20_000,
      'the incident open again, with its Ack button',
    );
  });

  it('records an ack when mon cannot be reached, says mon was not told, and offers a retry', async () => {
    const message = await waitForIncident();
    const id = /lab-\d+/.exec(JSON.stringify(message.blocks))![0];
    await mon.stop();
    const reply = await answer(`/lvs ack ${id} looking`);
    expect(reply).toContain('mon was not told');
    await until(
      () => JSON.stringify(current(message.ts).blocks).includes('looking'),
      20_000,
      'the second ack on the message',
    );
    expect(JSON.stringify(current(message.ts).blocks)).toContain('mon was not told');
    expect(JSON.stringify(current(message.ts).blocks)).toContain('Retry ack in mon');
  });
});
