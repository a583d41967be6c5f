import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';

/**
 * The alert storm both peers are fed: a rack of real servers falls at once and mon reports
 * every service it watches on each of them. `hosts` real servers (web-1 … web-N, the mon group
 * of each is its name), `perHost` mon services each, so hosts × perHost distinct alerts, in
 * one shuffled order (mon's per-service timers fire in no particular order), the same order
 * for every peer.
 */
export interface StormShape {
  hosts: number;
  perHost: number;
}

export const FULL_STORM: StormShape = { hosts: 500, perHost: 10 };
export const QUICK_STORM: StormShape = { hosts: 100, perHost: 10 };

export const CLUSTER = 'lab';
export const CHANNEL = 'C0LVSOPS';
export const VIP = '10.200.0.100';

/** mon services a real server of a busy LVS cluster may be watched with. */
const SERVICES = [
  'http',
  'https',
  'ping',
  'ssh',
  'smtp',
  'imap',
  'dns',
  'ntp',
  'nfs',
  'snmp',
  'mysql',
  'ldap',
];

export interface StormAlert {
  /** 1-based host number: web-N. */
  n: number;
  host: string;
  address: string;
  service: string;
}

export function hostAddress(n: number): string {
  return `10.200.${1 + Math.floor(n / 200)}.${10 + (n % 200)}`;
}

/** A small deterministic PRNG (mulberry32), so every run and every peer sees the same order. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function stormAlerts(shape: StormShape): StormAlert[] {
  if (shape.perHost > SERVICES.length) throw new Error(`at most ${SERVICES.length} services per host`);
  const alerts: StormAlert[] = [];
  for (let n = 1; n <= shape.hosts; n++) {
    for (const service of SERVICES.slice(0, shape.perHost)) {
      alerts.push({ n, host: `web-${n}`, address: hostAddress(n), service });
    }
  }
  const rnd = random(20260401);
  for (let i = alerts.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [alerts[i], alerts[j]] = [alerts[j]!, alerts[i]!];
  }
  return alerts;
}

/** The host numbers named in a text (web-N), for "which hosts did the operator get to see". */
export function hostsNamedIn(text: string, into: Set<number>): void {
  for (const m of text.matchAll(/\bweb-(\d+)\b/g)) into.add(Number(m[1]));
}

/**
 * The alert as `contrib/mon/slack.alert` posts it to `/hooks/mon` (the shape of
 * test/fixtures/mon-alert/mon-real-failure.json): mon's argv, MON_* environment and the
 * monitor's output; the http service carries lvs.alert's flags naming the real server.
 */
export function monAlertBody(a: StormAlert, now = Date.now(), opts: { up?: boolean } = {}): string {
  const t = Math.floor(now / 1000);
  // mon's upalert: the same call with -u, MON_ALERTTYPE=up and the monitor's success.
  const up = opts.up === true;
  const lvsFlags =
    a.service === 'http'
      ? ['-P', 'tcp', '-V', `${VIP}:80`, '-R', `${a.address}:80`, '-W', '1', '-F', 'dr']
      : [];
  const detail = `\n${a.address} ${a.service}: no answer (connection timed out)\n`;
  return JSON.stringify({
    kind: 'mon-alert',
    version: 1,
    id: randomUUID(),
    time: new Date(now).toISOString(),
    hostname: 'lb1',
    agent: 'slack.alert/1.0.0',
    program: '/usr/lib/mon/alert.d/slack.alert',
    argv: [
      '-s',
      a.service,
      '-g',
      a.host,
      '-h',
      a.address,
      '-t',
      String(t),
      ...(up ? ['-u'] : []),
      ...lvsFlags,
    ],
    mon: {
      group: a.host,
      service: a.service,
      hosts: [a.address],
      time: t,
      type: up ? 'up' : 'failure',
      args: [],
    },
    ...(a.service === 'http' && {
      lvs: {
        protocol: 'tcp',
        virtual: { address: VIP, port: 80 },
        real: { address: a.address, port: 80 },
        weight: 1,
        forwarding: 'dr',
      },
    }),
    env: {
      MON_ALERTTYPE: up ? 'up' : 'failure',
      MON_CFBASEDIR: '/etc/mon',
      MON_DESCRIPTION: `${a.host} ${a.service}`,
      MON_FIRST_FAILURE: String(t),
      MON_FIRST_SUCCESS: '',
      MON_GROUP: a.host,
      MON_LAST_FAILURE: String(t),
      MON_LAST_SUMMARY: a.address,
      MON_LAST_SUCCESS: '0',
      MON_LOGDIR: '/var/log/mon',
      MON_OPSTATUS: up ? '1' : '0',
      MON_RETVAL: up ? '0' : '1',
      MON_SERVICE: a.service,
      MON_STATEDIR: '/var/lib/mon',
    },
    stdin: { summary: a.address, detail, truncated: false },
  });
}

/** The same alert as Prometheus would send it to Alertmanager's `/api/v2/alerts`. */
export function alertmanagerAlert(a: StormAlert, now = Date.now()): Record<string, unknown> {
  return {
    labels: {
      alertname: 'ServiceDown',
      cluster: CLUSTER,
      group: a.host,
      service: a.service,
      instance: a.address,
      severity: 'critical',
    },
    annotations: {
      summary: `${a.host} ${a.service} down`,
      description: `${a.address} ${a.service}: no answer (connection timed out)`,
    },
    startsAt: new Date(now).toISOString(),
    generatorURL: `http://mon.lb1/${a.host}/${a.service}`,
  };
}

/** The cluster the storm hits: the lab's shape with `hosts` real servers behind one VIP. */
export function stormInventory(hosts: number): Inventory {
  const parsed = parseInventory(stormInventoryYaml(hosts), 'bench storm inventory');
  if (!parsed.ok) throw new Error(parsed.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return parsed.value;
}

/** The storm's inventory as the YAML file an operator would write (LVS_INVENTORY). */
export function stormInventoryYaml(hosts: number): string {
  const key = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';
  const servers = Array.from(
    { length: hosts },
    (_, k) =>
      `      - { name: web-${k + 1}, address: ${hostAddress(k + 1)}, ssh: { hostKey: "${key}" }, services: [{ service: web, weight: 1 }] }`,
  );
  const yaml = [
    'version: 1',
    'slack:',
    '  team: T0LAB',
    '  channels:',
    `    - { id: ${CHANNEL}, name: lvs-ops }`,
    '  users: [{ id: U0OPERATOR, name: operator }, { id: U0APPROVER, name: approver }]',
    'clusters:',
    `  - name: ${CLUSTER}`,
    '    directors:',
    `      - { name: lb1, address: 10.200.0.1, preferred: true, node: lb1, ssh: { hostKey: "${key}" } }`,
    `      - { name: lb2, address: 10.200.0.2, node: lb2, ssh: { hostKey: "${key}" } }`,
    '    virtualServices:',
    `      - { name: web, vip: ${VIP}, port: 80 }`,
    '    realServers:',
    ...servers,
    '    slack:',
    `      channel: ${CHANNEL}`,
    '      operators: { users: [U0OPERATOR, U0APPROVER] }',
    '      approvers: { users: [U0APPROVER] }',
  ].join('\n');
  return `${yaml}\n`;
}
