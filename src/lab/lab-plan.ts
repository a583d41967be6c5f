import { join } from 'node:path';
import { type LabOptions, parseSubnet } from './lab-options.js';

/**
 * Every name, address and path of one lab, computed from its options alone (no I/O), so
 * `lab up`, `lab down` after a crash, and the tests all agree on what the lab is made of.
 *
 *   front /24 (bridge P-front): the HOWTO's one segment. The VIP (.100), the directors (.1, .2),
 *     the real servers (.11-.13, each holding the VIP on lo for LVS-DR), the client (.50) and
 *     this machine (.254, where the bot listens).
 *   back /24 (bridge P-back): the directors' private link (.1, .2; this machine .254), a second
 *     heartbeat path as in the HOWTO's serial cable + ethernet.
 */
export type DirectorName = 'lb1' | 'lb2';
export type RealServerName = 'web-1' | 'web-2' | 'web-3';
export type LabHostName = DirectorName | RealServerName;

export interface DirectorPlan {
  name: DirectorName;
  preferred: boolean;
  frontAddress: string;
  backAddress: string;
  frontTap: string;
  backTap: string;
  frontMac: string;
  backMac: string;
  /** UML's umid: names its mconsole socket under `uml/`. */
  umid: string;
  dir: string;
}

export interface RealServerPlan {
  name: RealServerName;
  address: string;
  netns: string;
  /** The host end of its veth, in the front bridge. */
  hostLink: string;
  dir: string;
}

export interface SegmentPlan {
  bridge: string;
  /** e.g. 10.210.0.0/24 */
  network: string;
  hostAddress: string;
  prefixLength: 24;
}

export interface LabPlan {
  options: LabOptions;
  prefix: string;
  stateDir: string;
  front: SegmentPlan;
  back: SegmentPlan;
  vip: string;
  virtualService: { name: 'web'; port: 80; protocol: 'tcp'; scheduler: 'wlc'; forwarding: 'dr'; weight: 1 };
  directors: [DirectorPlan, DirectorPlan];
  realServers: [RealServerPlan, RealServerPlan, RealServerPlan];
  client: { netns: string; hostLink: string; address: string };
  paths: {
    stateFile: string;
    inventory: string;
    keyDir: string;
    clientKey: string;
    knownHosts: string;
    authorizedKeys: string;
    logDir: string;
    binDir: string;
    moduleRoot: string;
    umlDir: string;
    alertDir: string;
    monAlertLog: string;
  };
  fileset: { name: 'www'; image: string; imageDir: string; mountPoint: string; type: 'ext2' };
}

export const DIRECTOR_NAMES: readonly DirectorName[] = ['lb1', 'lb2'];
export const REAL_SERVER_NAMES: readonly RealServerName[] = ['web-1', 'web-2', 'web-3'];

export function planLab(options: LabOptions): LabPlan {
  const subnet = parseSubnet(options.subnet);
  if (!subnet) throw new Error(`planLab: invalid subnet ${options.subnet} (options are parsed first)`);
  const p = options.prefix;
  const s = options.stateDir;
  const f = (host: number) => [...subnet.front, host].join('.');
  const b = (host: number) => [...subnet.back, host].join('.');
  const director = (n: 1 | 2): DirectorPlan => {
    const name = `lb${n}` as DirectorName;
    return {
      name,
      preferred: n === 1,
      frontAddress: f(n),
      backAddress: b(n),
      frontTap: `${p}-${name}-0`,
      backTap: `${p}-${name}-1`,
      frontMac: macFor(f(n)),
      backMac: macFor(b(n)),
      umid: `${p}-${name}`,
      dir: join(s, name),
    };
  };
  const realServer = (n: 1 | 2 | 3): RealServerPlan => {
    const name = `web-${n}` as RealServerName;
    return { name, address: f(10 + n), netns: `${p}-${name}`, hostLink: `${p}-web${n}`, dir: join(s, name) };
  };
  return {
    options,
    prefix: p,
    stateDir: s,
    front: { bridge: `${p}-front`, network: `${f(0)}/24`, hostAddress: f(254), prefixLength: 24 },
    back: { bridge: `${p}-back`, network: `${b(0)}/24`, hostAddress: b(254), prefixLength: 24 },
    vip: f(100),
    virtualService: { name: 'web', port: 80, protocol: 'tcp', scheduler: 'wlc', forwarding: 'dr', weight: 1 },
    directors: [director(1), director(2)],
    realServers: [realServer(1), realServer(2), realServer(3)],
    client: { netns: `${p}-client`, hostLink: `${p}-cl`, address: f(50) },
    paths: {
      stateFile: join(s, 'state.json'),
      inventory: join(s, 'inventory.yml'),
      keyDir: join(s, 'keys'),
      clientKey: join(s, 'keys', 'id_ed25519'),
      knownHosts: join(s, 'keys', 'known_hosts'),
      authorizedKeys: join(s, 'keys', 'authorized_keys'),
      logDir: join(s, 'logs'),
      binDir: join(s, 'bin'),
      moduleRoot: join(s, 'modules'),
      umlDir: join(s, 'uml'),
      alertDir: join(s, 'mon', 'alert.d'),
      monAlertLog: join(s, 'logs', 'mon-alerts.log'),
    },
    fileset: {
      name: 'www',
      imageDir: '/srv/images',
      image: '/srv/images/www.img',
      mountPoint: options.filesetMountPoint,
      type: 'ext2',
    },
  };
}

/** Every link the lab may create, for teardown (taps are recreated on each director boot). */
export function labLinks(plan: LabPlan): string[] {
  return [
    ...plan.directors.flatMap((d) => [d.frontTap, d.backTap]),
    ...plan.realServers.map((r) => r.hostLink),
    plan.client.hostLink,
    plan.front.bridge,
    plan.back.bridge,
  ];
}

export function labNamespaces(plan: LabPlan): string[] {
  return [...plan.realServers.map((r) => r.netns), plan.client.netns];
}

export function findDirector(plan: LabPlan, name: string): DirectorPlan | undefined {
  return plan.directors.find((d) => d.name === name);
}

export function findRealServer(plan: LabPlan, name: string): RealServerPlan | undefined {
  return plan.realServers.find((r) => r.name === name);
}

/** A locally administered MAC that spells the interface's IPv4 address: 02:00:a:b:c:d. */
export function macFor(address: string): string {
  const hex = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['02', '00', ...hex].join(':');
}
