import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchContext, type BenchScenario, type Figure, notMeasured } from '../figure.js';
import { type Alertmanager, alertmanagerInstalled, startAlertmanager } from '../peers/alertmanager.js';
import {
  INGEST_TOKEN,
  type LvsChatopsPeer,
  SlackView,
  startLvsChatops,
  startStormSlack,
} from '../peers/lvs-chatops.js';
import { accepted, describeStatuses, postAll } from '../peers/post-load.js';
import {
  alertmanagerAlert,
  CHANNEL,
  FULL_STORM,
  monAlertBody,
  QUICK_STORM,
  type StormAlert,
  type StormShape,
  stormAlerts,
} from '../peers/storm-alerts.js';
import { startWebhookReceiver } from '../peers/webhook-receiver.js';

const CLIENTS = 32;
const BATCH = 100;

/** What one peer made of the storm. */
export interface StormOutcome {
  /** Alerts answered 2xx per second of sending. */
  acceptedPerSecond: number;
  accepted: number;
  /** Messages the operator got: webhook notifications, or Slack posts + edits. */
  notifications: number;
  /** From the first alert sent until every host was in some notification (NaN: never). */
  allHostsMs: number;
  /** From the first alert sent until the last notification. */
  lastNotificationMs: number;
  /** Hosts that never appeared in a notification (or are not in Slack's messages now). */
  hostsMissing: number;
  rssMb: number;
  peakRssMb: number;
  version?: string;
}

interface AmSettings {
  groupWaitMs: number;
  groupIntervalMs: number;
}

/** Alertmanager's grouping for the storm: a short group_wait, group_interval as short as a bench allows. */
function amSettings(quick: boolean): AmSettings {
  return quick
    ? { groupWaitMs: 2000, groupIntervalMs: 4000 }
    : { groupWaitMs: 5000, groupIntervalMs: 10_000 };
}

/**
 * Feeds the storm to Alertmanager through `/api/v2/alerts` (`batch` alerts per POST, 32
 * clients) and waits until every host was notified and no notification came for a whole
 * group_interval (the follow-ups for groups that grew after their first notification).
 */
export async function alertmanagerStorm(
  alerts: readonly StormAlert[],
  shape: StormShape,
  batch: number,
  settings: AmSettings,
  log: BenchContext['log'],
): Promise<StormOutcome> {
  const receiver = await startWebhookReceiver();
  let am: Alertmanager | undefined;
  try {
    am = await startAlertmanager({ webhookUrl: receiver.url, ...settings });
    const now = Date.now();
    const bodies: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < alerts.length; i += batch) {
      const chunk = alerts.slice(i, i + batch);
      bodies.push(JSON.stringify(chunk.map((a) => alertmanagerAlert(a, now))));
      sizes.push(chunk.length);
    }
    const t0 = Date.now();
    const res = await postAll(`${am.url}/api/v2/alerts`, bodies, { concurrency: CLIENTS });
    const acceptedAlerts = sizes.reduce((sum, n, i) => sum + (res.ok[i] ? n : 0), 0);
    log(
      `Alertmanager ${am.version}, ${batch} per POST: ${describeStatuses(res)} in ${res.ms.toFixed(0)} ms${res.refusals.length ? `; ${res.refusals[0]}` : ''}`,
    );
    const deadline = Date.now() + settings.groupWaitMs + 3 * settings.groupIntervalMs + 30_000;
    while (receiver.hosts().size < shape.hosts && Date.now() < deadline) await sleep(100);
    // Follow-ups come one group_interval after a group's last notification.
    while (
      Date.now() < deadline &&
      Date.now() - (receiver.lastAt() ?? t0) < settings.groupIntervalMs + 2000
    ) {
      await sleep(200);
    }
    const allHostsAt = receiver.hosts().size >= shape.hosts ? receiver.lastNewHostAt() : undefined;
    const outcome: StormOutcome = {
      acceptedPerSecond: acceptedAlerts / (res.ms / 1000),
      accepted: acceptedAlerts,
      notifications: receiver.notifications(),
      allHostsMs: allHostsAt === undefined ? Number.NaN : allHostsAt - t0,
      lastNotificationMs: (receiver.lastAt() ?? Number.NaN) - t0,
      hostsMissing: shape.hosts - receiver.hosts().size,
      rssMb: am.rssMb(),
      peakRssMb: am.peakRssMb(),
      version: am.version,
    };
    log(
      `  ${outcome.notifications} notifications with ${receiver.alerts()} alerts; every host notified after ${outcome.allHostsMs.toFixed(0)} ms, last notification after ${outcome.lastNotificationMs.toFixed(0)} ms; RSS ${outcome.rssMb.toFixed(0)} MB`,
    );
    return outcome;
  } finally {
    await am?.stop();
    await receiver.close();
  }
}

export interface LvsStormOutcome extends StormOutcome {
  rateLimited: number;
  jobsFailed: number;
  alertsLost: number;
  posts: number;
  updates: number;
  /** From the first alert sent until every accepted alert was in an incident (the processor's pace). */
  incidentsMs: number;
  /** RSS after `restMs` idle before the storm, and the most sampled (every 200 ms) until it settled. */
  restRssMb: number;
  maxRssMb: number;
}

/**
 * Feeds the storm to lvs-chatops as mon would (one `POST /hooks/mon` per alert, 32 at once),
 * with the local Slack as Slack, and waits until every alert is in an incident, no notify job
 * is left and Slack has had no write for 3 s. The pipeline first rests `restMs`.
 */
export async function lvsChatopsStorm(
  alerts: readonly StormAlert[],
  shape: StormShape,
  log: BenchContext['log'],
  opts: { timeoutMs: number; restMs: number },
): Promise<LvsStormOutcome> {
  const slack = await startStormSlack();
  const view = new SlackView(slack, CHANNEL, shape.hosts);
  let peer: LvsChatopsPeer | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    peer = await startLvsChatops(slack, shape.hosts);
    await sleep(opts.restMs);
    const restRssMb = peer.rssMb();
    let maxRssMb = restRssMb;
    const running = peer;
    sampler = setInterval(() => {
      try {
        maxRssMb = Math.max(maxRssMb, running.rssMb());
      } catch {}
    }, 200);
    const now = Date.now();
    const bodies = alerts.map((a) => monAlertBody(a, now));
    const t0 = Date.now();
    const res = await postAll(`${peer.url}/hooks/mon`, bodies, {
      concurrency: CLIENTS,
      headers: { authorization: `Bearer ${INGEST_TOKEN}` },
    });
    const acceptedAlerts = accepted(res);
    log(
      `lvs-chatops /hooks/mon: ${describeStatuses(res)} in ${res.ms.toFixed(0)} ms${res.refusals.length ? `; ${res.refusals[0]}` : ''}`,
    );
    const deadline = t0 + opts.timeoutMs;
    let settled = false;
    let lastReport = Date.now();
    let incidentsAt: number | undefined;
    while (Date.now() < deadline) {
      const [active, jobs] = await Promise.all([peer.activeCount(), peer.jobs()]);
      if (incidentsAt === undefined && active >= acceptedAlerts) incidentsAt = Date.now();
      const quiet = Date.now() - (view.lastWrite() ?? t0) > 3000;
      if (active >= acceptedAlerts && jobs.pending === 0 && quiet) {
        settled = true;
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        log(
          `  … ${active} incidents, ${jobs.pending} notify jobs pending, ${view.hosts().size} hosts visible in Slack`,
        );
        lastReport = Date.now();
      }
      await sleep(250);
    }
    clearInterval(sampler);
    maxRssMb = Math.max(maxRssMb, peer.rssMb());
    if (!settled) log(`  not settled after ${opts.timeoutMs / 1000} s; measuring what is there`);
    const open = await peer.openIncidents();
    const inIncidents = open.reduce((sum, i) => sum + i.count, 0);
    const jobs = await peer.jobs();
    const calls = slack.calls();
    const written = (method: string) => calls.filter((c) => c.method === method && c.status === 200).length;
    const posts = written('chat.postMessage');
    const updates = written('chat.update');
    const allAt = view.allVisibleAt();
    const outcome: LvsStormOutcome = {
      acceptedPerSecond: acceptedAlerts / (res.ms / 1000),
      accepted: acceptedAlerts,
      notifications: posts + updates,
      posts,
      updates,
      allHostsMs: allAt === undefined ? Number.NaN : allAt - t0,
      lastNotificationMs: (view.lastWrite() ?? Number.NaN) - t0,
      hostsMissing: shape.hosts - view.hosts().size,
      rssMb: peer.rssMb(),
      peakRssMb: peer.peakRssMb(),
      rateLimited: calls.filter((c) => c.status === 429).length,
      jobsFailed: jobs.failed,
      alertsLost: Math.max(0, acceptedAlerts - inIncidents),
      incidentsMs: incidentsAt === undefined ? Number.NaN : incidentsAt - t0,
      restRssMb,
      maxRssMb,
    };
    log(
      `  ${open.length} open incidents holding ${inIncidents} alerts; Slack: ${posts} posts, ${updates} edits, ${outcome.rateLimited} answered 429; ${view.hosts().size}/${shape.hosts} hosts visible; notify counters ${JSON.stringify(await peer.counters())}; RSS ${restRssMb.toFixed(0)} MB at rest, ${maxRssMb.toFixed(0)} MB at most, ${outcome.rssMb.toFixed(0)} MB after`,
    );
    return outcome;
  } finally {
    clearInterval(sampler);
    view.close();
    await peer?.stop();
    await slack.close();
  }
}

let lastStorm: { shape: StormShape; outcome: LvsStormOutcome } | undefined;

/** The lvs-chatops half of this run's storm scenario, when it ran with this shape (the memory scenario reads it). */
export function lastLvsChatopsStorm(shape: StormShape): LvsStormOutcome | undefined {
  return lastStorm && lastStorm.shape.hosts === shape.hosts && lastStorm.shape.perHost === shape.perHost
    ? lastStorm.outcome
    : undefined;
}

function better(value: number, baseline: number | undefined, lowerIsBetter: boolean): number | null {
  if (baseline === undefined || !Number.isFinite(value) || !Number.isFinite(baseline) || value === 0)
    return null;
  return lowerIsBetter ? baseline / value : value / baseline;
}

/**
 * The 5,000-alert storm over 500 hosts (10 mon services each, shuffled), side by side:
 * Prometheus Alertmanager (Debian's package, group_by [cluster, group], a webhook receiver)
 * and lvs-chatops (its real ingest, processor and Slack notifier against the local Slack with
 * Slack's rate limits on). Ratios read "times better than Alertmanager".
 */
export const stormScenario: BenchScenario = {
  name: 'storm',
  needs: ['redis'],
  async run({ quick, log }): Promise<Figure[]> {
    const shape = quick ? QUICK_STORM : FULL_STORM;
    const alerts = stormAlerts(shape);
    const total = alerts.length;
    const label = `${total.toLocaleString('en-US')} alerts / ${shape.hosts} hosts`;
    log(`storm: ${label} (${shape.perHost} mon services each, shuffled), ${CLIENTS} clients`);

    let am: StormOutcome | undefined;
    let amBatch: StormOutcome | undefined;
    const amMissing =
      'skipped: prometheus-alertmanager not installed (apt-get install prometheus-alertmanager)';
    if (alertmanagerInstalled()) {
      const settings = amSettings(quick);
      log(
        `Alertmanager: group_by [cluster, group], group_wait ${settings.groupWaitMs} ms, group_interval ${settings.groupIntervalMs} ms`,
      );
      am = await alertmanagerStorm(alerts, shape, 1, settings, log);
      amBatch = await alertmanagerStorm(alerts, shape, BATCH, settings, log);
    } else {
      log(amMissing);
    }
    const lvs = await lvsChatopsStorm(alerts, shape, log, {
      timeoutMs: quick ? 60_000 : 240_000,
      restMs: quick ? 2000 : 5000,
    });
    lastStorm = { shape, outcome: lvs };

    const vs = (
      name: string,
      unit: string,
      value: number,
      baseline: number | undefined,
      lowerIsBetter: boolean,
      goal?: { text: string; pass: boolean },
      note?: string,
    ): Figure => ({
      name,
      value,
      unit,
      baseline: baseline ?? null,
      ratio: better(value, baseline, lowerIsBetter),
      goal: goal?.text ?? null,
      pass: goal ? goal.pass : null,
      ...((note || baseline === undefined) && {
        note: [note, baseline === undefined && `Alertmanager ${amMissing}`].filter(Boolean).join(' '),
      }),
    });
    const amRate = am?.acceptedPerSecond;
    const amSet = amSettings(quick);
    const amVersion = am
      ? `Alertmanager ${am.version}: group_by [cluster, group], group_wait ${amSet.groupWaitMs / 1000} s, group_interval ${amSet.groupIntervalMs / 1000} s, one webhook POST per notification.`
      : '';
    const figures: Figure[] = [
      vs(
        `storm ${label}: alerts accepted, 1 per POST, vs Alertmanager`,
        'alerts/s',
        lvs.acceptedPerSecond,
        amRate,
        false,
        {
          text: ">= 2,000/s and >= Alertmanager's",
          pass: lvs.acceptedPerSecond >= 2000 && (amRate === undefined || lvs.acceptedPerSecond >= amRate),
        },
      ),
      amBatch
        ? {
            name: `storm ${label}: Alertmanager, ${BATCH} alerts per POST (Prometheus batches; mon sends one)`,
            value: amBatch.acceptedPerSecond,
            unit: 'alerts/s',
          }
        : notMeasured(`storm ${label}: Alertmanager, ${BATCH} alerts per POST`, 'alerts/s', amMissing),
      vs(
        `storm ${label}: notifications (Slack posts + edits vs webhook POSTs)`,
        'msgs',
        lvs.notifications,
        am?.notifications,
        true,
        {
          text: "<= Alertmanager's",
          pass: am === undefined || lvs.notifications <= am.notifications,
        },
        `lvs-chatops: ${lvs.posts} chat.postMessage + ${lvs.updates} chat.update (incidents past the storm threshold go into one digest message kept up to date). ${amVersion}`,
      ),
      vs(
        `storm ${label}: time until every host is in a notification`,
        's',
        lvs.allHostsMs / 1000,
        am && am.allHostsMs / 1000,
        true,
        undefined,
        Number.isFinite(lvs.allHostsMs)
          ? undefined
          : `lvs-chatops never showed every host at once: ${lvs.hostsMissing} of ${shape.hosts} were in no message when the storm settled.`,
      ),
      vs(
        `storm ${label}: time until the last notification`,
        's',
        lvs.lastNotificationMs / 1000,
        am && am.lastNotificationMs / 1000,
        true,
      ),
      vs(
        `storm ${label}: hosts never shown to the operator`,
        'hosts',
        lvs.hostsMissing,
        am?.hostsMissing,
        true,
        {
          text: '0',
          pass: lvs.hostsMissing === 0,
        },
        'lvs-chatops: hosts (web-N) named by no bot message in the channel once the storm settled (what the operator sees, edits applied); Alertmanager: hosts in no webhook notification.',
      ),
      {
        name: `storm ${label}: time until every accepted alert is in an incident (lvs-chatops)`,
        value: lvs.incidentsMs / 1000,
        unit: 's',
        note: 'How far the event processor (stream -> incidents -> notify jobs) trails the ingest; Alertmanager keeps alerts in memory and has no such step.',
      },
      {
        name: `storm ${label}: accepted alerts not in any incident (lost)`,
        value: lvs.alertsLost,
        unit: 'alerts',
        goal: '0',
        pass: lvs.alertsLost === 0,
      },
      {
        name: `storm ${label}: Slack answers 429 (rate limited) / notify jobs failed`,
        value: lvs.rateLimited,
        unit: '429s',
        goal: 'no unhandled 429 (0 failed jobs)',
        pass: lvs.jobsFailed === 0,
        note: `${lvs.jobsFailed} notify jobs failed for good; ${lvs.posts} chat.postMessage and ${lvs.updates} chat.update calls succeeded. Slack's limits on: chat.postMessage 1/s per channel (burst 4), chat.update Tier 3 (50/min).`,
      },
      vs(`storm ${label}: resident memory after the storm`, 'MB', lvs.rssMb, am?.rssMb, true),
      vs(`storm ${label}: peak resident memory`, 'MB', lvs.peakRssMb, am?.peakRssMb, true),
    ];
    return figures;
  },
};
