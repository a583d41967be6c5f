import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { consoleTail, launchDirector } from './directors.js';
import { createBridges, createNamespaces, existingLabNames } from './host-network.js';
import { labDown } from './lab-down.js';
import { LabError } from './lab-error.js';
import { writeLabFiles } from './lab-files.js';
import { type LabOptionsInput, labOptionsSchema } from './lab-options.js';
import { type LabPlan, labNamespaces, planLab, type RealServerPlan } from './lab-plan.js';
import { type LabState, readLabState, writeLabState } from './lab-state.js';
import { describeProcess, isAlive, stopProcess } from './processes.js';
import { httpRole, realServerNetwork, startHttp, startSshd } from './real-servers.js';
import { runCommand } from './run-command.js';
import { tcpOpen } from './tcp-probe.js';
import { umlKernel } from './uml-kernel.js';
import { probeVip } from './vip-probe.js';
import { waitUntil } from './wait-until.js';

/** The file that marks a directory as a lab's state: only such a directory is ever deleted. */
export const STATE_MARKER = '.lvs-chatops-lab';

export interface LabUpResult {
  plan: LabPlan;
  inventory: string;
  seconds: number;
}

export type LabLog = (line: string) => void;

/**
 * Brings the whole lab up and returns when it serves: both directors answer ssh, and (unless
 * bare) the VIP answers HTTP through lb1 with its IPVS table loaded. A stale lab with the same
 * state directory is cleaned first; a live one is refused. On failure everything made so far
 * is removed and the error carries the directors' last console lines.
 */
export async function labUp(input: LabOptionsInput, log: LabLog = () => {}): Promise<LabUpResult> {
  const t0 = performance.now();
  const parsed = labOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new LabError(
      'LAB_BAD_OPTION',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const plan = planLab(parsed.data);
  await preflight(plan);
  await clearStale(plan, log);

  mkdirSync(plan.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(plan.stateDir, 0o700);
  writeFileSync(join(plan.stateDir, STATE_MARKER), `${plan.prefix}\n`);
  const state: LabState = {
    version: 1,
    options: plan.options,
    phase: 'starting',
    startedAt: new Date().toISOString(),
    links: [],
    namespaces: [],
    processes: [],
    faults: {},
  };
  const save = () => writeLabState(plan.paths.stateFile, state);
  save();
  const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1);

  try {
    await writeLabFiles(plan);
    log(`+${elapsed()}s keys and configs written to ${plan.stateDir}`);

    state.links.push(plan.front.bridge, plan.back.bridge);
    save();
    await createBridges(plan);
    for (const d of plan.directors) state.links.push(d.frontTap, d.backTap);
    save();
    // The directors take longest: boot them first, and build the rest while they do.
    const directors = await Promise.all(plan.directors.map((d) => launchDirector(plan, d)));
    state.processes.push(...directors);
    save();
    log(`+${elapsed()}s directors lb1 and lb2 booting (UML, mem=${plan.options.directorMemory})`);

    const dr = realServerNetwork(plan);
    state.namespaces.push(...labNamespaces(plan));
    state.links.push(...plan.realServers.map((r) => r.hostLink), plan.client.hostLink);
    save();
    await createNamespaces(plan, [
      ...plan.realServers.map((r) => ({ netns: r.netns, hostLink: r.hostLink, address: r.address, ...dr })),
      { netns: plan.client.netns, hostLink: plan.client.hostLink, address: plan.client.address },
    ]);
    for (const r of plan.realServers) {
      state.processes.push(startHttp(plan, r), startSshd(plan, r));
    }
    save();
    log(`+${elapsed()}s real servers web-1..3 and the client namespace up`);

    await waitForLab(plan, state, save, log);
    state.phase = 'up';
    state.upSeconds = Number(elapsed());
    save();
    log(
      `+${elapsed()}s lab up: ${plan.options.bare ? 'hosts answer ssh (bare)' : `VIP ${plan.vip} answers through lb1`}`,
    );
    return { plan, inventory: plan.paths.inventory, seconds: state.upSeconds };
  } catch (e) {
    const tails = plan.directors.map((d) => `--- ${d.name} console:\n${consoleTail(plan, d)}`).join('\n');
    const logs = `/tmp/lvs-chatops-lab-${plan.prefix}-failed`;
    log(`lab up failed after ${elapsed()}s; removing what was made (logs kept in ${logs})`);
    rmSync(logs, { recursive: true, force: true });
    await labDown({ stateDir: plan.stateDir, prefix: plan.prefix, keepLogs: logs }, () => {}).catch(() => {});
    if (e instanceof LabError)
      throw new LabError(e.code, `${e.message} (logs: ${logs})\n${tails}`, e.retryable);
    throw e;
  }
}

async function waitForLab(plan: LabPlan, state: LabState, save: () => void, log: LabLog): Promise<void> {
  const timeoutMs = plan.options.bootTimeoutMs;
  const uml = state.processes.filter((p) => p.group);
  const dead = () => uml.find((p) => !isAlive(p));
  const hint = 'see the console lines below';
  const ports = [...plan.directors.map((d) => d.frontAddress), ...plan.realServers.map((r) => r.address)];
  await Promise.all(
    ports.map((address) =>
      waitUntil(
        `sshd on ${address}`,
        async () => {
          const gone = dead();
          if (gone) throw new LabError('LAB_COMMAND_FAILED', `director ${gone.role} stopped while booting`);
          return (await tcpOpen(address, 22)) ? true : undefined;
        },
        { timeoutMs, intervalMs: 100, hint },
      ),
    ),
  );
  await Promise.all(plan.realServers.map((r) => waitForHttp(plan, state, r, { timeoutMs, save, log })));
  if (plan.options.bare) return;
  await waitUntil(
    `the VIP ${plan.vip} to answer through lb1 (heartbeat's first acquisition)`,
    async () => {
      const gone = dead();
      if (gone) throw new LabError('LAB_COMMAND_FAILED', `director ${gone.role} stopped`);
      const probe = await probeVip(plan, 500);
      return probe.page && probe.owner === 'lb1' ? probe : undefined;
    },
    { timeoutMs, intervalMs: 200, hint: `see ${plan.directors[0].dir}/log/ha-log` },
  );
}

/** An HTTP server listens in well under a second; one that has not after this is started again. */
const HTTP_LISTEN_MS = 20_000;

/**
 * Waits for a real server's HTTP server to listen. Once (in some hundreds of lab ups on a busy
 * CI machine) one started and never listened, nor wrote a line; so one that has not listened
 * within HTTP_LISTEN_MS is described in its log, stopped and started again, until `timeoutMs`.
 */
async function waitForHttp(
  plan: LabPlan,
  state: LabState,
  r: RealServerPlan,
  opts: { timeoutMs: number; save: () => void; log: LabLog },
): Promise<void> {
  const logFile = join(plan.paths.logDir, `${r.name}-http.log`);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const window = Math.max(0, Math.min(HTTP_LISTEN_MS, deadline - Date.now()));
    const listening = await waitUntil(
      `http on ${r.name}`,
      async () => ((await tcpOpen(r.address, 80)) ? true : undefined),
      { timeoutMs: window },
    ).catch((e: unknown) => {
      if (e instanceof LabError && e.code === 'LAB_TIMEOUT') return false;
      throw e;
    });
    if (listening) return;
    if (Date.now() >= deadline) {
      throw new LabError(
        'LAB_TIMEOUT',
        `timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for http on ${r.name}; see ${logFile}`,
        true,
      );
    }
    const index = state.processes.findIndex((p) => p.role === httpRole(r));
    const stuck = state.processes[index];
    const why = `${stuck ? describeProcess(stuck) : 'no process recorded'} did not listen on port 80 within ${HTTP_LISTEN_MS / 1000} s; starting it again`;
    opts.log(`http on ${r.name}: ${why}`);
    appendFileSync(logFile, `lvs-chatops lab: ${why}\n`);
    if (stuck) await stopProcess(stuck);
    const fresh = startHttp(plan, r);
    if (index >= 0) state.processes[index] = fresh;
    else state.processes.push(fresh);
    opts.save();
  }
}

async function preflight(plan: LabPlan): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LabError(
      'LAB_NOT_ROOT',
      'the lab needs root (network namespaces, bridges, taps): run it with sudo or as root',
    );
  }
  const missing = [
    umlKernel().binary,
    '/usr/bin/uml_mconsole',
    '/usr/sbin/ipvsadm',
    '/usr/libexec/heartbeat/heartbeat',
    '/usr/sbin/mon',
    '/usr/sbin/sshd',
    '/usr/bin/ssh',
    '/usr/bin/ssh-keygen',
    '/usr/bin/python3',
    '/usr/bin/unshare',
    '/usr/sbin/mke2fs',
    '/dev/net/tun',
  ].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new LabError(
      'LAB_MISSING_TOOL',
      `missing ${missing.join(', ')}: install the lab's packages with scripts/install-deps.sh (user-mode-linux uml-utilities ipvsadm heartbeat mon openssh-server iproute2 e2fsprogs python3)`,
    );
  }
  if (!existsSync('/srv')) {
    throw new LabError(
      'LAB_MISSING_TOOL',
      "the directors mount their fileset under /srv, which this machine lacks: 'mkdir /srv'",
    );
  }
  // Another lab, or anything else, already routing one of our subnets would get our traffic.
  const routes = (await runCommand('ip', ['-4', '-o', 'route', 'show'])).stdout;
  for (const seg of [plan.front, plan.back]) {
    const clash = routes
      .split('\n')
      .find((l) => l.startsWith(`${seg.network} `) && !l.includes(` dev ${seg.bridge} `));
    if (clash) {
      throw new LabError(
        'LAB_NAME_TAKEN',
        `${seg.network} is already routed here (${clash.trim()}); choose another --subnet (a /23, like 10.210.2.0/23)`,
      );
    }
  }
}

/** A lab already using this state directory or these names: clean it if dead, refuse if alive. */
async function clearStale(plan: LabPlan, log: LabLog): Promise<void> {
  const state = existsSync(plan.paths.stateFile) ? readLabState(plan.paths.stateFile) : undefined;
  if (state) {
    const alive = state.processes.filter(isAlive);
    if (alive.length > 0) {
      throw new LabError(
        'LAB_ALREADY_UP',
        `a lab is already up with state ${plan.stateDir} (prefix ${state.options.prefix}, since ${state.startedAt}; ${alive.length} processes alive): run 'lvs-chatops lab down --state ${plan.stateDir}' first`,
      );
    }
    log(`cleaning up a stale lab (state ${plan.stateDir}, started ${state.startedAt}, no process alive)`);
    await labDown({ stateDir: plan.stateDir }, log);
    return;
  }
  if (existsSync(plan.stateDir)) {
    const ours = existsSync(join(plan.stateDir, STATE_MARKER));
    if (!ours && readdirSync(plan.stateDir).length > 0) {
      throw new LabError(
        'LAB_NAME_TAKEN',
        `${plan.stateDir} exists and is not a lab's state directory; pass another --state, or remove it`,
      );
    }
    if (ours) {
      const prefix = readFileSync(join(plan.stateDir, STATE_MARKER), 'utf8').trim();
      log(`cleaning up a half-made lab in ${plan.stateDir}`);
      await labDown({ stateDir: plan.stateDir, prefix }, log);
    }
  }
  const taken = existingLabNames(plan);
  if (taken.length > 0) {
    throw new LabError(
      'LAB_NAME_TAKEN',
      `${taken.join(', ')} already exist but no lab state is in ${plan.stateDir}: another lab uses prefix '${plan.prefix}' (pass another --prefix), or a crashed one left them ('lvs-chatops lab down --prefix ${plan.prefix}' deletes them)`,
    );
  }
}
