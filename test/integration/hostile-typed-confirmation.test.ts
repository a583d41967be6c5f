import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalView } from '../../src/localslack/types.js';
import { JobError } from '../../src/queues/job-error.js';
import { JobProducer } from '../../src/queues/job-producer.js';
import type { ApprovalRequest } from '../../src/store/approval-store.js';
import { type HostileRig, startHostileRig } from './hostile-support.js';

// The changes that can take a service down need the target's name typed, not a click: the
// Approve click opens a modal (views.open with the click's trigger_id), and only a
// view_submission with the exact name, from someone who may approve, decides the request.
// Every submission gets the checks a click gets. The inventory's policy is the default one.

let rig: HostileRig;
beforeEach(async () => {
  rig = await startHostileRig();
});
afterEach(async () => {
  await rig?.dispose();
});

const REMOUNT_FORCE = {
  request: { playbook: 'remount-fileset', fileset: 'content', force: true },
  title: 'Remount content (force)',
  confirmTarget: 'content',
};

async function typedRequest(requestedBy = 'U0OPERATOR'): Promise<ApprovalRequest> {
  return rig.postApproval({ cluster: 'lab', channel: 'C0LVSOPS', requestedBy, ...REMOUNT_FORCE });
}

async function clickApprove(req: ApprovalRequest, user: string) {
  const m = rig.slack.message(req.channel, req.ts!)!;
  const result = await rig.slack.click(m, 'lvs_approve', { user });
  expect(result.ack.ok).toBe(true);
  return result;
}

async function modalOf(user: string): Promise<LocalView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const modal = rig.slack.views(user).modals.at(-1);
    if (modal) return modal;
    if (Date.now() > deadline) throw new Error(`no modal opened for ${user}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function expectUndecided(req: ApprovalRequest): Promise<void> {
  const now = await rig.approvals.get(req.id);
  expect(now?.state).toBe('pending');
  expect(now?.runJobId).toBeUndefined();
  expect(await rig.jobCount()).toBe(0);
}

/** The last view_submission the bot received, to be forged as someone else's. */
function lastSubmission(): Record<string, unknown> {
  const d = rig.slack
    .deliveries('interactive')
    .filter((x) => x.payload.type === 'view_submission')
    .at(-1);
  if (!d) throw new Error('no view_submission was delivered');
  return structuredClone(d.payload);
}

function forge(payload: Record<string, unknown>, user: string, typed: string): Record<string, unknown> {
  const view = payload.view as { state: { values: Record<string, Record<string, { value: string }>> } };
  view.state.values.lvs_confirm_name!.lvs_confirm_change_name!.value = typed;
  payload.user = { ...(payload.user as object), id: user };
  return payload;
}

function modalErrors(ack: { body?: unknown }): string {
  const body = ack.body as { response_action?: string; errors?: Record<string, string> };
  expect(body?.response_action).toBe('errors');
  return body.errors?.lvs_confirm_name ?? '';
}

describe('remount --force by default', () => {
  it('is not queued without an approval', async () => {
    const jobs = new JobProducer({ redis: rig.redis, inventory: rig.inventory, prefix: rig.prefix });
    try {
      const run = jobs.requestRun(
        { playbook: 'remount-fileset', fileset: 'content', force: true },
        { user: 'U0OPERATOR', via: 'slack', channel: 'C0LVSOPS' },
      );
      await expect(run).rejects.toBeInstanceOf(JobError);
      await expect(run).rejects.toMatchObject({ code: 'APPROVAL_REQUIRED' });
      expect(await rig.jobCount()).toBe(0);
    } finally {
      await jobs.close();
    }
  });
});

describe('a change that needs a typed confirmation', () => {
  it('is not approved by a click: the click opens a modal that names the target, and nothing runs', async () => {
    const req = await typedRequest();
    const button = JSON.stringify(rig.slack.message(req.channel, req.ts!)!.blocks);
    expect(button).toContain('type content');
    await clickApprove(req, 'U0APPROVER');
    const modal = await modalOf('U0APPROVER');
    expect(modal.callbackId).toBe('lvs_confirm_change');
    expect(JSON.stringify(modal.blocks)).toContain('Type content to confirm');
    await expectUndecided(req);
  });

  it('a wrong name is refused in the modal and nothing runs; the right one runs it', async () => {
    const req = await typedRequest();
    await clickApprove(req, 'U0APPROVER');
    const modal = await modalOf('U0APPROVER');
    const wrong = await rig.slack.submitView(modal, {
      user: 'U0APPROVER',
      values: { lvs_confirm_change_name: 'content2' },
    });
    expect(wrong.outcome).toBe('errors');
    expect(wrong.errors?.lvs_confirm_name).toContain("You typed 'content2', not content");
    await expectUndecided(req);

    const right = await rig.slack.submitView(modal, {
      user: 'U0APPROVER',
      values: { lvs_confirm_change_name: 'content' },
    });
    expect(right.outcome).toBe('closed');
    const deadline = Date.now() + 10_000;
    while ((await rig.approvals.get(req.id))?.runJobId === undefined) {
      if (Date.now() > deadline) throw new Error('the confirmed run was never queued');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await rig.approvals.get(req.id)).toMatchObject({ state: 'approved', decidedBy: 'U0APPROVER' });
    expect(await rig.jobCount()).toBe(1);
  });

  it('a click by a non-approver opens no modal; a submission forged as theirs is refused', async () => {
    const req = await typedRequest();
    const click = await clickApprove(req, 'U0OTHER');
    const answer = JSON.stringify((await click.waitForResponse(undefined, 10_000)).body);
    expect(answer).toContain('You are not an approver of cluster lab');
    expect(rig.slack.views('U0OTHER').modals).toEqual([]);

    // The approver's own (wrong-name) submission, replayed as the non-approver's with the right name.
    await clickApprove(req, 'U0APPROVER');
    await rig.slack.submitView(await modalOf('U0APPROVER'), {
      user: 'U0APPROVER',
      values: { lvs_confirm_change_name: 'nope' },
    });
    const forged = await rig.slack.replay(forge(lastSubmission(), 'U0OTHER', 'content'));
    expect(forged.ok).toBe(true);
    expect(modalErrors(forged)).toContain('You are not an approver of cluster lab');
    await expectUndecided(req);
  });

  it("the requester's own submission is refused by the two-person rule, even with the right name", async () => {
    const req = await typedRequest('U0APPROVER');
    const click = await clickApprove(req, 'U0APPROVER');
    const answer = JSON.stringify((await click.waitForResponse(undefined, 10_000)).body);
    expect(answer).toContain('two-person rule needs another approver');
    expect(rig.slack.views('U0APPROVER').modals).toEqual([]);

    // A submission carrying the requester's id (forged from another approver-shaped payload).
    const other = await typedRequest();
    await clickApprove(other, 'U0APPROVER');
    await rig.slack.submitView(await modalOf('U0APPROVER'), {
      user: 'U0APPROVER',
      values: { lvs_confirm_change_name: 'nope' },
    });
    const payload = forge(lastSubmission(), 'U0APPROVER', 'content');
    const view = payload.view as { private_metadata: string };
    view.private_metadata = JSON.stringify({ a: req.id, ch: req.channel });
    const forged = await rig.slack.replay(payload);
    expect(modalErrors(forged)).toContain('two-person rule needs another approver');
    await expectUndecided(req);
  });

  it('a submission from another workspace or for another channel is refused', async () => {
    const req = await typedRequest();
    await clickApprove(req, 'U0APPROVER');
    await rig.slack.submitView(await modalOf('U0APPROVER'), {
      user: 'U0APPROVER',
      values: { lvs_confirm_change_name: 'nope' },
    });
    const legitimate = lastSubmission();
    const otherTeam = forge(structuredClone(legitimate), 'U0APPROVER', 'content');
    otherTeam.team = { id: 'T0EVIL', domain: 'evil' };
    expect(modalErrors(await rig.slack.replay(otherTeam))).toContain('workspace T0EVIL, not T0LAB');

    const otherChannel = forge(structuredClone(legitimate), 'U0APPROVER', 'content');
    (otherChannel.view as { private_metadata: string }).private_metadata = JSON.stringify({
      a: req.id,
      ch: 'C0PROD',
    });
    expect(modalErrors(await rig.slack.replay(otherChannel))).toContain('can only be decided in <#C0LVSOPS>');
    await expectUndecided(req);
  });
});
