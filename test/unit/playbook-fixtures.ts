import type { Cluster, Inventory } from '../../src/config/inventory.js';
import { parseInventory } from '../../src/config/load-inventory.js';
import { Observed } from '../../src/playbooks/observed.js';
import { parseRead, type Read, type ReadOutput } from '../../src/playbooks/reads.js';

/**
 * A cluster shaped like the lab's (docs/interfaces.md, "The lab's fixed names") and the outputs its hosts would print, parsed
 * by the real parsers: plans in unit tests see exactly what a worker would hand them.
 */
export const LAB_YAML = `
version: 1
slack:
  team: T0LAB
  channels: [{ id: C0LVSOPS, name: lvs-ops }]
clusters:
  - name: lab
    directors:
      - name: lb1
        address: 10.210.0.1
        preferred: true
        ssh: { hostKey: "SHA256:d7ob13ybw4gEICWxyqzO2Ht/CbeVVrMsr9XTdfKWLrk" }
      - name: lb2
        address: 10.210.0.2
        ssh: { hostKey: "SHA256:USJrkP2LKWdP6+2Fh+HV1bL4kqamll0bySv9iuurees" }
    heartbeat: { interface: vec0, keepalive: 500ms, deadtime: 3s }
    ipvs: { syncStandby: true, rulesFile: /etc/ha.d/ipvsadm.rules }
    virtualServices:
      - { name: web, vip: 10.210.0.100, port: 80, scheduler: wlc, forwarding: dr }
    realServers:
      - name: web-1
        address: 10.210.0.11
        ssh: { hostKey: "SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc" }
        services: [{ service: web, weight: 1 }]
      - name: web-2
        address: 10.210.0.12
        ssh: { hostKey: "SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc" }
        services: [{ service: web, weight: 1 }]
      - name: web-3
        address: 10.210.0.13
        ssh: { hostKey: "SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc" }
        services: [{ service: web, weight: 1 }]
    filesets:
      - name: www
        hosts: [lb1, lb2]
        mountPoint: /srv/www
        device: /srv/images/www.img
        type: ext2
        mount: [mount, -t, ext2, -o, loop, /srv/images/www.img, /srv/www]
        unmount: [umount, /srv/www]
    slack:
      channel: C0LVSOPS
      operators: { users: [U0OPERATOR, U0APPROVER] }
      approvers: { users: [U0APPROVER] }
    policy:
      auto:
        - { service: web, onDown: remove-real-server, onUp: restore-real-server, maxPerServerPerHour: 4 }
`;

export function labInventory(yaml = LAB_YAML): Inventory {
  const loaded = parseInventory(yaml);
  if (!loaded.ok) throw new Error(loaded.error.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return loaded.value;
}

export function labCluster(): Cluster {
  return labInventory().clusters[0]!;
}

export interface TableRow {
  rip: string;
  weight: number;
  active?: number;
  inactive?: number;
  forward?: 'Route' | 'Masq' | 'Tunnel';
}

/** `ipvsadm -L -n` as ipvsadm 1.31 prints it (its printf formats), one TCP service. */
export function ipvsadmList(services: { vip: string; scheduler?: string; rows: TableRow[] }[]): string {
  const lines = [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const s of services) {
    lines.push(`TCP  ${s.vip} ${s.scheduler ?? 'wlc'}`);
    for (const r of s.rows) {
      lines.push(
        `  -> ${r.rip.padEnd(28)} ${(r.forward ?? 'Route').padEnd(7)} ${String(r.weight).padEnd(6)} ${String(r.active ?? 0).padEnd(10)} ${String(r.inactive ?? 0).padEnd(10)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `ip -o addr show` of a lab director, with the VIP on vec0:0 when it holds it. */
export function ipAddr(director: 'lb1' | 'lb2', holdsVip: boolean): string {
  const own = director === 'lb1' ? '10.210.0.1' : '10.210.0.2';
  const back = director === 'lb1' ? '10.210.1.1' : '10.210.1.2';
  const lines = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    `2: vec0    inet ${own}/24 brd 10.210.0.255 scope global vec0\\       valid_lft forever preferred_lft forever`,
  ];
  if (holdsVip) {
    lines.push(
      '2: vec0    inet 10.210.0.100/32 scope global vec0:0\\       valid_lft forever preferred_lft forever',
    );
  }
  lines.push(
    `3: vec1    inet ${back}/24 brd 10.210.1.255 scope global vec1\\       valid_lft forever preferred_lft forever`,
  );
  return `${lines.join('\n')}\n`;
}

export const FULL_TABLE: TableRow[] = [
  { rip: '10.210.0.11:80', weight: 1 },
  { rip: '10.210.0.12:80', weight: 1, active: 3, inactive: 7 },
  { rip: '10.210.0.13:80', weight: 1 },
];

export interface LabState {
  active?: 'lb1' | 'lb2' | null;
  /** Rows of the web service on each director; null: the service is not loaded there. */
  lb1?: TableRow[] | null;
  lb2?: TableRow[] | null;
  heartbeat?: { lb1?: string; lb2?: string };
  /** A read that fails, by `readKey`. */
  unreadable?: string[];
}

/** What a worker would have read from the lab's directors in this state. */
export function labObserved(state: LabState = {}): Observed {
  const active = state.active === undefined ? 'lb1' : state.active;
  const rows = {
    lb1: state.lb1 === undefined ? (active === 'lb1' ? FULL_TABLE : null) : state.lb1,
    lb2: state.lb2 === undefined ? (active === 'lb2' ? FULL_TABLE : null) : state.lb2,
  };
  const heartbeat = {
    lb1: state.heartbeat?.lb1 ?? (active === 'lb1' ? 'local' : 'none'),
    lb2: state.heartbeat?.lb2 ?? (active === 'lb2' ? 'all' : 'none'),
  };
  const observed = new Observed();
  for (const d of ['lb1', 'lb2'] as const) {
    const table = rows[d];
    put(
      observed,
      { kind: 'ipvs-table', host: d },
      ok(ipvsadmList(table ? [{ vip: '10.210.0.100:80', rows: table }] : [])),
    );
    put(observed, { kind: 'addresses', host: d }, ok(ipAddr(d, active === d)));
    put(
      observed,
      { kind: 'heartbeat', host: d },
      heartbeat[d] === 'stopped'
        ? { stdout: '', stderr: 'ERROR: Cannot signon with heartbeat\n', code: 1 }
        : ok(`${heartbeat[d]}\n`),
    );
  }
  for (const key of state.unreadable ?? []) {
    const [kind, host] = key.split('@') as [Read['kind'], string];
    observed.set({ kind, host } as Read, { ok: false, error: 'connection refused', at: 0 });
  }
  return observed;
}

export function ok(stdout: string): ReadOutput {
  return { stdout, stderr: '', code: 0 };
}

/** Parses `output` with the read's real parser and stores it, as the worker does. */
export function put(observed: Observed, read: Read, output: ReadOutput): void {
  const parsed = parseRead(read as never, output);
  if (!parsed.ok) throw new Error(`${read.kind}@${read.host}: ${parsed.error.message}`);
  observed.set(read, { ok: true, value: parsed.value, at: 0 });
}
