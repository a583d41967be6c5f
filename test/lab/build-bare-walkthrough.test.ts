import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type BuildOptions,
  type BuildStep,
  buildSteps,
  type ServiceControl,
} from '../../src/build/steps/index.js';
import { readEnv } from '../../src/config/env.js';
import type { Inventory } from '../../src/config/inventory.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import {
  breakHost,
  healHost,
  type LabStatus,
  labDown,
  labOptionsSchema,
  labStatus,
  labUp,
  planLab,
  waitForActive,
} from '../../src/lab/index.js';
import { type LocalMessage, type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { createLogger } from '../../src/log/logger.js';
import { SshExecutor } from '../../src/ssh/index.js';
import type { BuildProgressStore } from '../../src/store/build-progress.js';
import { Keys } from '../../src/store/keys.js';
import { type BuildBot, startBuildBot } from '../support/build-bot.js';
import { freePort } from '../support/mon.js';
import { testRedis } from '../support/redis.js';
import { spareTestLab } from './global-setup.js';
import { curlVip, eventually, ssh } from './lab-client.js';

/**
 * The "done when": on a lab brought up bare (hosts and sshd only: no VIP, no IPVS
 * table, no mon, no heartbeat), following /lvs build through the local Slack, pressing Apply
 * (approved by an approver) and Check on each step, brings the cluster to working order:
 * curl through the VIP, a real server's outage reaches Slack through mon, a director failover
 * works, and every Check passes at the end. It uses the run's spare lab (its own prefix,
 * subnet and state directory) and tears it down.
 */
const LAB = { ...spareTestLab(inject('labSlot')), bare: true };
const plan = planLab(labOptionsSchema.parse(LAB));
const CHANNEL = 'C0LVSOPS';
const OPERATOR = 'U0OPERATOR';
const APPROVER = 'U0APPROVER';
const SIGNING_SECRET = 'bare-walkthrough-secret';
const BOT_TOKEN = 'xoxb-0000000000-bare-walkthrough';
const INGEST_TOKEN = 'bare-walkthrough-ingest-token';

/**
 * How a lab director (UML, no systemd) restarts its daemons. mon runs as root outside
 * heartbeat: Debian's init script runs it as user mon, which cannot read the lab's state
 * directory (mode 700) where its alert scripts are.
 */
function labServices(stateDir: string): ServiceControl {
  const ctl = `${stateDir}/bin/director-ctl`;
  return {
    name: 'lab',
    restart: (service) =>
      service === 'heartbeat'
        ? [
            [ctl, 'heartbeat-stop'],
            [ctl, 'heartbeat-start'],
          ]
        : [
            [
              'sh',
              '-c',
              'if [ -r /run/mon.pid ]; then kill "$(cat /run/mon.pid)" 2>/dev/null; sleep 1; fi; exec /usr/sbin/mon -f -c /etc/mon/mon.cf -P /run/mon.pid </dev/null >/dev/null 2>&1',
            ],
          ],
  };
}

let lab: LabStatus;
let inventory: Inventory;
let slack: LocalSlack;
let pipeline: AlertPipeline;
let progress: BuildProgressStore;
let options: BuildOptions;
let steps: BuildStep[];
// Apply is a build-step job: the real producer, and a real worker on the lab cluster's changes queue.
let bot: BuildBot | undefined;
const executor = new SshExecutor();
const redis = testRedis();
const log = (line: string) => process.stderr.write(`[bare] ${line}\n`);

beforeAll(async () => {
  await labDown({ stateDir: LAB.stateDir, prefix: LAB.prefix }, () => {});
  await labUp({ ...LAB, monAlert: `${import.meta.dirname}/../../contrib/mon/slack.alert` }, log);
  lab = await labStatus(LAB.stateDir);
  const loaded = await loadInventory(lab.inventory);
  if (!loaded.ok) throw new Error('the bare lab inventory does not load');
  inventory = loaded.value;

  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
  });
  const logger = createLogger({ level: 'silent' });
  const keys = new Keys(redis.prefix);
  // The alert path: slack.alert on the directors posts to this machine's front address.
  const port = await freePort();
  pipeline = await startAlertPipeline({
    env: readEnv({ INGEST_TOKEN, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl }),
    inventory,
    logger,
    keys,
    port,
    host: plan.front.hostAddress,
    jobs: false,
  });
  options = {
    gen: {
      alertUrl: `http://${plan.front.hostAddress}:${port}`,
      alertScripts: ['slack.alert'],
      monEnv: {
        LVS_CHATOPS_TOKEN: INGEST_TOKEN,
        // In a directory of its own: slack.alert refuses /tmp (others may write it) as a spool.
        LVS_CHATOPS_SPOOL: '/tmp/lvs-chatops/alerts.jsonl',
        LVS_CHATOPS_CONF: '/dev/null',
      },
      // The lab's alert scripts, and a director's writable /var/log and /var/lib/mon (tmpfs).
      monDirs: { alertdir: plan.paths.alertDir, logdir: '/var/log', statedir: '/var/lib/mon' },
      monIntervals: { ping: '30s', service: '5s' },
      haResources: ['ipvsadm-rules::/etc/ha.d/ipvsadm.rules'],
    },
    services: labServices(lab.stateDir),
  };
  steps = buildSteps(inventory.clusters[0]!, options);
  bot = await startBuildBot({
    slack,
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    inventory,
    redis,
    runner: executor,
    worker: true,
    perUserPerMinute: 500,
    options: () => options,
  });
  progress = bot.progress;
});

afterAll(async () => {
  await bot?.close();
  await pipeline?.close();
  await slack?.close();
  await executor.close();
  await redis.cleanup();
  await labDown({ stateDir: LAB.stateDir }, () => {});
});

let ts = '';
const msg = (): LocalMessage => slack.message(CHANNEL, ts)!;
const content = () => JSON.stringify(msg().blocks);

async function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; the build message says:\n${content().slice(0, 4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Presses Check until the step's checks pass (a daemon may need a few seconds to settle). */
async function checkUntilPass(
  step: BuildStep,
  opts: { again?: boolean } = {},
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const before = (await progress.get('lab'))?.checks[step.id]?.at ?? 0;
    // After an Apply the step was checked already; `again` asks for a new check regardless.
    if (!(opts.again && round === 0) && (await progress.get('lab'))?.checks[step.id]?.pass) return;
    await slack.click(msg(), 'lvs_build_check', { user: OPERATOR });
    const record = await until(`a check of ${step.id}`, async () => {
      const c = (await progress.get('lab'))?.checks[step.id];
      return c && c.at > before ? c : undefined;
    });
    if (record.pass) return;
    if (Date.now() > deadline)
      throw new Error(`${step.id} never passed: ${JSON.stringify(record.verdicts, null, 1)}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

async function applyApproved(step: BuildStep): Promise<void> {
  const asked = Object.keys((await progress.get('lab'))?.applies ?? {}).length;
  await slack.click(msg(), 'lvs_build_apply', { user: OPERATOR });
  const id = `a${asked + 1}`;
  const request = await slack.waitForMessage(
    CHANNEL,
    (m) => m.threadTs === ts && m.text.startsWith(`Apply ${id} `),
    30_000,
  );
  await slack.click(request, 'lvs_build_apply_approve', { user: APPROVER });
  const done = await until(
    `Apply ${id} of ${step.id}`,
    async () => {
      const a = (await progress.get('lab'))?.applies[id];
      return a && (a.status === 'done' || a.status === 'failed') ? a : undefined;
    },
    150_000,
  );
  expect(done.status, `Apply of ${step.id}: ${done.result?.join('\n')}`).toBe('done');
  // It ran as a build-step job on the cluster's changes queue, approved as the audit says.
  const audit = (await bot!.jobs.get(done.job!))?.audit;
  expect(audit).toMatchObject({ playbook: 'build-step', queue: 'changes.lab' });
  expect(['done', 'already-done']).toContain(audit?.status);
  expect(audit?.approval?.by).toBe(APPROVER);
}

describe('the guided build on a bare lab', () => {
  it('starts with nothing: no VIP answers', async () => {
    expect(lab.bare).toBe(true);
    expect(await curlVip(lab)).toBeUndefined();
    await slack.command('/lvs build lab', { user: OPERATOR, channel: CHANNEL });
    ts = (await slack.waitForMessage(CHANNEL, (m) => m.text.startsWith('Guided build of lab'))).ts;
  });

  it('walks every step with Apply and Check, skipping what does not apply, to working order', async () => {
    for (const [i, step] of steps.entries()) {
      await until(`step ${i + 1}`, () => msg().text.includes(`Step ${i + 1} of ${steps.length}`));
      log(`step ${i + 1}: ${step.id}`);
      if (step.blocked || step.optional) {
        await slack.click(msg(), 'lvs_build_skip', { user: OPERATOR });
        const modal = await slack.waitForView(OPERATOR, (v) => v.callbackId === 'lvs_build_skip_reason');
        await slack.submitView(modal, {
          user: OPERATOR,
          values: {
            lvs_build_skip_reason_text: step.blocked
              ? `does not apply: ${step.blocked}`.slice(0, 400)
              : 'optional',
          },
        });
        continue;
      }
      if (step.apply) await applyApproved(step);
      if (step.checks.length > 0) await checkUntilPass(step);
      if (i < steps.length - 1) await slack.click(msg(), 'lvs_build_next', { user: OPERATOR });
    }
    const p = await progress.get('lab');
    expect(p?.checks['working-order']?.pass).toBe(true);
    // The record is written before the message is drawn again.
    await until(
      'the message showing the passed check',
      () => content().includes('Check passed') || undefined,
    );
    expect(content()).toContain('12 done, 2 skipped');
  }, 900_000);

  it('serves the VIP to a client', async () => {
    const page = await eventually('a page through the VIP', () => curlVip(lab), 30_000);
    expect(['web-1', 'web-2', 'web-3']).toContain(page);
  });

  it("tells Slack through mon when a real server's web server stops, and when it is back", async () => {
    await breakHost('web-2', { stateDir: lab.stateDir });
    let incident: LocalMessage;
    try {
      incident = await slack.waitForMessage(CHANNEL, (m) => m.text.includes('web-2:http'), 90_000);
      expect(incident.text).toMatch(/^Open: web-2:http/);
    } finally {
      await healHost('web-2', { stateDir: lab.stateDir });
    }
    // mon's upalert resolves the same message.
    await until(
      'the incident resolved',
      () => slack.message(CHANNEL, incident.ts)!.text.startsWith('Resolved') || undefined,
      90_000,
    );
  }, 180_000);

  it('fails over to lb2 when lb1’s heartbeat stops, and back', async () => {
    const ctl = `${lab.stateDir}/bin/director-ctl`;
    expect((await ssh(lab, 'lb1', `${ctl} heartbeat-stop`)).code).toBe(0);
    try {
      await waitForActive(plan, 'lb2', 90_000);
      expect(await curlVip(lab)).toMatch(/^web-\d$/);
    } finally {
      expect((await ssh(lab, 'lb1', `${ctl} heartbeat-start`)).code).toBe(0);
    }
    await waitForActive(plan, 'lb1', 90_000);
    const last = steps.at(-1)!;
    await until('the last step', () => msg().text.includes(`Step ${steps.length} of`));
    await checkUntilPass(last, { again: true });
  }, 300_000);
});
