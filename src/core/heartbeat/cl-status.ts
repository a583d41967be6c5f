import { err, ok, type ParseError, type Result } from '../result.js';

/** What a `cl_status` run printed. */
export interface ClStatusOutput {
  stdout: string;
  stderr?: string;
  exitCode?: number | null;
}

/** Which resources this node holds (`cl_status rscstatus`). */
export type ResourceStatus = 'all' | 'local' | 'foreign' | 'none' | 'transition';

export interface HbLink {
  iface: string;
  status: string;
}

export interface HbNode {
  name: string;
  /** `active`, `up`, `dead`, `init`, … */
  status: string;
  /** `normal` or `ping`. */
  type: string;
  links: HbLink[];
}

/** `cl_status hbstatus -v`. */
export interface HbStatusVerbose {
  running: boolean;
  version: string | null;
  /** `haresources` (v1 mode) or `crm`/`pacemaker`. */
  managedBy: string | null;
  nodes: HbNode[];
}

function notRunning(out: ClStatusOutput): ParseError | null {
  if ((out.stderr ?? '').includes('Cannot signon with heartbeat')) {
    return {
      code: 'CL_STATUS_NOT_RUNNING',
      message:
        'heartbeat is not running on this node (cl_status cannot sign on to it); start heartbeat there',
    };
  }
  return null;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function single(out: ClStatusOutput, what: string): Result<string> {
  const down = notRunning(out);
  if (down) return err(down);
  const ls = lines(out.stdout).map((l) => l.trim());
  if (ls.length !== 1 || !/^[\w.-]+$/.test(ls[0]!)) {
    return err({
      code: 'CL_STATUS_UNEXPECTED',
      message: `cl_status ${what}: expected one word, got '${out.stdout.trim()}'`,
    });
  }
  return ok(ls[0]!);
}

/** `cl_status hbstatus`: whether heartbeat runs here (it exits 1 and says so when it does not). */
export function parseHbStatus(out: ClStatusOutput): Result<{ running: boolean }> {
  const first = lines(out.stdout)[0]?.trim() ?? '';
  if (first === 'Heartbeat is running on this machine.') return ok({ running: true });
  if (first === 'Heartbeat is stopped on this machine.') return ok({ running: false });
  return err({ code: 'CL_STATUS_UNEXPECTED', message: `cl_status hbstatus: unexpected output '${first}'` });
}

/**
 * `cl_status hbstatus -v`:
 * ```
 * version:	3.0.6 (node: 958e…)
 * managed by:	"haresources"
 *
 * hb2	active	(nodetype: normal)
 * 	eth0	up
 * ```
 */
export function parseHbStatusVerbose(out: ClStatusOutput): Result<HbStatusVerbose> {
  // Stopped: the same sentence as plain hbstatus, then the sign-on error in parentheses.
  if (lines(out.stdout)[0]?.trim() === 'Heartbeat is stopped on this machine.') {
    return ok({ running: false, version: null, managedBy: null, nodes: [] });
  }
  const result: HbStatusVerbose = { running: true, version: null, managedBy: null, nodes: [] };
  for (const line of lines(out.stdout)) {
    let m = /^version:\t(\S+)/.exec(line);
    if (m) {
      result.version = m[1]!;
      continue;
    }
    m = /^managed by:\t"?([^"]*)"?$/.exec(line);
    if (m) {
      result.managedBy = m[1]!;
      continue;
    }
    m = /^(\S+)\t(\S+)\t\(nodetype: (\S+)\)$/.exec(line);
    if (m) {
      result.nodes.push({ name: m[1]!, status: m[2]!, type: m[3]!, links: [] });
      continue;
    }
    m = /^\t(\S+)\t(\S+)$/.exec(line);
    if (m) {
      const node = result.nodes.at(-1);
      if (!node)
        return err({
          code: 'CL_STATUS_UNEXPECTED',
          message: `cl_status hbstatus -v: a link before any node: '${line}'`,
        });
      node.links.push({ iface: m[1]!, status: m[2]! });
      continue;
    }
    return err({ code: 'CL_STATUS_UNEXPECTED', message: `cl_status hbstatus -v: unexpected line '${line}'` });
  }
  if (result.version === null) {
    return err({ code: 'CL_STATUS_UNEXPECTED', message: 'cl_status hbstatus -v: no version line' });
  }
  return ok(result);
}

const RSC = new Set<ResourceStatus>(['all', 'local', 'foreign', 'none', 'transition']);

/** `cl_status rscstatus`. */
export function parseRscStatus(out: ClStatusOutput): Result<ResourceStatus> {
  const w = single(out, 'rscstatus');
  if (!w.ok) return w;
  if (!RSC.has(w.value as ResourceStatus)) {
    return err({
      code: 'CL_STATUS_UNEXPECTED',
      message: `cl_status rscstatus: '${w.value}' is not all, local, foreign, none or transition`,
    });
  }
  return ok(w.value as ResourceStatus);
}

/** `cl_status listnodes`: the node names, one per line. */
export function parseListNodes(out: ClStatusOutput): Result<string[]> {
  const down = notRunning(out);
  if (down) return err(down);
  const names = lines(out.stdout).map((l) => l.trim());
  const bad = names.find((n) => !/^[\w.-]+$/.test(n));
  if (bad !== undefined || names.length === 0) {
    return err({
      code: 'CL_STATUS_UNEXPECTED',
      message: `cl_status listnodes: unexpected output '${out.stdout.trim()}'`,
    });
  }
  return ok(names);
}

/** `cl_status listhblinks NODE`: the node's interfaces (printed with a leading tab). */
export function parseListHbLinks(out: ClStatusOutput): Result<string[]> {
  return parseListNodes(out);
}

/** `cl_status nodestatus NODE`: `active`, `up`, `dead`, … (it exits 1 for `dead`, which is still an answer). */
export function parseNodeStatus(out: ClStatusOutput): Result<string> {
  return single(out, 'nodestatus');
}

/** `cl_status hblinkstatus NODE IF`: `up` or `dead`. */
export function parseHbLinkStatus(out: ClStatusOutput): Result<string> {
  return single(out, 'hblinkstatus');
}

/** `cl_status hbparameter -p NAME`: the value as heartbeat holds it (e.g. deadtime `2`). */
export function parseHbParameter(out: ClStatusOutput): Result<string> {
  const down = notRunning(out);
  if (down) return err(down);
  const ls = lines(out.stdout);
  if (ls.length !== 1) {
    return err({
      code: 'CL_STATUS_UNEXPECTED',
      message: `cl_status hbparameter: expected one line, got ${ls.length}`,
    });
  }
  return ok(ls[0]!.trim());
}
