import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalMessage } from '../../src/localslack/types.js';
import type { ApprovalRequest } from '../../src/store/approval-store.js';
import { type HostileRig, startHostileRig } from './hostile-support.js';

// Approve and Reject through the whole bot (startBot, signed HTTP from the local Slack): every
// click that must not decide a change is refused, says why, leaves the request pending and
// queues nothing. The run is queued only by the one click that may decide.

let rig: HostileRig;
beforeEach(async () => {
  rig = await startHostileRig();
});
afterEach(async () => {
  await rig?.dispose();
});

function messageOf(req: ApprovalRequest): LocalMessage {
  const m = rig.slack.message(req.channel, req.ts!);
  if (!m) throw new Error(`no approval message ${req.ts} in ${req.channel}`);
  return m;
}

/** Clicks and returns what the bot answered the clicking user (its response_url post). */
async function click(req: ApprovalRequest, action: 'lvs_approve' | 'lvs_reject', user: string) {
  const result = await rig.slack.click(messageOf(req), action, { user });
  expect(result.ack.ok).toBe(true);
  return result;
}

async function answerTo(result: Awaited<ReturnType<typeof click>>): Promise<string> {
  return JSON.stringify((await result.waitForResponse(undefined, 10_000)).body);
}

/** The last click payload the bot received, to be replayed or forged. */
function lastClickPayload(): Record<string, unknown> {
  const d = rig.slack.deliveries('interactive').at(-1);
  if (!d) throw new Error('no click was delivered');
  return structuredClone(d.payload);
}

async function expectUndecided(req: ApprovalRequest): Promise<void> {
  const now = await rig.approvals.get(req.id);
  expect(now?.state).toBe('pending');
  expect(now?.runJobId).toBeUndefined();
  expect(await rig.jobCount()).toBe(0);
}

async function waitForRefusals(req: ApprovalRequest, n: number): Promise<ApprovalRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = (await rig.approvals.get(req.id))!;
    if (now.refusals.length >= n) return now;
    if (Date.now() > deadline) throw new Error(`expected ${n} refusals, got ${now.refusals.length}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('approval clicks that must not decide', () => {
  it('a replayed Approve click queues the run once and says who already approved', async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0OPERATOR' });
    await click(req, 'lvs_approve', 'U0APPROVER');
    const deadline = Date.now() + 10_000;
    while ((await rig.approvals.get(req.id))?.runJobId === undefined) {
      if (Date.now() > deadline) throw new Error('the approved run was never queued');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await rig.jobCount()).toBe(1);
    const payload = lastClickPayload();
    const responseUrl = String(payload.response_url);
    const before = rig.slack.responses(responseUrl).length;

    const replay = await rig.slack.replay(payload);
    expect(replay.ok).toBe(true);
    const deadline2 = Date.now() + 10_000;
    while (rig.slack.responses(responseUrl).length <= before) {
      if (Date.now() > deadline2) throw new Error('the replayed click got no answer');
      await new Promise((r) => setTimeout(r, 25));
    }
    const answer = JSON.stringify(rig.slack.responses(responseUrl).at(-1)!.body);
    expect(answer).toContain('already approved by <@U0APPROVER>');
    expect(answer).toContain('nothing was changed');
    expect(await rig.jobCount()).toBe(1);
    const after = await rig.approvals.get(req.id);
    expect(after).toMatchObject({ state: 'approved', decidedBy: 'U0APPROVER' });
  });

  it('a click by an operator or a viewer who is not an approver is refused and recorded', async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0APPROVER' });
    const byOperator = await answerTo(await click(req, 'lvs_approve', 'U0OPERATOR'));
    expect(byOperator).toContain('You are not an approver of cluster lab');
    expect(byOperator).toContain('<@U0APPROVER>');
    const byViewer = await answerTo(await click(req, 'lvs_approve', 'U0OTHER'));
    expect(byViewer).toContain('You are not an approver of cluster lab');
    const rejectByViewer = await answerTo(await click(req, 'lvs_reject', 'U0OTHER'));
    expect(rejectByViewer).toContain('You are not an approver');
    const now = await waitForRefusals(req, 3);
    expect(now.refusals.map((r) => r.user)).toEqual(['U0OPERATOR', 'U0OTHER', 'U0OTHER']);
    await expectUndecided(req);
  });

  it('the requester cannot approve their own change (two-person rule), but may withdraw it', async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0APPROVER' });
    const own = await answerTo(await click(req, 'lvs_approve', 'U0APPROVER'));
    expect(own).toContain('two-person rule needs another approver');
    await expectUndecided(req);
    await click(req, 'lvs_reject', 'U0APPROVER');
    const deadline = Date.now() + 10_000;
    while ((await rig.approvals.get(req.id))?.state !== 'rejected') {
      if (Date.now() > deadline) throw new Error('the withdrawal was not recorded');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await rig.jobCount()).toBe(0);
  });

  it("a click carried from another workspace (team id) is refused, even from an approver's id", async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0OPERATOR' });
    // A legitimate payload shape (a viewer's click, refused), then the forgery: the approver's
    // id, from team T0EVIL, freshly signed as if Slack had sent it.
    await answerTo(await click(req, 'lvs_approve', 'U0OTHER'));
    const forged = lastClickPayload();
    forged.user = { ...(forged.user as object), id: 'U0APPROVER', team_id: 'T0EVIL' };
    forged.team = { id: 'T0EVIL', domain: 'evil' };
    const responseUrl = String(forged.response_url);
    const before = rig.slack.responses(responseUrl).length;
    expect((await rig.slack.replay(forged)).ok).toBe(true);
    const now = await waitForRefusals(req, 2);
    expect(now.refusals[1]).toMatchObject({ user: 'U0APPROVER' });
    expect(now.refusals[1]!.reason).toContain('workspace T0EVIL, not T0LAB');
    expect(rig.slack.responses(responseUrl).length).toBeGreaterThan(before);
    await expectUndecided(req);
  });

  it('a click that names another channel than the one the request was posted in is refused', async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0OPERATOR' });
    await answerTo(await click(req, 'lvs_approve', 'U0OTHER'));
    const forged = lastClickPayload();
    forged.user = { ...(forged.user as object), id: 'U0APPROVER' };
    forged.channel = { id: 'C0PROD', name: 'prod-ops' };
    forged.container = { ...(forged.container as object), channel_id: 'C0PROD' };
    expect((await rig.slack.replay(forged)).ok).toBe(true);
    const now = await waitForRefusals(req, 2);
    expect(now.refusals[1]).toMatchObject({ user: 'U0APPROVER' });
    expect(now.refusals[1]!.reason).toContain('can only be decided in <#C0LVSOPS>');
    await expectUndecided(req);
  });

  it("an approver of one cluster cannot approve another cluster's change", async () => {
    const req = await rig.postApproval({ cluster: 'prod', channel: 'C0PROD', requestedBy: 'U0OPERATOR' });
    const answer = await answerTo(await click(req, 'lvs_approve', 'U0APPROVER'));
    expect(answer).toContain('You are not an approver of cluster prod');
    expect(answer).toContain('<@U0OTHER>');
    await expectUndecided(req);
  });

  it('a click after the request expired is refused, marks it expired and queues nothing', async () => {
    const req = await rig.postApproval({
      cluster: 'lab',
      channel: 'C0LVSOPS',
      requestedBy: 'U0OPERATOR',
      expiresAt: Date.now() - 1000,
    });
    const answer = await answerTo(await click(req, 'lvs_approve', 'U0APPROVER'));
    expect(answer).toContain('expired before anyone approved it');
    expect((await rig.approvals.get(req.id))?.state).toBe('expired');
    expect(await rig.jobCount()).toBe(0);
  });

  it('a click on an approval id that is not ours (forged value) is refused and queues nothing', async () => {
    const req = await rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy: 'U0OPERATOR' });
    await answerTo(await click(req, 'lvs_approve', 'U0OTHER'));
    for (const value of ['a000000000000', `${req.id}; FLUSHALL`, '../../etc/passwd', '', 'x'.repeat(5000)]) {
      const forged = lastClickPayload();
      forged.user = { ...(forged.user as object), id: 'U0APPROVER' };
      forged.actions = [{ ...(forged.actions as Record<string, unknown>[])[0], value }];
      const responseUrl = String(forged.response_url);
      const before = rig.slack.responses(responseUrl).length;
      expect((await rig.slack.replay(forged)).ok).toBe(true);
      const deadline = Date.now() + 10_000;
      while (rig.slack.responses(responseUrl).length <= before) {
        if (Date.now() > deadline) throw new Error(`no answer to a click with value ${value.slice(0, 30)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(JSON.stringify(rig.slack.responses(responseUrl).at(-1)!.body)).toContain('unknown or too old');
    }
    await expectUndecided(req);
  });
});
