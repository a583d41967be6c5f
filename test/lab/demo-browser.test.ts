import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEnv } from '../../src/config/env.js';
import { type Demo, startDemo } from '../../src/demo/start-demo.js';
import { healHost, labStatus } from '../../src/lab/index.js';
import { createLogger } from '../../src/log/logger.js';
import { launchChromium, openConsole, screenshot, type } from '../integration/localslack-web-browser.js';

// The demo as a new user meets it: the console page in Debian's chromium, the bot, the alert
// pipeline and a worker on the real lab (the lab project's own, not a second one). mon in the
// lab calls slack.alert, which reaches the demo's ingest where the lab's mon.cf points it.

const lab = inject('lab');
const CHANNEL = 'C0LVSOPS';
let demo: Demo;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  demo = await startDemo({
    env: readEnv({ LOG_LEVEL: 'silent' }),
    port: 0,
    lab: { stateDir: lab.stateDir },
    logger: createLogger({ level: 'silent' }),
    log: () => undefined,
  });
  browser = await launchChromium();
  page = await openConsole(browser, demo.url, 'U0OPERATOR', { channel: CHANNEL });
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  // The next test expects every real server serving.
  const status = await labStatus(lab.stateDir);
  if (status.hosts.some((h) => h.name === 'web-2' && h.http === false)) {
    await healHost('web-2', { stateDir: lab.stateDir });
  }
  // …and lb1 active.
  if (status.hosts.some((h) => h.name === 'lb1' && h.fault)) {
    await healHost('lb1', { stateDir: lab.stateDir, wait: true });
  }
});

/** A message of the channel itself, not a reply in a thread (a thread's head carries its own ts). */
const topLevel = (m: { ts: string; threadTs?: string }) => m.threadTs === undefined || m.threadTs === m.ts;

/** The bot's top-level messages in #lvs-ops about an incident of web-2. */
function incidentMessages() {
  return demo.slack
    .messages(CHANNEL)
    .filter(
      (m) => m.botId && m.blocks.some((b) => b.block_id === 'lvs_incident_head') && /web-2/.test(m.text),
    );
}

describe('lvs-chatops demo in a browser, on the lab', () => {
  it('answers /lvs help typed in the page', async () => {
    await type(page, '/lvs help');
    const answer = page.locator('#messages .msg.ephemeral', { hasText: 'lvs-chatops: /lvs commands' });
    await answer.waitFor();
    expect(await answer.textContent()).toContain('/lvs drain SERVER');
    await screenshot(page, 'demo-1-help');
  });

  it("shows the lab's table on /lvs status, as the active director has it", async () => {
    await type(page, '/lvs status');
    const answer = page.locator('#messages .msg', { hasText: 'active director' }).last();
    await answer.waitFor({ timeout: 90_000 });
    const text = (await answer.textContent()) ?? '';
    expect(text).toContain('active director lb1');
    for (const server of ['web-1', 'web-2', 'web-3']) expect(text).toContain(server);
    expect(text).toContain(lab.vip);
    await screenshot(page, 'demo-2-status');
  });

  it('asks for approval of /lvs drain web-3, and shows the approved run to its end, as the approver clicks', async () => {
    await type(page, '/lvs drain web-3 --timeout 20s');
    const request = page.locator('#messages .msg', { hasText: 'Approval needed' }).last();
    await request.waitFor({ timeout: 90_000 });
    expect(await request.textContent()).toContain('web-3');
    await screenshot(page, 'demo-3-approval-asked');

    await page.locator('#who').selectOption('U0APPROVER');
    await page.waitForSelector('body[data-ready="U0APPROVER"]');
    const asked = page.locator('#messages .msg', { hasText: 'Approval needed' }).last();
    await asked.locator('.btn.primary', { hasText: 'Approve' }).click();
    await page.locator('.confirm-dialog .btn', { hasText: 'Run it' }).click();
    // Progress, then the end: done, or timed out waiting for a connection (web-3 drained either way).
    const finished = page.locator('#messages .msg', { hasText: /Approved by @approver/ }).last();
    await finished.waitFor({ timeout: 60_000 });
    await expect
      .poll(async () => (await finished.textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/✅ done|⏰ timed out/);
    expect(await finished.locator('.edited').count()).toBe(1);
    await screenshot(page, 'demo-3-approval-done');

    // Give web-3 its weight back, the same way, so the next tests see the lab as it was.
    await page.locator('#who').selectOption('U0OPERATOR');
    await page.waitForSelector('body[data-ready="U0OPERATOR"]');
    await type(page, '/lvs undrain web-3');
    const again = page.locator('#messages .msg', { hasText: 'Approval needed' }).last();
    await expect
      .poll(() => page.locator('#messages .msg', { hasText: 'Approval needed' }).count(), {
        timeout: 90_000,
      })
      .toBe(1);
    await page.locator('#who').selectOption('U0APPROVER');
    await page.waitForSelector('body[data-ready="U0APPROVER"]');
    await again.locator('.btn.primary', { hasText: 'Approve' }).click();
    await page.locator('.confirm-dialog .btn', { hasText: 'Run it' }).click();
    const undrained = page.locator('#messages .msg', { hasText: /Approved by @approver/ }).last();
    await expect
      .poll(async () => (await undrained.textContent()) ?? '', { timeout: 120_000 })
      .toMatch(/✅ done/);
    expect(await undrained.textContent()).toContain('web-3');
    await page.locator('#who').selectOption('U0OPERATOR');
    await page.waitForSelector('body[data-ready="U0OPERATOR"]');
  });

  it("shows one incident message when web-2's HTTP is stopped from the Lab panel", async () => {
    const host = page.locator('.control-host[data-host="web-2"]');
    await host.locator('button', { hasText: 'Stop HTTP' }).click();
    await expect
      .poll(() => host.locator('.control-state').textContent(), { timeout: 30_000 })
      .toContain('HTTP stopped');
    const status = await labStatus(lab.stateDir);
    expect(status.hosts.find((h) => h.name === 'web-2')?.http).toBe(false);

    // mon notices within its interval, slack.alert posts to the ingest, the notifier posts.
    const incident = page.locator('#messages .msg', {
      has: page.locator('.btn', { hasText: 'Acknowledge' }),
    });
    await incident.first().waitFor({ timeout: 120_000 });
    expect(await incident.first().textContent()).toContain('web-2');
    await screenshot(page, 'demo-4-incident');
    // mon keeps alerting while web-2 is down: still one message, edited in place.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(incidentMessages()).toHaveLength(1);
    expect(await incident.count()).toBe(1);
  });

  it("sends a click on the incident's button to the bot, signed, as the user picked in the page", async () => {
    await page.locator('#who').selectOption('U0APPROVER');
    await page.waitForSelector('body[data-ready="U0APPROVER"]');
    const before = demo.slack.deliveries('interactive').length;
    const incident = page.locator('#messages .msg', {
      has: page.locator('.btn', { hasText: 'Acknowledge' }),
    });
    await incident.locator('.btn', { hasText: 'Acknowledge' }).click();
    await expect
      .poll(() => demo.slack.deliveries('interactive').length, { timeout: 10_000 })
      .toBe(before + 1);
    const payload = demo.slack.deliveries('interactive').at(-1)!.payload as {
      type: string;
      user: { id: string };
      actions: { action_id: string }[];
    };
    expect(payload.type).toBe('block_actions');
    expect(payload.user.id).toBe('U0APPROVER');
    expect(payload.actions[0]!.action_id).toBe('lvs_ack');
    // Bolt checked the signature: a forged request is answered 401 at once.
    await expect
      .poll(() => demo.slack.deliveries('interactive').at(-1)!.attempts.length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(demo.slack.deliveries('interactive').at(-1)!.attempts[0]!.status).not.toBe(401);
    await screenshot(page, 'demo-5-click');
  });

  it('shows the incident resolved, in the same message, once web-2 serves again', async () => {
    await page.locator('.control-host[data-host="web-2"] button', { hasText: 'Start HTTP' }).click();
    const resolved = page.locator('#messages .msg', { hasText: /resolved after/ });
    await resolved.first().waitFor({ timeout: 120_000 });
    expect(incidentMessages()).toHaveLength(1);
    expect(await resolved.locator('.edited').count()).toBe(1);
    await screenshot(page, 'demo-6-resolved');
    // Its timeline is in its thread: the page shows every reply the notifier posted there.
    const [incident] = incidentMessages();
    await expect
      .poll(() => demo.slack.thread(CHANNEL, incident!.ts).length, { timeout: 30_000 })
      .toBeGreaterThan(0);
    await resolved.locator('.replies').click();
    const replies = demo.slack.thread(CHANNEL, incident!.ts);
    await expect
      .poll(() => page.locator('#thread .thread-messages > .msg').count(), { timeout: 10_000 })
      .toBe(1 + replies.length);
    await screenshot(page, 'demo-7-thread');
  });

  it('fails lb1 over to lb2 from the Lab panel, and back, with the failover incident and its failback in #lvs-ops', async () => {
    const failovers = () =>
      demo.slack
        .messages(CHANNEL)
        .filter((m) => m.botId && topLevel(m) && /Director failover in lab/.test(m.text));
    const before = failovers().length;
    const summary = page.locator('#controls .control-summary');
    const lb1 = page.locator('.control-host[data-host="lb1"]');
    await lb1.locator('button', { hasText: 'Stop heartbeat' }).click();
    await expect.poll(() => summary.textContent(), { timeout: 90_000 }).toMatch(/through lb2$/);
    // The demo follows both directors' ha-logs, as a deployment does: the failover is an incident.
    const incident = await demo.slack.waitForMessage(
      CHANNEL,
      (m) => Boolean(m.botId) && topLevel(m) && /Director failover in lab/.test(m.text),
      90_000,
    );
    await expect
      .poll(
        () =>
          demo.slack
            .thread(CHANNEL, incident.ts)
            .some((r) => /lb2: .*(takeover complete|acquir)/i.test(r.text)),
        {
          timeout: 90_000,
        },
      )
      .toBe(true);
    await screenshot(page, 'demo-8-failover');
    const stepsBeforeFailback = demo.slack.thread(CHANNEL, incident.ts).length;
    await lb1.locator('button', { hasText: 'Start heartbeat' }).click();
    await expect.poll(() => summary.textContent(), { timeout: 120_000 }).toMatch(/through lb1$/);
    expect((await labStatus(lab.stateDir)).active).toBe('lb1');
    // The failback: lb1 takes the resources back, in the same incident's thread.
    await expect
      .poll(
        () =>
          demo.slack
            .thread(CHANNEL, incident.ts)
            .slice(stepsBeforeFailback)
            .some((r) => /lb1: .*(takeover complete|acquir)/i.test(r.text)),
        { timeout: 90_000 },
      )
      .toBe(true);
    expect(failovers().length - before).toBe(1);
  });
});
