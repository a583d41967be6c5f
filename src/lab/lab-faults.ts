import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { consoleTail, haltDirector, killDirector, launchDirector } from './directors.js';
import { LabError } from './lab-error.js';
import {
  DIRECTOR_NAMES,
  type DirectorPlan,
  findDirector,
  findRealServer,
  type LabPlan,
  REAL_SERVER_NAMES,
  type RealServerPlan,
} from './lab-plan.js';
import { labSsh } from './lab-ssh.js';
import { type LabProcess, type LabState, updateLabState } from './lab-state.js';
import { openLab } from './lab-status.js';
import { isAlive, processStartTime, stopProcess } from './processes.js';
import { httpRole, startHttp } from './real-servers.js';
import { tcpOpen } from './tcp-probe.js';
import { probeVip } from './vip-probe.js';
import { waitUntil } from './wait-until.js';

/**
 * Faults the tests and the demo inject (docs/interfaces.md, "The lab's fixed names"): a real server's HTTP stops, a
 * director's heartbeat stops (a graceful failover), or a director's kernel is killed (a
 * crash); `heal` undoes each.
 */
export interface FaultOptions {
  stateDir?: string;
  /** Director only: SIGKILL its whole UML instead of stopping heartbeat. */
  kill?: boolean;
  /** Director only: return once the VIP answers through the director that should hold it now. */
  wait?: boolean;
  timeoutMs?: number;
}

export interface FaultResult {
  host: string;
  done: string;
  /** With `wait`: seconds from the fault (or its healing) to the VIP answering as expected. */
  seconds?: number;
  active?: string;
}

function resolveHost(plan: LabPlan, name: string): DirectorPlan | RealServerPlan {
  const host = findDirector(plan, name) ?? findRealServer(plan, name);
  if (!host) {
    throw new LabError(
      'LAB_UNKNOWN_HOST',
      `'${name}' is not a lab host; known: ${[...DIRECTOR_NAMES, ...REAL_SERVER_NAMES].join(', ')}`,
    );
  }
  return host;
}

const run = promisify(execFile);

/** Changes the lab's record under its lock, from the record as it is now (not as first read). */
function update(plan: LabPlan, change: (state: LabState) => void): Promise<LabState> {
  return updateLabState(plan.paths.stateFile, change);
}

/** Every `python3 -m http.server` in a real server's namespace, recorded or not. */
async function httpServersIn(r: RealServerPlan): Promise<LabProcess[]> {
  const { stdout } = await run('ip', ['netns', 'pids', r.netns]).catch(() => ({ stdout: '' }));
  const found: LabProcess[] = [];
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const startTime = processStartTime(pid);
    if (startTime && cmdline.includes('http.server'))
      found.push({ role: httpRole(r), pid, startTime, group: false });
  }
  return found;
}

export async function breakHost(name: string, options: FaultOptions = {}): Promise<FaultResult> {
  const { plan, state } = openLab(options.stateDir);
  const host = resolveHost(plan, name);
  if ('umid' in host) {
    if (plan.options.bare)
      throw new LabError('LAB_BAD_OPTION', `the lab is bare: ${name} runs no heartbeat to stop`);
    const other = plan.directors.find((d) => d.name !== host.name)!;
    let t0: number;
    let done: string;
    if (options.kill) {
      const proc = state.processes.find((p) => p.role === host.name);
      if (!proc || !isAlive(proc)) throw new LabError('LAB_BAD_OPTION', `${name} is not running`);
      t0 = performance.now();
      await killDirector(proc);
      await update(plan, (s) => {
        s.faults[host.name] = 'killed';
      });
      done = `${name} killed (SIGKILL to its UML)`;
    } else {
      await labSsh(plan, host.frontAddress, [`${plan.paths.binDir}/director-ctl`, 'heartbeat-stop']);
      t0 = performance.now();
      await update(plan, (s) => {
        s.faults[host.name] = 'heartbeat-stopped';
      });
      done = `heartbeat stopped on ${name}`;
    }
    if (!options.wait) return { host: name, done };
    await waitForActive(plan, other.name, options.timeoutMs);
    return { host: name, done, seconds: (performance.now() - t0) / 1000, active: other.name };
  }
  const proc = state.processes.find((p) => p.role === httpRole(host));
  if (proc && isAlive(proc)) await stopProcess(proc);
  // A web server the record lost (or never had) would go on serving: stop it too, and prove
  // the port is closed, so that a test or the demo never waits for an outage that is not one.
  for (const stray of await httpServersIn(host)) await stopProcess(stray);
  await waitUntil(
    `http on ${name} to stop`,
    async () => ((await tcpOpen(host.address, 80)) ? undefined : true),
    {
      timeoutMs: 10_000,
    },
  );
  await update(plan, (s) => {
    s.processes = s.processes.filter((p) => p.role !== httpRole(host));
    s.faults[host.name] = 'http-stopped';
  });
  return { host: name, done: `http stopped on ${name}` };
}

export async function healHost(name: string, options: FaultOptions = {}): Promise<FaultResult> {
  const { plan, state } = openLab(options.stateDir);
  const host = resolveHost(plan, name);
  if ('umid' in host) {
    if (plan.options.bare)
      throw new LabError('LAB_BAD_OPTION', `the lab is bare: ${name} runs no heartbeat to start`);
    const proc = state.processes.find((p) => p.role === host.name);
    let t0: number;
    let done: string;
    if (!proc || !isAlive(proc)) {
      // Killed: boot it again (fresh taps); its init starts heartbeat, which takes back the VIP.
      if (proc) await haltDirector(plan, host, proc);
      t0 = performance.now();
      const booted = await launchDirector(plan, host);
      await update(plan, (s) => {
        s.processes = s.processes.filter((p) => p.role !== host.name);
        s.processes.push(booted);
      });
      await waitUntil(
        `${name} to boot`,
        async () => {
          if (!isAlive(booted))
            throw new LabError(
              'LAB_COMMAND_FAILED',
              `${name} stopped while booting:\n${consoleTail(plan, host)}`,
            );
          return (await tcpOpen(host.frontAddress, 22)) ? true : undefined;
        },
        { timeoutMs: options.timeoutMs ?? plan.options.bootTimeoutMs },
      );
      done = `${name} booted again`;
    } else {
      await labSsh(plan, host.frontAddress, [`${plan.paths.binDir}/director-ctl`, 'heartbeat-start']);
      t0 = performance.now();
      done = `heartbeat started on ${name}`;
    }
    await update(plan, (s) => {
      delete s.faults[host.name];
    });
    if (!options.wait) return { host: name, done };
    // auto_failback: the preferred director takes the VIP back; the other just rejoins (and
    // without auto_failback, so does the preferred one).
    if (host.preferred && plan.options.autoFailback) {
      await waitForActive(plan, host.name, options.timeoutMs);
      return { host: name, done, seconds: (performance.now() - t0) / 1000, active: host.name };
    }
    return { host: name, done };
  }
  const role = httpRole(host);
  const proc = state.processes.find((p) => p.role === role);
  if (!proc || !isAlive(proc)) {
    // One the record lost is adopted, not doubled (a second could not bind the port anyway).
    const running = (await httpServersIn(host))[0] ?? startHttp(plan, host);
    await update(plan, (s) => {
      s.processes = s.processes.filter((p) => p.role !== role);
      s.processes.push(running);
    });
    await waitUntil(`http on ${name}`, async () => ((await tcpOpen(host.address, 80)) ? true : undefined), {
      timeoutMs: 10_000,
    });
  }
  await update(plan, (s) => {
    delete s.faults[host.name];
  });
  return { host: name, done: `http started on ${name}` };
}

/** Waits until the VIP answers HTTP through `director` (its MAC in this machine's ARP table). */
export async function waitForActive(plan: LabPlan, director: string, timeoutMs = 120_000): Promise<void> {
  await waitUntil(
    `the VIP ${plan.vip} to answer through ${director}`,
    async () => {
      const probe = await probeVip(plan, 300);
      return probe.page && probe.owner === director ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, hint: `see ${plan.stateDir}/${director}/log/ha-log` },
  );
}
