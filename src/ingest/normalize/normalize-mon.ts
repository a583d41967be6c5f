import type { Director, RealServer } from '../../config/inventory.js';
import type { EventStatus, EventTarget, LvsEvent } from '../../core/events/event.js';
import { IngestError } from '../ingest-error.js';
import type { MonAlert, MonAlertType } from '../schemas/mon-alert.js';
import { hostIn, hostProblem, realServerIn, virtualServiceIn } from './find-in-cluster.js';
import { clip, epochMs, type NormalizeContext } from './normalize-context.js';
import { resolveCluster } from './resolve-cluster.js';

const STATUS: Record<MonAlertType, EventStatus> = {
  failure: 'down',
  trap: 'down',
  traptimeout: 'down',
  up: 'up',
  ack: 'info',
  disable: 'info',
  startup: 'info',
  test: 'info',
};

/**
 * A mon alert as one event: down on a failure (or trap), up on an upalert, info otherwise.
 * lvs.alert's -V/-R name the virtual service and real server; both must be in the cluster
 * (422 otherwise). Without -R, the failing host is read from mon's summary (mon lists the
 * failed hosts there) among the group's hosts, and must be an inventory host.
 */
export function normalizeMon(body: MonAlert, ctx: NormalizeContext): LvsEvent {
  const { inventory } = ctx;
  const lvs = body.lvs;
  const addresses = [
    ...(lvs?.virtual ? [lvs.virtual.address] : []),
    ...(lvs?.real ? [lvs.real.address] : []),
    ...body.mon.hosts,
  ];
  const cluster = resolveCluster(inventory, body.cluster, {
    addresses,
    names: [...body.mon.hosts, body.mon.group, body.hostname],
  });

  const target: EventTarget = {};
  if (lvs?.protocol) target.protocol = lvs.protocol;
  if (lvs?.virtual) {
    const vs = virtualServiceIn(inventory, cluster, lvs.virtual.address, lvs.virtual.port, 'lvs.virtual');
    target.vip = vs.vip;
    target.port = vs.port;
    target.protocol ??= vs.protocol === 'udp' ? 'udp' : 'tcp';
  }
  let host: RealServer | Director | undefined;
  if (lvs?.real) {
    const rs = realServerIn(inventory, cluster, lvs.real.address, 'lvs.real');
    host = rs;
    target.realServer = rs.name;
    if (lvs.real.port !== undefined) target.realServerPort = lvs.real.port;
  } else {
    host = failingHost(body, ctx, cluster);
  }
  if (lvs?.weight !== undefined) target.weight = lvs.weight;
  if (lvs?.forwarding) target.forwarding = lvs.forwarding;

  const { group, service, type } = body.mon;
  const summary =
    body.stdin.summary.trim() ||
    body.env.MON_LAST_SUMMARY?.trim() ||
    body.mon.args.join(' ').trim() ||
    `${group}:${service} ${type}`;
  const detail = [body.stdin.detail.trim(), body.mon.args.length > 0 ? `(${body.mon.args.join(' ')})` : '']
    .filter(Boolean)
    .join('\n');
  const dependsOn = ctx.monDepends?.(cluster.name, group, service) ?? [];
  return {
    id: body.id,
    source: 'mon',
    kind: 'alert',
    status: STATUS[type],
    cluster: cluster.name,
    group,
    service,
    ...(host && { host: host.name }),
    ...(Object.keys(target).length > 0 && { target }),
    ...(dependsOn.length > 0 && { dependsOn: [...dependsOn] }),
    summary: clip(type === 'failure' || type === 'up' ? summary : `${type}: ${summary}`, 4000),
    ...(detail && { detail: clip(detail, 20_000) }),
    at: epochMs(body.time, ctx.receivedAt),
    receivedAt: ctx.receivedAt,
  };
}

/**
 * The inventory host the alert is about: of the group's hosts, those mon's summary names as
 * failed (all of them when the summary names none). Unknown to the inventory: 422.
 */
function failingHost(body: MonAlert, ctx: NormalizeContext, cluster: Parameters<typeof hostIn>[1]) {
  const hosts = body.mon.hosts;
  if (hosts.length === 0) return undefined;
  const summaryWords = new Set(body.stdin.summary.split(/\s+/).filter(Boolean));
  const failing = hosts.filter((h) => summaryWords.has(h));
  const candidates = failing.length > 0 ? failing : hosts;
  for (const h of candidates) {
    const found = hostIn(ctx.inventory, cluster, h);
    if (found) return found;
  }
  const problems = candidates.slice(0, 5).map((h) => `mon.hosts: ${hostProblem(ctx.inventory, cluster, h)}`);
  throw new IngestError(
    'unknown_name',
    `none of the hosts of mon group ${body.mon.group} is in cluster ${cluster.name}`,
    problems,
  );
}
