import type { Cluster } from '../../config/inventory.js';
import type { MonConfig, MonOption, MonService } from '../../core/mon/index.js';
import { formatMonConfig } from '../../core/mon/index.js';
import { err, ok, type Result } from '../../core/result.js';
import { header, isIpv6, monPlacement, realServersFor, servicesOf } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';

/** Debian's mon paths (the HOWTO's /usr/lib/mon layout). */
export const MON_DEFAULT_DIRS = {
  alertdir: '/usr/lib/mon/alert.d',
  mondir: '/usr/lib/mon/mon.d',
  logdir: '/var/log/mon',
  statedir: '/var/lib/mon',
  authfile: '/etc/mon/auth.cf',
} as const;

/**
 * The HOWTO checks ping every 1 s and http every 3 s; each check starts a Perl monitor, so
 * these are gentler. An outage is still noticed within a service interval.
 */
export const MON_DEFAULT_INTERVALS = { ping: '10s', service: '10s' } as const;

/** Ports http.monitor can check (plain HTTP); any other TCP port gets tcp.monitor. */
const HTTP_PORTS = new Set([80, 8000, 8080]);

/** The mon services one real server gets, by name: what `list watch` must show. */
export interface MonWatchPlan {
  group: string;
  services: string[];
}

/**
 * mon.cf in the HOWTO's shape (docs/howto.md, parts 5 and 7): one hostgroup per real server (so one dead
 * host does not mark a group of healthy ones down), a `ping` service and one check per TCP
 * virtual service (`http` with http.monitor for the HOWTO's port 80) that depends on ping,
 * `period wd {Sun-Sat}`, `alertevery 30m`, and alert and upalert lines that call slack.alert
 * with lvs.alert's `-P -V -R -W -F`, so the bot knows which table entry the alert is about.
 * The ping service carries the same lines: with `depend`, a host that is down entirely
 * alerts only through ping. No blank line inside a watch (mon ends the watch there).
 */
export function generateMonCf(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  if (cluster.mon === undefined) {
    return err(
      new GenerateError(
        'INVENTORY_MISSING',
        `mon.cf needs the mon section of cluster ${cluster.name}: add clusters[${cluster.name}].mon with host (the director mon runs on, e.g. ${cluster.directors[0]?.name ?? 'lvs-master'})`,
      ),
    );
  }
  const servers = realServersFor(cluster, undefined, 'mon.cf');
  if (!servers.ok) return servers;
  const plan = monWatchPlan(cluster);
  const dirs = { ...MON_DEFAULT_DIRS, ...options.monDirs };
  const intervals = { ...MON_DEFAULT_INTERVALS, ...options.monIntervals };
  const scripts = options.alertScripts ?? ['slack.alert'];
  if (scripts.length === 0)
    return err(new GenerateError('BAD_OPTION', 'mon.cf needs at least one alert script (slack.alert)'));
  const env: MonOption[] = [
    { key: 'LVS_CHATOPS_CLUSTER', value: cluster.name },
    ...(options.alertUrl !== undefined ? [{ key: 'LVS_CHATOPS_URL', value: options.alertUrl }] : []),
    ...Object.entries(options.monEnv ?? {}).map(([key, value]) => ({ key, value })),
  ];

  const globals: MonOption[] = [
    { key: 'cfbasedir', value: '/etc/mon' },
    ...Object.entries(dirs).map(([key, value]) => ({ key, value })),
    { key: 'maxprocs', value: '20' },
    { key: 'histlength', value: '100' },
    { key: 'randstart', value: '30s' },
    { key: 'dtlogging', value: 'yes' },
    { key: 'dtlogfile', value: 'downtime.log' },
    ...(cluster.mon.port !== 2583 ? [{ key: 'serverport', value: String(cluster.mon.port) }] : []),
  ];
  const config: MonConfig = { globals, hostgroups: [], watches: [] };
  for (const r of servers.value) {
    config.hostgroups.push({ name: r.name, hosts: [r.address] });
    const targets = servicesOf(cluster, r);
    const lvsArgs = targets.map(
      (t) =>
        `-P ${t.service.protocol} -V ${endpoint(t.service.vip, t.service.port)} -R ${endpoint(r.address, t.port)} -W ${t.weight} -F ${t.forwarding}`,
    );
    const lines = scripts.flatMap((s) => lvsArgs.map((a) => `${s} ${a}`));
    const service = (
      name: string,
      description: string,
      interval: string,
      monitor: string,
      depend: string | null,
    ): MonService => ({
      name,
      env,
      description,
      interval,
      monitor,
      depend,
      options: [],
      periods: [
        {
          label: null,
          spec: 'wd {Sun-Sat}',
          alerts: lines,
          upalerts: lines,
          alertevery: '30m',
          alertafter: null,
          numalerts: null,
          options: [],
        },
      ],
    });
    const pingMonitor = options.pingMonitor ?? 'ping.monitor';
    const services: MonService[] = [
      service(
        'ping',
        `${r.name} answers ping`,
        intervals.ping,
        isIpv6(r.address) && pingMonitor === 'ping.monitor' ? 'ping.monitor -6' : pingMonitor,
        null,
      ),
    ];
    const watch = plan.find((w) => w.group === r.name)!;
    for (const [i, t] of tcpTargets(cluster, r).entries()) {
      const name = watch.services[i + 1]!;
      const http = HTTP_PORTS.has(t.port);
      services.push(
        service(
          name,
          `${r.name} serves ${t.service.name} on port ${t.port}`,
          intervals.service,
          http ? `http.monitor -p ${t.port} -t 5` : `tcp.monitor -p ${t.port}`,
          `${r.name}:ping`,
        ),
      );
    }
    config.watches.push({ group: r.name, services });
  }
  const text = formatMonConfig(config);
  if (!text.ok) return err(new GenerateError('BAD_OPTION', text.error.message));
  const notes = [
    `Install slack.alert in ${dirs.alertdir} (contrib/mon/slack.alert) and its token in /etc/lvs-chatops/alert.conf; the token is never written into mon.cf.`,
  ];
  if (options.alertUrl === undefined)
    notes.push('LVS_CHATOPS_URL is not set here: slack.alert reads it from /etc/lvs-chatops/alert.conf.');
  if (options.pingMonitor === 'fping.monitor')
    notes.push('fping.monitor needs the fping package (Debian ships it apart from mon).');
  const placement = monPlacement(cluster)!;
  if (placement.kind === 'external')
    notes.push(`mon runs on ${placement.address}, outside the inventory: copy the file there yourself.`);
  return ok([
    {
      kind: 'mon.cf',
      path: '/etc/mon/mon.cf',
      // heartbeat starts mon on whichever director is active, so each needs the file.
      hosts: placement.kind === 'directors' ? placement.hosts : [],
      mode: 0o644,
      text: `${header('mon.cf', cluster, 'One watch per real server; no blank line inside a watch (mon ends the watch there).').join('\n')}\n${text.value}`,
      notes,
    },
  ]);
}

/** The TCP services of a real server: each gets a check of its own (UDP and SCTP only ping). */
function tcpTargets(cluster: Cluster, r: Cluster['realServers'][number]) {
  return servicesOf(cluster, r).filter((t) => t.service.protocol === 'tcp');
}

/**
 * The groups and services the generated mon.cf defines: what `list watch` must answer once
 * mon runs it. A real server with one TCP service gets `http` (or `tcp` off the HTTP ports);
 * with several, each is named after its virtual service.
 */
export function monWatchPlan(cluster: Cluster): MonWatchPlan[] {
  return cluster.realServers.map((r) => {
    const tcp = tcpTargets(cluster, r);
    const names = tcp.map((t) =>
      tcp.length === 1 ? (HTTP_PORTS.has(t.port) ? 'http' : 'tcp') : t.service.name,
    );
    return { group: r.name, services: ['ping', ...names] };
  });
}

function endpoint(address: string, port: number): string {
  return isIpv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}
