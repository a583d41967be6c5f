import { parseRscStatus } from '../core/heartbeat/cl-status.js';
import { saveCommand } from '../core/ipvs/commands.js';
import { parseIpvsList } from '../core/ipvs/list-parser.js';
import type { IpvsTable } from '../core/ipvs/model.js';
import type { HeartbeatResources } from '../core/policy/active-director.js';
import { type InterfaceAddress, parseInterfaceAddresses } from '../core/policy/interface-addresses.js';
import { err, ok, type ParseError, type Result } from '../core/result.js';

/**
 * What a playbook may look at on a host, each one remote command and a parser. Playbooks
 * name the reads they need; the worker runs them (in parallel across hosts) and hands the
 * parsed values back, so plans and checks stay pure.
 */
export type Read =
  /** `cl_status rscstatus`: which heartbeat resources the director holds. */
  | { kind: 'heartbeat'; host: string }
  /** `ip -o addr show`: does the director hold the VIPs. */
  | { kind: 'addresses'; host: string }
  /** `ipvsadm -L -n`: the IPVS table with weights and connection counts. */
  | { kind: 'ipvs-table'; host: string }
  /** `ipvsadm -S -n` (what `ipvsadm-save -n` runs): the table as restore rules, to persist. */
  | { kind: 'ipvs-rules'; host: string }
  /** `cat /proc/mounts`. */
  | { kind: 'mounts'; host: string }
  /** `fuser -m MOUNTPOINT`: the processes using the filesystem mounted there. */
  | { kind: 'mount-users'; host: string; mountPoint: string }
  /** A guided-build check's read-only probe (src/build): its output as it came. */
  | { kind: 'probe'; host: string; argv: string[]; okCodes: number[] }
  /** `cat PATH`: a file's content, handed to a command's stdin (a secret copied between hosts). */
  | { kind: 'file'; host: string; path: string };

export type ReadKind = Read['kind'];

export interface MountEntry {
  device: string;
  mountPoint: string;
  type: string;
  options: string;
}

export interface ReadValues {
  heartbeat: HeartbeatResources;
  addresses: InterfaceAddress[];
  'ipvs-table': IpvsTable;
  'ipvs-rules': string;
  mounts: MountEntry[];
  'mount-users': number[];
  probe: ReadOutput;
  file: string;
}

/** What a read command gave back (the SSH executor's CommandResult has these fields). */
export interface ReadOutput {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** `ipvs-table@lb1`, `mount-users@web-1:/var/www`: one key per distinct read. */
export function readKey(read: Read): string {
  switch (read.kind) {
    case 'mount-users':
      return `${read.kind}@${read.host}:${read.mountPoint}`;
    case 'probe':
      return `${read.kind}@${read.host}:${JSON.stringify(read.argv)}`;
    case 'file':
      return `${read.kind}@${read.host}:${read.path}`;
    default:
      return `${read.kind}@${read.host}`;
  }
}

export const CL_STATUS = '/usr/bin/cl_status';

/** The argv of a read, and the exit codes that still carry an answer. */
export function readCommand(read: Read): { argv: string[]; okCodes: number[] } {
  switch (read.kind) {
    case 'heartbeat':
      // Exit 1 with "Cannot signon with heartbeat": heartbeat is not running there.
      return { argv: [CL_STATUS, 'rscstatus'], okCodes: [0, 1] };
    case 'addresses':
      return { argv: ['ip', '-o', 'addr', 'show'], okCodes: [0] };
    case 'ipvs-table':
      return { argv: ['ipvsadm', '-L', '-n'], okCodes: [0] };
    case 'ipvs-rules':
      return { argv: saveCommand().argv, okCodes: [0] };
    case 'mounts':
      return { argv: ['cat', '/proc/mounts'], okCodes: [0] };
    case 'mount-users':
      // Exit 1: nobody uses it.
      return { argv: ['fuser', '-m', read.mountPoint], okCodes: [0, 1] };
    case 'probe':
      return { argv: read.argv, okCodes: read.okCodes };
    case 'file':
      return { argv: ['cat', read.path], okCodes: [0] };
  }
}

function parseResources(output: ReadOutput): Result<HeartbeatResources, ParseError> {
  const parsed = parseRscStatus({ stdout: output.stdout, stderr: output.stderr, exitCode: output.code });
  if (parsed.ok) return parsed;
  return parsed.error.code === 'CL_STATUS_NOT_RUNNING' ? ok('stopped') : parsed;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function parseMounts(text: string): Result<MountEntry[], ParseError> {
  const out: MountEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const [device, mountPoint, type, options] = line.split(/\s+/);
    if (device === undefined || mountPoint === undefined || type === undefined || options === undefined) {
      return err({
        code: 'PROC_MOUNTS_UNKNOWN_LINE',
        message: `/proc/mounts: cannot read '${line}'`,
        line: i + 1,
      });
    }
    out.push({
      device: unescapeMountField(device),
      mountPoint: unescapeMountField(mountPoint),
      type,
      options,
    });
  }
  return ok(out);
}

function parsePids(output: ReadOutput): Result<number[], ParseError> {
  if (output.code === 1) return ok([]);
  const pids = output.stdout
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => Number.parseInt(w, 10));
  if (pids.some((p) => !Number.isInteger(p))) {
    return err({ code: 'FUSER_UNKNOWN_OUTPUT', message: `fuser -m printed '${output.stdout.trim()}'` });
  }
  return ok(pids);
}

/** Parses a read's output into its value; never throws. */
export function parseRead<K extends ReadKind>(
  read: Extract<Read, { kind: K }>,
  output: ReadOutput,
): Result<ReadValues[K], ParseError>;
export function parseRead(read: Read, output: ReadOutput): Result<ReadValues[ReadKind], ParseError> {
  switch (read.kind) {
    case 'heartbeat':
      return parseResources(output);
    case 'addresses':
      return parseInterfaceAddresses(output.stdout);
    case 'ipvs-table':
      return parseIpvsList(output.stdout);
    case 'ipvs-rules':
      return ok(output.stdout);
    case 'mounts':
      return parseMounts(output.stdout);
    case 'mount-users':
      return parsePids(output);
    case 'probe':
      return ok(output);
    case 'file':
      return ok(output.stdout);
  }
}
