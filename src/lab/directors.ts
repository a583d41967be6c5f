import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDirectorTaps } from './host-network.js';
import { LabError } from './lab-error.js';
import type { DirectorPlan, LabPlan } from './lab-plan.js';
import type { LabProcess } from './lab-state.js';
import { isAlive, processStartTime, stopProcess, waitForExit } from './processes.js';
import { runCommand, spawnDetached } from './run-command.js';
import { umlKernel } from './uml-kernel.js';

/**
 * A director is a user-mode Linux kernel (Debian's linux.uml, with IPVS as modules) whose
 * root is this machine's / read-only, booted by lab/director-init.sh, with two NICs on
 * fresh taps in the front and back bridges.
 */

/**
 * How a director's kernel is scheduled on this machine. Every process start inside UML is
 * hundreds of context switches on the host; on a busy machine each waits its turn, and
 * heartbeat's takeover (dozens of process starts) stretched from 5 s to 15 s at a load of 10.
 * A real-time policy (SCHED_RR 1) gives the director the CPU when it needs it, as a machine of
 * its own would have; it is idle most of the time, and the kernel's real-time throttling keeps
 * 5% of each second for everything else. Where that is not allowed, a high nice value instead.
 */
let schedulingArgv: string[] | undefined;
export function directorScheduling(): string[] {
  if (!schedulingArgv) {
    const rt = spawnSync('chrt', ['-r', '1', 'true'], { stdio: 'ignore' });
    schedulingArgv = rt.status === 0 ? ['chrt', '-r', '1'] : ['nice', '-n', '-10'];
  }
  return schedulingArgv;
}

export function consoleLog(plan: LabPlan, d: DirectorPlan): string {
  return join(plan.paths.logDir, `${d.name}-console.log`);
}

export async function launchDirector(plan: LabPlan, d: DirectorPlan): Promise<LabProcess> {
  await createDirectorTaps(plan, d);
  rmSync(join(plan.paths.umlDir, d.umid), { recursive: true, force: true });
  rmSync(join(d.dir, 'booted'), { force: true });
  // Starved of CPU for its deadtime, a director would also be declared dead by its peer: a
  // split brain no real pair would see.
  const [scheduler, ...schedulerArgs] = directorScheduling();
  const pid = spawnDetached(
    scheduler!,
    [
      ...schedulerArgs,
      umlKernel().binary,
      `umid=${d.umid}`,
      `uml_dir=${plan.paths.umlDir}`,
      `mem=${plan.options.directorMemory}`,
      'root=/dev/root',
      'rootfstype=hostfs',
      'rootflags=/',
      'ro',
      `init=${join(plan.paths.binDir, 'director-init')}`,
      'printk.time=1',
      // 256 legacy BSD ptys cost about a second of boot.
      'pty.legacy_count=0',
      'con=null',
      'con0=fd:0,fd:1',
      `vec0:transport=tap,ifname=${d.frontTap},mac=${d.frontMac}`,
      `vec1:transport=tap,ifname=${d.backTap},mac=${d.backMac}`,
      `LAB_STATE=${plan.stateDir}`,
      `LAB_NODE=${d.name}`,
    ],
    consoleLog(plan, d),
  );
  const startTime = processStartTime(pid);
  if (startTime === undefined)
    throw new LabError(
      'LAB_COMMAND_FAILED',
      `${d.name}: linux.uml exited at once; see ${consoleLog(plan, d)}`,
    );
  return { role: d.name, pid, startTime, group: true };
}

/** Halts the kernel at once (no shutdown inside), then makes sure its process group is gone. */
export async function haltDirector(plan: LabPlan, d: DirectorPlan, proc: LabProcess): Promise<void> {
  const socket = join(plan.paths.umlDir, d.umid, 'mconsole');
  if (isAlive(proc) && existsSync(socket)) {
    await runCommand('uml_mconsole', [socket, 'halt'], { timeoutMs: 3000, allowFailure: true });
    await waitForExit(proc, 2000);
  }
  await stopProcess(proc, 500);
}

/** A crash: SIGKILL to the whole UML, as a power cut would; its peer sees it only by silence. */
export async function killDirector(proc: LabProcess): Promise<void> {
  await stopProcess(proc, 0, 'SIGKILL');
}

export function consoleTail(plan: LabPlan, d: DirectorPlan, lines = 15): string {
  try {
    return readFileSync(consoleLog(plan, d), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console output)';
  }
}
