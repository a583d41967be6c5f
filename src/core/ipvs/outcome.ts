import type { IpvsadmOp } from './commands.js';

/** Why an ipvsadm command failed, from its stderr and exit code (ipvsadm 1.31's messages). */
export type IpvsadmFailureCode =
  | 'SERVICE_EXISTS'
  | 'NO_SUCH_SERVICE'
  | 'SERVICE_NOT_DEFINED'
  | 'DESTINATION_EXISTS'
  | 'NO_SUCH_DESTINATION'
  | 'SCHEDULER_NOT_FOUND'
  | 'NO_IPVS'
  | 'PERMISSION_DENIED'
  | 'INVALID_OPERATION'
  | 'OUT_OF_MEMORY'
  | 'ARGUMENT_ERROR'
  | 'UNKNOWN';

/**
 * What running an ipvsadm command came to:
 * - `ok`: it did what it was asked;
 * - `already-done`: it failed only because the table already is as asked (the real server
 *   is already there, or already gone), so a retried or repeated request counts as done;
 * - `failed`: it did not, with a code, an operator-facing message, and whether retrying can help.
 */
export type IpvsadmOutcome =
  | { kind: 'ok' }
  | {
      kind: 'already-done';
      code: 'SERVICE_EXISTS' | 'NO_SUCH_SERVICE' | 'DESTINATION_EXISTS' | 'NO_SUCH_DESTINATION';
      message: string;
    }
  | { kind: 'failed'; code: IpvsadmFailureCode; message: string; retryable: boolean; stderr: string };

export interface ProcessResult {
  /** Null when the process did not exit by itself (killed by a signal). */
  exitCode: number | null;
  stderr: string;
}

interface Known {
  code: IpvsadmFailureCode;
  text: string;
}

// Order matters: the "Can't initialize ipvs" forms come before the plain kernel messages they contain.
const KNOWN: Known[] = [
  { code: 'PERMISSION_DENIED', text: "Can't initialize ipvs: Permission denied" },
  { code: 'NO_IPVS', text: "Can't initialize ipvs" },
  { code: 'SERVICE_EXISTS', text: 'Service already exists' },
  { code: 'SCHEDULER_NOT_FOUND', text: 'Scheduler or persistence engine not found' },
  { code: 'NO_SUCH_SERVICE', text: 'No such service' },
  { code: 'SERVICE_NOT_DEFINED', text: 'Service not defined' },
  { code: 'DESTINATION_EXISTS', text: 'Destination already exists' },
  { code: 'NO_SUCH_DESTINATION', text: 'No such destination' },
  { code: 'PERMISSION_DENIED', text: 'Permission denied (you must be root)' },
  { code: 'INVALID_OPERATION', text: 'Invalid operation.' },
  { code: 'OUT_OF_MEMORY', text: 'Memory allocation problem' },
];

/** Which failures mean "already as asked" for which command. */
const ALREADY_DONE: Partial<Record<IpvsadmOp, IpvsadmFailureCode>> = {
  'add-service': 'SERVICE_EXISTS',
  'delete-service': 'NO_SUCH_SERVICE',
  'add-server': 'DESTINATION_EXISTS',
  'delete-server': 'NO_SUCH_DESTINATION',
};

const ALREADY_DONE_TEXT: Partial<Record<IpvsadmFailureCode, string>> = {
  SERVICE_EXISTS: 'the virtual service already exists (check its settings match)',
  NO_SUCH_SERVICE: 'the virtual service is already gone',
  DESTINATION_EXISTS:
    'the real server is already in the virtual service (check its weight and forwarding match)',
  NO_SUCH_DESTINATION: 'the real server is already out of the virtual service',
};

const ADVICE: Record<IpvsadmFailureCode, string> = {
  SERVICE_EXISTS: 'the virtual service already exists; edit it instead of adding it',
  NO_SUCH_SERVICE:
    'no such virtual service on this director; check the VIP, port and protocol with `ipvsadm -L -n`',
  SERVICE_NOT_DEFINED:
    'the virtual service is not defined on this director; check the VIP, port and protocol with `ipvsadm -L -n`',
  DESTINATION_EXISTS: 'the real server is already in this virtual service',
  NO_SUCH_DESTINATION:
    'the real server is not in this virtual service; check its address and port with `ipvsadm -L -n`',
  SCHEDULER_NOT_FOUND:
    "the director's kernel has no such scheduler or persistence engine module (ip_vs_<name>); pick another or install it",
  NO_IPVS:
    'IPVS is not available on this director (the ip_vs module is not loaded); run `modprobe ip_vs` there',
  PERMISSION_DENIED:
    'ipvsadm must run as root on the director; check the SSH user of this director in the inventory',
  INVALID_OPERATION:
    'the kernel refused the request (an address that is not unicast, or a module version mismatch)',
  OUT_OF_MEMORY: 'the director ran out of kernel memory; try again shortly',
  ARGUMENT_ERROR: 'ipvsadm refused its arguments',
  UNKNOWN: 'ipvsadm failed in a way this bot does not know',
};

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('modprobe:')) ?? ''
  );
}

/**
 * Reads an ipvsadm command's exit code and stderr as an outcome. `No such destination` on a
 * remove and `Destination already exists` on an add are `already-done`, so repeating a drain
 * or a restore is safe; everything else that fails is `failed`, final unless `retryable`.
 */
export function classifyIpvsadmResult(op: IpvsadmOp, result: ProcessResult): IpvsadmOutcome {
  if (result.exitCode === 0) return { kind: 'ok' };
  const stderr = result.stderr;
  const known = KNOWN.find((k) => stderr.includes(k.text));
  let code: IpvsadmFailureCode;
  if (known) code = known.code;
  else if (result.exitCode === 2) code = 'ARGUMENT_ERROR';
  else code = 'UNKNOWN';
  if (ALREADY_DONE[op] === code) {
    return {
      kind: 'already-done',
      code: code as 'SERVICE_EXISTS' | 'NO_SUCH_SERVICE' | 'DESTINATION_EXISTS' | 'NO_SUCH_DESTINATION',
      message: ALREADY_DONE_TEXT[code]!,
    };
  }
  const said = firstLine(stderr);
  const exit = result.exitCode === null ? 'killed by a signal' : `exit ${result.exitCode}`;
  const message =
    code === 'ARGUMENT_ERROR' || code === 'UNKNOWN'
      ? `${ADVICE[code]}: ${said || '(no message)'} (${exit})`
      : `${ADVICE[code]} (ipvsadm: ${said})`;
  return { kind: 'failed', code, message, retryable: code === 'OUT_OF_MEMORY', stderr };
}
