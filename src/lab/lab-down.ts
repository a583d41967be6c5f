import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { haltDirector } from './directors.js';
import { deleteLinks, deleteNamespace } from './host-network.js';
import { LabError } from './lab-error.js';
import { labOptionsSchema } from './lab-options.js';
import { type LabPlan, labLinks, labNamespaces, planLab } from './lab-plan.js';
import { type LabProcess, readLabState, writeLabState } from './lab-state.js';
import { processStartTime, stopProcess } from './processes.js';

export interface LabDownOptions {
  stateDir?: string;
  /** Used when the state file is gone (a crash before it was written, or it was deleted). */
  prefix?: string;
  /** Copy the lab's logs (consoles, sshd, ha-log, mon) here before deleting the state. */
  keepLogs?: string;
}

export interface LabDownReport {
  /** What was removed, one line each: 'process lb1 (pid 123)', 'netns lvc-web-1', 'link lvc-front'. */
  removed: string[];
}

/**
 * Removes every process, namespace, link and file of a lab. Safe to run twice, on a lab that
 * never finished starting, or after its state file was lost (then by the plan's names).
 * Only what the lab's names or records point at is touched.
 */
export async function labDown(
  options: LabDownOptions = {},
  log: (line: string) => void = () => {},
): Promise<LabDownReport> {
  const defaults = labOptionsSchema.parse({});
  const stateDir = options.stateDir ?? defaults.stateDir;
  const stateFile = join(stateDir, 'state.json');
  let state: ReturnType<typeof readLabState>;
  try {
    state = readLabState(stateFile);
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    log(`${e.message}; cleaning up by name`);
  }
  const markerPrefix = readMarker(stateDir);
  const plan = planLab(
    state?.options ??
      labOptionsSchema.parse({ stateDir, prefix: options.prefix ?? markerPrefix ?? defaults.prefix }),
  );
  if (state) {
    state.phase = 'stopping';
    writeLabState(stateFile, state);
  }
  const removed: string[] = [];

  // Directors first (their taps go with the links), found by record and by command line.
  const umls = umlProcesses(plan, state?.processes ?? []);
  await Promise.all(
    plan.directors.map(async (d) => {
      const proc = umls.get(d.name);
      if (!proc) return;
      await haltDirector(plan, d, proc);
      removed.push(`process ${d.name} (pid ${proc.pid})`);
    }),
  );
  const leftovers = killUmlLeftovers(plan);
  if (leftovers > 0) removed.push(`${leftovers} leftover UML processes`);
  for (const ns of labNamespaces(plan)) {
    const killed = await deleteNamespace(ns);
    if (killed.length > 0 || state?.namespaces.includes(ns)) removed.push(`netns ${ns}`);
  }
  for (const proc of state?.processes ?? []) {
    if (proc.group) continue;
    if (processStartTime(proc.pid) === proc.startTime) {
      await stopProcess(proc);
      removed.push(`process ${proc.role} (pid ${proc.pid})`);
    }
  }
  for (const link of await deleteLinks(labLinks(plan))) removed.push(`link ${link}`);

  if (existsSync(stateDir) && (state || markerPrefix !== undefined)) {
    if (options.keepLogs) keepLogs(plan, options.keepLogs);
    rmSync(stateDir, { recursive: true, force: true });
    removed.push(`directory ${stateDir}`);
  }
  for (const line of removed) log(`removed ${line}`);
  return { removed };
}

function readMarker(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, '.lvs-chatops-lab'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

interface UmlProcess {
  pid: number;
  pgid: number;
  startTime: string;
}

/** Every process of a director's UML (the kernel and its helpers), by its command line. */
function findUml(plan: LabPlan, umid: string): UmlProcess[] {
  const found: UmlProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string[];
    let stat: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline[0]?.endsWith('linux.uml')) continue;
    if (!cmdline.includes(`umid=${umid}`) || !cmdline.includes(`uml_dir=${plan.paths.umlDir}`)) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    found.push({ pid: Number(entry), pgid: Number(fields[2]), startTime: fields[19]! });
  }
  return found;
}

/**
 * The UML of each director: the recorded one, or one found by its command line (umid and
 * uml_dir are the lab's own), so a director is halted even when its record was lost.
 */
function umlProcesses(plan: LabPlan, recorded: LabProcess[]): Map<string, LabProcess> {
  const found = new Map<string, LabProcess>();
  for (const p of recorded) if (p.group && processStartTime(p.pid) === p.startTime) found.set(p.role, p);
  for (const d of plan.directors) {
    if (found.has(d.name)) continue;
    const leader = findUml(plan, d.umid).find((p) => p.pgid === p.pid);
    if (leader)
      found.set(d.name, { role: d.name, pid: leader.pid, startTime: leader.startTime, group: true });
  }
  return found;
}

/** Whatever is left of a director's UML after its halt (helpers of a killed kernel). */
function killUmlLeftovers(plan: LabPlan): number {
  let killed = 0;
  for (const d of plan.directors) {
    for (const p of findUml(plan, d.umid)) {
      try {
        process.kill(p.pid, 'SIGKILL');
        killed++;
      } catch {}
    }
  }
  return killed;
}

function keepLogs(plan: LabPlan, target: string): void {
  cpSync(plan.paths.logDir, target, { recursive: true });
  for (const d of plan.directors) {
    const dir = join(d.dir, 'log');
    if (existsSync(dir)) cpSync(dir, join(target, d.name), { recursive: true });
  }
}
