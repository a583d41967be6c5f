import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

/**
 * What the alert-path tests share: an inventory of the lab's shape (optionally with many real
 * servers, a second cluster and an auto-remediation policy), bodies as the shipped scripts
 * send them, and a small HTTP client.
 */

export const INGEST_TOKEN = 'ingest-test-token-5b1e0c';

export interface LabInventoryOptions {
  /** Real servers web-1..web-N (default 3), at 10.200.1.(10+i) then beyond. */
  realServers?: number;
  /** A second cluster, `prod`, so that a body must name its cluster. */
  secondCluster?: boolean;
  /** policy.auto for service web: remove on down, restore on up, at most `maxPerHour`. */
  auto?: { maxPerHour: number };
  capacityFloor?: { minServers: number; minWeightFraction: number };
  channel?: string;
}

export function realServerAddress(i: number): string {
  return `10.200.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`;
}

export function labInventory(opts: LabInventoryOptions = {}): Inventory {
  const n = opts.realServers ?? 3;
  const key = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';
  const servers = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return `      - { name: web-${i}, address: ${realServerAddress(i)}, ssh: { hostKey: "${key}" }, services: [{ service: web, weight: 1 }] }`;
  });
  const policy: string[] = [];
  if (opts.auto || opts.capacityFloor) policy.push('    policy:');
  if (opts.capacityFloor) {
    policy.push(
      `      capacityFloor: { minServers: ${opts.capacityFloor.minServers}, minWeightFraction: ${opts.capacityFloor.minWeightFraction} }`,
    );
  }
  if (opts.auto) {
    policy.push(
      `      auto: [{ service: web, onDown: remove-real-server, onUp: restore-real-server, maxPerServerPerHour: ${opts.auto.maxPerHour} }]`,
    );
  }
  const channel = opts.channel ?? 'C0LVSOPS';
  const yaml = [
    'version: 1',
    'slack:',
    '  team: T0LAB',
    '  channels:',
    `    - { id: ${channel}, name: lvs-ops }`,
    ...(opts.secondCluster ? ['    - { id: C0PROD, name: prod-ops }'] : []),
    '  users: [{ id: U0OPERATOR, name: operator }, { id: U0APPROVER, name: approver }]',
    'clusters:',
    '  - name: lab',
    '    directors:',
    `      - { name: lb1, address: 10.200.0.1, preferred: true, node: lb1, ssh: { hostKey: "${key}" } }`,
    `      - { name: lb2, address: 10.200.0.2, node: lb2, ssh: { hostKey: "${key}" } }`,
    '    virtualServices:',
    '      - { name: web, vip: 10.200.0.100, port: 80 }',
    '    realServers:',
    ...servers,
    '    slack:',
    `      channel: ${channel}`,
    '      operators: { users: [U0OPERATOR, U0APPROVER] }',
    '      approvers: { users: [U0APPROVER] }',
    ...policy,
    ...(opts.secondCluster
      ? [
          '  - name: prod',
          '    directors:',
          `      - { name: plb1, address: 10.9.0.1, ssh: { hostKey: "${key}" } }`,
          '    virtualServices:',
          '      - { name: shop, vip: 10.9.0.100, port: 443 }',
          '    realServers:',
          `      - { name: shop-1, address: 10.9.0.11, ssh: { hostKey: "${key}" }, services: [{ service: shop }] }`,
          '    slack:',
          '      channel: C0PROD',
          '      approvers: { users: [U0APPROVER] }',
        ]
      : []),
  ].join('\n');
  const parsed = parseInventory(yaml, 'test inventory');
  if (!parsed.ok) throw new Error(parsed.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return parsed.value;
}

export interface MonBodyOptions {
  id?: string;
  cluster?: string;
  /** A real server number: group web-N, -R its address. */
  server?: number;
  service?: string;
  type?: 'failure' | 'up' | 'ack';
  summary?: string;
  hostname?: string;
  vip?: string;
  real?: string;
}

/** A body as contrib/mon/slack.alert sends it for the lab's mon.cf lines. */
export function monBody(o: MonBodyOptions = {}): Record<string, unknown> {
  const server = o.server ?? 2;
  const address = o.real ?? realServerAddress(server);
  const type = o.type ?? 'failure';
  return {
    kind: 'mon-alert',
    version: 1,
    id: o.id ?? randomUUID(),
    time: new Date().toISOString(),
    hostname: o.hostname ?? 'lb1',
    agent: 'slack.alert/1.0.0',
    ...(o.cluster !== undefined && { cluster: o.cluster }),
    program: '/usr/lib/mon/alert.d/slack.alert',
    argv: [
      '-s',
      o.service ?? 'http',
      '-g',
      `web-${server}`,
      '-h',
      address,
      '-t',
      String(Math.floor(Date.now() / 1000)),
    ],
    mon: {
      group: `web-${server}`,
      service: o.service ?? 'http',
      hosts: [address],
      time: Math.floor(Date.now() / 1000),
      type,
      args: [],
    },
    lvs: {
      protocol: 'tcp',
      virtual: { address: o.vip ?? '10.200.0.100', port: 80 },
      real: { address, port: 80 },
      weight: 1,
      forwarding: 'dr',
    },
    env: { MON_GROUP: `web-${server}`, MON_SERVICE: o.service ?? 'http', MON_ALERTTYPE: type },
    stdin: {
      summary: o.summary ?? address,
      detail: type === 'up' ? 'HTTP/1.1 200 OK' : `connect to ${address}:80 refused`,
      truncated: false,
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  opts: { token?: string | null; raw?: string; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  const token = opts.token === undefined ? INGEST_TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function quietLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/** Resolves when `check` holds, polling; rejects with `what` after `ms`. */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
