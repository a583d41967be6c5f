import type { Cluster } from '../../config/inventory.js';
import {
  heartbeatParts,
  inventoryIpvsTable,
  loVips,
  type MonWatchPlan,
  monPlacement,
  monWatchPlan,
} from '../generate/index.js';
import type { Probe, StepCheck } from './step-model.js';

/**
 * The read-only checks of the build, as data. Each names its probes (argv per host, never a
 * shell) and what the evaluator needs to judge them. None changes anything on a host.
 */

const ARP_FILES = [
  '/proc/sys/net/ipv4/conf/all/arp_ignore',
  '/proc/sys/net/ipv4/conf/all/arp_announce',
  '/proc/sys/net/ipv4/conf/lo/arp_ignore',
  '/proc/sys/net/ipv4/conf/lo/arp_announce',
  '/proc/sys/net/ipv4/conf/all/hidden',
  '/proc/sys/net/ipv4/conf/lo/hidden',
];

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

function directorNames(cluster: Cluster): string[] {
  return cluster.directors.map((d) => d.name);
}

/** `ipvsadm -L -n` answers on every director: IPVS is in its kernel. */
export function ipvsAvailableCheck(cluster: Cluster): StepCheck {
  return {
    id: 'ipvs-available',
    title: 'IPVS is in every director’s kernel',
    kind: 'ipvs-available',
    probes: directorNames(cluster).map((host) => ({
      host,
      argv: ['ipvsadm', '-L', '-n'],
      okCodes: ANY_EXIT,
    })),
  };
}

/** Every real server's kernel can hide the VIP from ARP: arp_ignore (modern) or hidden (2.4 patch). */
export function arpCapableCheck(cluster: Cluster): StepCheck {
  return {
    id: 'arp-capable',
    title: 'Every real server’s kernel can keep the VIP out of ARP',
    kind: 'arp-capable',
    probes: cluster.realServers.map((r) => ({
      host: r.name,
      argv: ['grep', '-H', '.', ...ARP_FILES],
      okCodes: [0, 1, 2],
    })),
  };
}

/** Exactly one director holds each VIP, with its host route; ip_forward on it where NAT is used. */
export function vipOnDirectorCheck(cluster: Cluster): StepCheck {
  const ipForward = cluster.realServers.some((r) => r.services.some((s) => s.forwarding === 'nat'));
  const probes: Probe[] = directorNames(cluster).flatMap((host) => [
    { host, argv: ['ip', '-o', 'addr', 'show'], okCodes: [0] },
    { host, argv: ['ip', 'route', 'show', 'table', 'local'], okCodes: [0] },
    ...(ipForward ? [{ host, argv: ['cat', '/proc/sys/net/ipv4/ip_forward'], okCodes: [0] }] : []),
  ]);
  return {
    id: 'vip-on-director',
    title: ipForward
      ? 'One director holds the VIP, with its host route and ip_forward'
      : 'One director holds the VIP, with its host route',
    kind: 'vip-on-director',
    vips: [...new Set(cluster.virtualServices.map((v) => v.vip))],
    ipForward,
    probes,
  };
}

/** Every virtual service is in IPVS with every real server (`ipvsadm -L -n`). */
export function ipvsTableCheck(cluster: Cluster): StepCheck {
  return {
    id: 'ipvs-table',
    title: 'Every virtual service is in the IPVS table with every real server',
    kind: 'ipvs-table',
    expected: inventoryIpvsTable(cluster),
    names: Object.fromEntries(cluster.realServers.map((r) => [r.address, r.name])),
    probes: directorNames(cluster).map((host) => ({
      host,
      argv: ['ipvsadm', '-L', '-n'],
      okCodes: ANY_EXIT,
    })),
  };
}

/** Each DR/TUN real server holds its VIPs on lo and does not answer ARP for them. */
export function rsVipOnLoCheck(cluster: Cluster): StepCheck {
  const servers = cluster.realServers.filter((r) => loVips(cluster, r).length > 0);
  return {
    id: 'rs-vip-on-lo',
    title: 'Every real server holds the VIP on lo and keeps it out of ARP',
    kind: 'rs-vip-on-lo',
    vips: Object.fromEntries(servers.map((r) => [r.name, loVips(cluster, r)])),
    probes: servers.flatMap((r) => [
      { host: r.name, argv: ['ip', '-o', 'addr', 'show', 'dev', 'lo'], okCodes: [0] },
      { host: r.name, argv: ['grep', '-H', '.', ...ARP_FILES], okCodes: [0, 1, 2] },
    ]),
  };
}

/** The files exist on the hosts; those listed as private are readable by their owner only. */
export function filesPresentCheck(
  id: string,
  title: string,
  paths: Record<string, string[]>,
  privatePaths: string[] = [],
): StepCheck {
  return {
    id,
    title,
    kind: 'files-present',
    paths,
    private: privatePaths,
    probes: Object.entries(paths).map(([host, files]) => ({
      host,
      argv: ['stat', '-c', '%a %U %n', ...files],
      okCodes: [0, 1],
    })),
  };
}

/** The file on each host is the generated one (comments, blank lines and trailing spaces aside). */
export function fileContentCheck(
  id: string,
  title: string,
  hosts: string[],
  path: string,
  expected: string,
): StepCheck {
  return {
    id,
    title,
    kind: 'file-content',
    path,
    expected,
    probes: hosts.map((host) => ({ host, argv: ['cat', path], okCodes: [0, 1] })),
  };
}

/**
 * mon answers on its client port with every watch and service of the generated mon.cf. When
 * mon runs on a director, heartbeat may have moved it: each director is asked on 127.0.0.1,
 * and the one that answers counts.
 */
export function monWatchCheck(cluster: Cluster): StepCheck | undefined {
  const mon = cluster.mon;
  const placement = monPlacement(cluster);
  if (mon === undefined || placement === undefined) return undefined;
  const onDirector = placement.kind === 'directors';
  const hosts = onDirector ? directorNames(cluster) : directorNames(cluster).slice(0, 1);
  const server = onDirector ? '127.0.0.1' : mon.address;
  const expected: MonWatchPlan[] = monWatchPlan(cluster);
  return {
    id: 'mon-watch',
    title: `mon answers on port ${mon.port} and watches every service`,
    kind: 'mon-watch',
    expected,
    where: onDirector ? `the active director (${server}:${mon.port})` : `${mon.address}:${mon.port}`,
    probes: hosts.map((host) => ({
      host,
      argv: ['moncmd', '-s', server, '-p', String(mon.port), 'list watch'],
      okCodes: ANY_EXIT,
    })),
  };
}

/** heartbeat runs on both directors and each sees the other (`cl_status`). */
export function heartbeatCheck(cluster: Cluster): StepCheck | undefined {
  const hb = heartbeatParts(cluster, 'the heartbeat check');
  if (!hb.ok) return undefined;
  const { preferred, standby } = hb.value;
  // heartbeat knows nodes by their lower-cased names.
  const nodes = {
    [preferred.name]: preferred.node.toLowerCase(),
    [standby.name]: standby.node.toLowerCase(),
  };
  const peer = { [preferred.name]: nodes[standby.name]!, [standby.name]: nodes[preferred.name]! };
  return {
    id: 'heartbeat',
    title: 'heartbeat runs on both directors, and each sees the other',
    kind: 'heartbeat',
    nodes,
    probes: [preferred.name, standby.name].flatMap((host) => [
      { host, argv: ['cl_status', 'hbstatus'], okCodes: [0, 1] },
      { host, argv: ['cl_status', 'listnodes'], okCodes: [0, 1] },
      { host, argv: ['cl_status', 'nodestatus', peer[host]!], okCodes: [0, 1] },
      { host, argv: ['cl_status', 'rscstatus'], okCodes: [0, 1] },
    ]),
  };
}

/** The fileset is mounted on each of its hosts (/proc/mounts). */
export function filesetMountedChecks(cluster: Cluster): StepCheck[] {
  return cluster.filesets.map((f) => ({
    id: `fileset-${f.name}`,
    title: `Fileset ${f.name} is mounted on ${f.mountPoint}`,
    kind: 'fileset-mounted' as const,
    fileset: f.name,
    mountPoint: f.mountPoint,
    ...(f.type !== undefined && { type: f.type }),
    probes: f.hosts.map((host) => ({ host, argv: ['cat', '/proc/mounts'], okCodes: [0] })),
  }));
}
