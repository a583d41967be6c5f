import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobProducer } from '../../src/queues/job-producer.js';
import { Keys } from '../../src/store/keys.js';
import { SubscriptionStore } from '../../src/store/subscription-store.js';
import { type HostileRig, startHostileRig } from './hostile-support.js';

// Every /lvs argument, typed by an operator in the cluster's channel, with shell metacharacters,
// control characters, look-alike Unicode and very long values: each is refused in the ack,
// before any job exists (no BullMQ job, no audit record) and before anything is stored.

let rig: HostileRig;
beforeAll(async () => {
  rig = await startHostileRig();
});
afterAll(async () => {
  await rig?.dispose();
});

/** Values a hostile or careless user might type where a name, address, number or id goes. */
const NASTY: Record<string, string> = {
  semicolon: 'web-2;reboot',
  'and-and': 'web-2&&reboot',
  'command substitution': '$(reboot)',
  backticks: '`reboot`',
  pipe: 'web-2|reboot',
  redirect: 'web-2>/etc/passwd',
  newline: '"web-2\nreboot"',
  'single quote': "web-2'",
  'double quote': 'web-2\\"',
  NUL: 'web-2\u0000',
  'Cyrillic е in web-2': 'w\u0435b-2',
  'fullwidth digit in web-2': 'web-\uff12',
  'fullwidth digits in an address': '10.200.1.\uff11\uff12',
  'right-to-left override': 'web-\u202e2',
  'zero-width space': 'web\u200b-2',
  'very long name': `web-${'2'.repeat(5000)}`,
  'very long address': `10.200.1.12:${'8'.repeat(5000)}`,
  'path traversal': '../../etc/shadow',
  glob: 'web-*',
  'option injection': '-oProxyCommand=reboot',
};

/** Every argument position of every command (X is replaced by the nasty value). */
const TEMPLATES = [
  'drain X',
  'drain web-2 --vip X',
  'drain web-2 --timeout X',
  'undrain X',
  'remove X',
  'remove web-2 --vip X',
  'restore X',
  'restore web-2 --vip X',
  'weight X 2',
  'weight web-2 X',
  'weight web-2 2 --vip X',
  'failback X',
  'remount X',
  'remount content --host X',
  'status X',
  'job X',
  'cancel X',
  'build X',
  'incident X',
  'ack X',
  'subscribe X',
  'subscribe cluster=X',
  'subscribe group=X',
  'subscribe service=X',
  'subscribe kind=X',
  'unsubscribe X',
  'silence X 10m',
  'silence web-2 X',
  'unsilence X',
];

async function send(text: string) {
  await rig.resetRateLimit();
  return rig.slack.command(`/lvs ${text}`, { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
}

describe('hostile /lvs arguments, through the bot', () => {
  it('refuses every argument of every command with a warning, before any job or subscription exists', {
    timeout: 240_000,
  }, async () => {
    const subscriptions = new SubscriptionStore(rig.redis, new Keys(rig.prefix));
    const accepted: string[] = [];
    for (const template of TEMPLATES) {
      for (const [name, value] of Object.entries(NASTY)) {
        const text = template.replace('X', value);
        // A busy machine may miss Slack's 3 s now and then; a refused command has no effect, so ask again.
        let res = await send(text);
        for (let i = 0; i < 3 && !res.ack.ok; i++) res = await send(text);
        expect(res.ack.ok, `${template} with ${name}: ${JSON.stringify(res.ack)}`).toBe(true);
        const answer = (res.ack.body ?? {}) as { text?: string };
        // Every refusal is a warning that names what to do (the usage, or where to look).
        if (!answer.text?.startsWith(':warning:')) accepted.push(`${template} with ${name}: ${answer.text}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(await rig.jobCount()).toBe(0);
    expect(await rig.auditCount()).toBe(0);
    expect(await subscriptions.list()).toEqual([]);
  });

  it('names the argument it refused and shows the usage, without echoing a long value whole', async () => {
    await rig.resetRateLimit();
    const res = await rig.slack.command(`/lvs drain ${NASTY['very long name']}`, {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    const text = String((res.ack.body as { text: string }).text);
    expect(text).toContain('the command is too long');
    expect(text.length).toBeLessThan(600);
    await rig.resetRateLimit();
    const long = await rig.slack.command(`/lvs drain web-${'2'.repeat(300)}`, {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    const longText = String((long.ack.body as { text: string }).text);
    expect(longText).toContain('usage: /lvs drain SERVER');
    expect(longText).toContain('…');
    expect(longText.length).toBeLessThan(600);
    await rig.resetRateLimit();
    const cyrillic = await rig.slack.command(`/lvs drain ${NASTY['Cyrillic е in web-2']}`, {
      user: 'U0OPERATOR',
      channel: 'C0LVSOPS',
    });
    expect(String((cyrillic.ack.body as { text: string }).text)).toContain('usage: /lvs drain SERVER');
  });
});

describe('where /lvs may be used', () => {
  it("refuses a change asked in a channel that is no cluster's, naming where to ask, and queues nothing", async () => {
    await rig.resetRateLimit();
    const res = await rig.slack.command('/lvs drain web-2', { user: 'U0APPROVER', channel: 'C0GENERAL' });
    const text = String((res.ack.body as { text: string }).text);
    expect(text).toContain('/lvs is not enabled in this channel');
    expect(text).toContain('<#C0LVSOPS>');
    expect(await rig.jobCount()).toBe(0);
    expect(await rig.auditCount()).toBe(0);
  });
});

describe("another cluster's job id", () => {
  async function prodJob(): Promise<{ jobs: JobProducer; jobId: string }> {
    const jobs = new JobProducer({ redis: rig.redis, inventory: rig.inventory, prefix: rig.prefix });
    const { jobId } = await jobs.requestPlan(
      { playbook: 'remove-real-server', realServer: 'shop-2' },
      { user: 'U0OTHER', via: 'slack', channel: 'C0PROD' },
    );
    return { jobs, jobId };
  }

  it("/lvs cancel of prod's job by a lab operator is refused and the job keeps waiting; prod's operator may", async () => {
    const { jobs, jobId } = await prodJob();
    try {
      await rig.resetRateLimit();
      const res = await rig.slack.command(`/lvs cancel ${jobId}`, {
        user: 'U0OPERATOR',
        channel: 'C0LVSOPS',
      });
      const text = String((res.ack.body as { text: string }).text);
      expect(text).toContain(
        `only operators of cluster \`prod\` (<@U0OTHER>, <@U0PRODLEAD>) can cancel ${jobId}`,
      );
      expect((await jobs.get(jobId))?.audit.status).toBe('queued');
      expect(await rig.redis.exists(`${rig.prefix}:{jobs}:cancel:${jobId}`)).toBe(0);

      const own = await rig.slack.command(`/lvs cancel ${jobId}`, { user: 'U0OTHER', channel: 'C0PROD' });
      expect(String((own.ack.body as { text: string }).text)).toContain('cancelled before it started');
      expect((await jobs.get(jobId))?.audit).toMatchObject({
        status: 'cancelled',
        cancel: { by: 'U0OTHER' },
      });
    } finally {
      await jobs.close();
    }
  });

  it("/lvs job of prod's job in lab's channel is read-only: it names cluster prod and changes nothing", async () => {
    const { jobs, jobId } = await prodJob();
    try {
      await rig.resetRateLimit();
      const res = await rig.slack.command(`/lvs job ${jobId}`, { user: 'U0OPERATOR', channel: 'C0LVSOPS' });
      const body = res.ack.body as { text: string; response_type: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain(`on cluster prod`);
      expect((await jobs.get(jobId))?.audit.status).toBe('queued');
    } finally {
      await jobs.close();
    }
  });
});
