import { existsSync } from 'node:fs';
import { LabError } from './lab-error.js';
import { labOptionsSchema } from './lab-options.js';
import { type DirectorName, type LabPlan, planLab } from './lab-plan.js';
import { type LabFault, type LabState, readLabState } from './lab-state.js';
import { isAlive } from './processes.js';
import { httpRole } from './real-servers.js';
import { type TcpAnswer, tcpProbe } from './tcp-probe.js';
import { probeVip, type VipProbe } from './vip-probe.js';

/**
 * `lab status --json`, the shape outside suites rely on: {"inventory", "hosts": [{"name",
 * "role", "address", "ssh": {"user", "port", "key"}}], "vip"}. The other fields are additions:
 * what is up, who holds the VIP, the client namespace, the faults injected.
 */
export interface LabHostStatus {
  name: string;
  role: 'director' | 'real-server';
  address: string;
  ssh: { user: string; port: number; key: string };
  /** True only when `state` is `up` (kept for the programs that read it). */
  up: boolean;
  /**
   * `up`: the host answers ssh (a director's sshd accepted a connection; a real server's sshd
   * runs). `down`: its process is not running, or its ssh port refused. `unknown`: a director
   * whose kernel runs but did not answer in time (a busy machine), neither up nor down.
   */
  state: HostState;
  /** A real server's HTTP server runs. */
  http?: boolean;
  fault?: LabFault;
}

export type HostState = 'up' | 'down' | 'unknown';

/**
 * How long a director's sshd is given to accept: a UML kernel on a busy machine takes over a
 * second (a SYN retried once takes 1 s more), so three tries of 2 s before saying `unknown`.
 */
const DIRECTOR_PROBE = { timeoutMs: 2000, attempts: 3, pauseMs: 200 };
/** The VIP through a director to a real server and back: two tries of 2 s. */
const VIP_PROBE = { timeoutMs: 2000, attempts: 2 };

export interface LabStatus {
  inventory: string;
  hosts: LabHostStatus[];
  vip: string;
  port: number;
  prefix: string;
  stateDir: string;
  phase: LabState['phase'];
  bare: boolean;
  /** The director the VIP answered through just now, or null when it did not answer. */
  active: DirectorName | null;
  /** The real server that answered that request. */
  answeredBy: string | null;
  client: { netns: string; address: string };
  knownHosts: string;
  hostAddress: string;
  upSeconds: number | null;
}

/** Opens the lab recorded in stateDir (default: the default lab's), or says how to start one. */
export function openLab(stateDir?: string): { plan: LabPlan; state: LabState } {
  const dir = stateDir ?? labOptionsSchema.parse({}).stateDir;
  const file = `${dir}/state.json`;
  const state = existsSync(file) ? readLabState(file) : undefined;
  if (!state) {
    throw new LabError(
      'LAB_NOT_UP',
      `no lab is up with state ${dir}: start one with 'lvs-chatops lab up${stateDir ? ` --state ${dir}` : ''}'`,
    );
  }
  return { plan: planLab(state.options), state };
}

export async function labStatus(stateDir?: string): Promise<LabStatus> {
  const { plan, state } = openLab(stateDir);
  const ssh = { user: 'root', port: 22, key: plan.paths.clientKey };
  const proc = (role: string) => state.processes.find((p) => p.role === role);
  const running = (role: string) => {
    const p = proc(role);
    return p !== undefined && isAlive(p);
  };
  const hosts: LabHostStatus[] = [];
  const stateOf: Record<TcpAnswer, HostState> = { open: 'up', closed: 'down', timeout: 'unknown' };
  const askVip = !plan.options.bare && state.phase === 'up';
  const [directorStates, probe] = await Promise.all([
    Promise.all(
      plan.directors.map(
        async (d): Promise<HostState> =>
          running(d.name) ? stateOf[await tcpProbe(d.frontAddress, 22, DIRECTOR_PROBE)] : 'down',
      ),
    ),
    askVip ? probeVipRetrying(plan) : Promise.resolve<VipProbe>({}),
  ]);
  plan.directors.forEach((d, i) => {
    const hostState = directorStates[i]!;
    const h: LabHostStatus = {
      name: d.name,
      role: 'director',
      address: d.frontAddress,
      ssh,
      up: hostState === 'up',
      state: hostState,
    };
    const fault = state.faults[d.name];
    if (fault) h.fault = fault;
    hosts.push(h);
  });
  for (const r of plan.realServers) {
    const up = running(`${r.name} sshd`);
    const h: LabHostStatus = {
      name: r.name,
      role: 'real-server',
      address: r.address,
      ssh,
      up,
      state: up ? 'up' : 'down',
      http: running(httpRole(r)),
    };
    const fault = state.faults[r.name];
    if (fault) h.fault = fault;
    hosts.push(h);
  }
  return {
    inventory: plan.paths.inventory,
    hosts,
    vip: plan.vip,
    port: plan.virtualService.port,
    prefix: plan.prefix,
    stateDir: plan.stateDir,
    phase: state.phase,
    bare: plan.options.bare,
    active: probe.page ? (probe.owner ?? null) : null,
    answeredBy: probe.page ?? null,
    client: { netns: plan.client.netns, address: plan.client.address },
    knownHosts: plan.paths.knownHosts,
    hostAddress: plan.front.hostAddress,
    upSeconds: state.upSeconds ?? null,
  };
}

/** The VIP, asked again when it did not answer (a busy machine, not a lab that is down). */
async function probeVipRetrying(plan: LabPlan): Promise<VipProbe> {
  let probe: VipProbe = {};
  for (let i = 0; i < VIP_PROBE.attempts && probe.page === undefined; i++)
    probe = await probeVip(plan, VIP_PROBE.timeoutMs);
  return probe;
}

/** The human form of `lab status`. */
export function formatLabStatus(s: LabStatus): string {
  const lines = [
    `lab '${s.prefix}' (${s.phase}${s.bare ? ', bare' : ''}), state ${s.stateDir}`,
    `inventory   ${s.inventory}`,
    s.bare
      ? `VIP         ${s.vip}:${s.port} (bare: not configured)`
      : s.active
        ? `VIP         ${s.vip}:${s.port} answered by ${s.answeredBy} through ${s.active}`
        : `VIP         ${s.vip}:${s.port} NOT answering`,
  ];
  for (const h of s.hosts) {
    const what = [h.state === 'unknown' ? 'unknown (ssh did not answer in time)' : h.state];
    if (h.http !== undefined) what.push(h.http ? 'http on' : 'http off');
    if (h.name === s.active) what.push('holds the VIP');
    if (h.fault) what.push(`fault: ${h.fault}`);
    lines.push(`${h.name.padEnd(6)} ${h.role.padEnd(11)} ${h.address.padEnd(15)} ${what.join(', ')}`);
  }
  lines.push(
    `ssh         ssh -i ${s.hosts[0]?.ssh.key} -o UserKnownHostsFile=${s.knownHosts} root@ADDRESS`,
    `client      ip netns exec ${s.client.netns} curl http://${s.vip}/   (client ${s.client.address})`,
    `this host   ${s.hostAddress} on the front segment (where mon's alerts can reach the bot)`,
  );
  return lines.join('\n');
}
