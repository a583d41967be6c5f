import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import {
  type ApprovalRig,
  restoreWeight,
  startApprovalRig,
  type Transport,
  weightOn,
} from './bot-approval-support.js';

// /lvs drain web-2 end to end on the lab: the plan is posted for approval, a non-approver's
// click is refused, the requester cannot approve their own request (two-person rule), an
// approver's click drains web-2 on the real director, and /lvs undrain gives the weight back.
// The same scenario runs with the bot in HTTP mode and in Socket Mode.

const lab = inject('lab');
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TRANSPORTS: Transport[] = ['http', 'socket'];

describe.each(TRANSPORTS)('/lvs drain with approval, on the lab, in %s mode', (transport) => {
  let rig: ApprovalRig;
  let slack: LocalSlack;
  let web2Address = '';
  let weightBefore: number | undefined;

  beforeAll(async () => {
    rig = await startApprovalRig(lab, transport, logger);
    slack = rig.slack;
  });

  afterAll(async () => {
    // A run that stopped half-way still leaves web-2 as it found it.
    if (web2Address && weightBefore)
      await restoreWeight(lab, web2Address, weightBefore).catch(() => undefined);
    await rig?.close();
  });

  /** waitForMessage, showing the message's blocks when it never matched (what the job said). */
  async function waitOrShow(
    channel: string,
    predicate: Parameters<LocalSlack['waitForMessage']>[1],
    timeoutMs: number,
  ): Promise<Awaited<ReturnType<LocalSlack['waitForMessage']>>> {
    try {
      return await slack.waitForMessage(channel, predicate, timeoutMs);
    } catch (err) {
      const last = slack.messages(channel).at(-1);
      throw new Error(`${(err as Error).message}\n${JSON.stringify(last?.blocks, null, 1)}`);
    }
  }

  it('asks for approval, refuses the wrong clicks, drains on the real director, and undrains to the same weight', async () => {
    const web2 = rig.inventory.clusters[0]!.realServers.find((r) => r.name === 'web-2')!;
    web2Address = web2.address;
    const weightOf = (address: string) => weightOn(lab, 'lb1', address);
    const before = await weightOf(web2.address);
    expect(before).toBeGreaterThan(0);
    weightBefore = before;

    const res = await slack.command('/lvs drain web-2 --timeout 20s', {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    // The command really went over this transport.
    expect(res.ack).toMatchObject({ ok: true, transport });
    expect(JSON.stringify(res.ack.body)).toContain('Planning');
    const request = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.text.startsWith('Approval needed'),
      90_000,
    );
    const plan = JSON.stringify(request.blocks);
    expect(plan).toContain('ipvsadm');
    expect(plan).toContain('lb1');

    const other = await slack.click(request, 'lvs_approve', { user: 'U0OTHER' });
    expect(other.ack).toMatchObject({ ok: true, transport });
    expect(JSON.stringify((await other.waitForResponse()).body)).toContain('not an approver');
    const self = await slack.click(request, 'lvs_approve', { user: 'U0OPERATOR' });
    expect(JSON.stringify((await self.waitForResponse()).body)).toMatch(/not an approver|two-person/);
    expect(await weightOf(web2.address)).toBe(before);

    const approved = await slack.click(request, 'lvs_approve', { user: 'U0APPROVER' });
    const done = await waitOrShow(
      'C0LVSOPS',
      // Done, or timed out waiting for a connection the lab's own probe left open: either way
      // web-2 ends drained (weight 0), and the message says which.
      (m) =>
        m.ts === request.ts &&
        /Job j\d+\*: (:white_check_mark: done|:alarm_clock: timed out)/.test(JSON.stringify(m.blocks)),
      120_000,
    );
    expect(JSON.stringify(done.blocks)).toContain('Approved by <@U0APPROVER>');
    expect(await weightOf(web2.address)).toBe(0);

    // The same click delivered again (freshly signed, or in a new envelope) changes nothing:
    // no second run, and the approver is told the request was already approved.
    const updatesBefore = slack.calls('chat.update').length;
    const replay = await slack.replay(approved.payload);
    expect(replay).toMatchObject({ ok: true, transport });
    const told = await approved.waitForResponse((p) => JSON.stringify(p.body).includes('already approved'));
    expect(JSON.stringify(told.body)).toContain('nothing was changed');
    expect(slack.calls('chat.update').length).toBe(updatesBefore);
    expect(await weightOf(web2.address)).toBe(0);

    const undrainCommand = await slack.command('/lvs undrain web-2', {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    expect(undrainCommand.ack).toMatchObject({ ok: true, transport });
    const again = await slack.waitForMessage(
      'C0LVSOPS',
      (m) => m.ts !== request.ts && m.text.startsWith('Approval needed') && m.text.includes('web-2'),
      90_000,
    );
    const undrain = await slack.click(again, 'lvs_approve', { user: 'U0APPROVER' });
    expect(undrain.ack.ok, JSON.stringify(undrain.ack)).toBe(true);
    await waitOrShow(
      'C0LVSOPS',
      (m) => m.ts === again.ts && /:white_check_mark: done/.test(JSON.stringify(m.blocks)),
      120_000,
    );
    expect(await weightOf(web2.address)).toBe(before);
  });
});
