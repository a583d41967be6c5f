import { err, ok, type Result } from '../result.js';
import { formatHostPort, parseIpAddress } from './address.js';
import type { Forwarding, ServiceId } from './model.js';
import { parseServiceId, type ServiceIdInput, serviceArgs } from './service-id.js';
import type { IpvsValueError } from './value-error.js';

/** What an ipvsadm command does; `classifyIpvsadmResult` reads its exit status in this light. */
export type IpvsadmOp =
  | 'add-service'
  | 'edit-service'
  | 'delete-service'
  | 'add-server'
  | 'edit-server'
  | 'delete-server'
  | 'list'
  | 'save'
  | 'restore'
  | 'zero';

/** An ipvsadm invocation as argv (argv[0] is `ipvsadm`), never a shell string. */
export interface IpvsadmCommand {
  op: IpvsadmOp;
  argv: string[];
}

/** The schedulers ipvsadm 1.31 knows (`ipvsadm -h`). */
export const SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const SCHED_FLAGS = [
  'flag-1',
  'flag-2',
  'flag-3',
  'sh-fallback',
  'sh-port',
  'mh-fallback',
  'mh-port',
] as const;

/** ipvsadm's limit on `-p TIMEOUT` (31 days) and its default (6 minutes). */
export const MAX_PERSISTENCE_TIMEOUT = 31 * 86400;
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
export const MAX_WEIGHT = 65535;

export interface ServiceOptions {
  scheduler: string;
  /** Null or absent: not persistent. */
  persistence?: { timeout?: number; netmask?: string; engine?: string } | null;
  ops?: boolean;
  schedFlags?: string[];
}

export interface RealServerInput {
  address: string;
  /** Defaults to the service's port (0 for a firewall-mark service). */
  port?: number;
  /** Defaults to dr, as ipvsadm's -g. */
  forwarding?: Exclude<Forwarding, 'local'>;
  /** Defaults to 1; 0 stops new connections (drain). */
  weight?: number;
}

const FORWARDING_FLAG: Record<Exclude<Forwarding, 'local'>, string> = { dr: '-g', nat: '-m', tun: '-i' };

function command(op: IpvsadmOp, ...args: string[]): IpvsadmCommand {
  return { op, argv: ['ipvsadm', ...args] };
}

function serviceOptionArgs(id: ServiceId, options: ServiceOptions): Result<string[], IpvsValueError> {
  const scheduler = options.scheduler;
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) {
    return err({
      code: 'IPVS_BAD_SCHEDULER',
      field: 'scheduler',
      message: `scheduler: '${scheduler}' is not an IPVS scheduler; use one of ${SCHEDULERS.join(', ')}`,
    });
  }
  const args = ['-s', scheduler];
  const persistence = options.persistence;
  if (id.protocol !== 'fwm' && id.port === 0 && !persistence) {
    return err({
      code: 'IPVS_BAD_PORT',
      field: 'port',
      message:
        'port: port 0 (all ports) needs persistence, as ipvsadm refuses a non-persistent service on port 0',
    });
  }
  if (persistence) {
    const timeout = persistence.timeout ?? DEFAULT_PERSISTENCE_TIMEOUT;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_PERSISTENCE_TIMEOUT) {
      return err({
        code: 'IPVS_BAD_PERSISTENCE',
        field: 'persistence.timeout',
        message: `persistence.timeout: ${String(timeout)} is not a timeout in seconds (1 to ${MAX_PERSISTENCE_TIMEOUT})`,
      });
    }
    args.push('-p', String(timeout));
    if (persistence.netmask !== undefined) {
      const mask = checkNetmask(id, persistence.netmask);
      if (!mask.ok) return mask;
      // The host mask is the default; ipvsadm -S leaves it out, and so do we.
      if (mask.value !== (id.family === 'ipv6' ? '128' : '255.255.255.255')) args.push('-M', mask.value);
    }
    if (persistence.engine !== undefined) {
      if (persistence.engine !== 'sip') {
        return err({
          code: 'IPVS_BAD_PERSISTENCE',
          field: 'persistence.engine',
          message: `persistence.engine: '${persistence.engine}' is not a persistence engine; IPVS has 'sip'`,
        });
      }
      args.push('--pe', persistence.engine);
    }
  }
  if (options.ops) args.push('-o');
  const flags = options.schedFlags ?? [];
  if (flags.length > 0) {
    const bad = flags.find((f) => !(SCHED_FLAGS as readonly string[]).includes(f));
    if (bad !== undefined) {
      return err({
        code: 'IPVS_BAD_SCHED_FLAGS',
        field: 'schedFlags',
        message: `schedFlags: '${bad}' is not a scheduler flag; use ${SCHED_FLAGS.join(', ')}`,
      });
    }
    args.push('-b', flags.join(','));
  }
  return ok(args);
}

function checkNetmask(id: ServiceId, netmask: string): Result<string, IpvsValueError> {
  if (id.family === 'ipv6') {
    if (/^\d{1,3}$/.test(netmask) && Number(netmask) >= 1 && Number(netmask) <= 128) {
      return ok(String(Number(netmask)));
    }
    return err({
      code: 'IPVS_BAD_NETMASK',
      field: 'persistence.netmask',
      message: `persistence.netmask: '${netmask}' is not an IPv6 prefix length (1 to 128)`,
    });
  }
  const mask = parseIpAddress(netmask, 'persistence.netmask');
  if (!mask.ok || mask.value.family !== 'ipv4') {
    return err({
      code: 'IPVS_BAD_NETMASK',
      field: 'persistence.netmask',
      message: `persistence.netmask: '${netmask}' is not an IPv4 netmask (like 255.255.255.0)`,
    });
  }
  return ok(mask.value.address);
}

function realServerArgs(
  id: ServiceId,
  rs: Pick<RealServerInput, 'address' | 'port'>,
  forwarding: Exclude<Forwarding, 'local'> | null,
): Result<string[], IpvsValueError> {
  const address = parseIpAddress(rs.address, 'realServer.address');
  if (!address.ok) return address;
  const servicePort = id.protocol === 'fwm' ? 0 : id.port;
  const port = rs.port ?? servicePort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return err({
      code: 'IPVS_BAD_PORT',
      field: 'realServer.port',
      message: `realServer.port: ${String(port)} is not a port (0 to 65535)`,
    });
  }
  if (address.value.family !== id.family && forwarding !== 'tun' && forwarding !== null) {
    return err({
      code: 'IPVS_BAD_ADDRESS',
      field: 'realServer.address',
      message: `realServer.address: ${address.value.address} is ${address.value.family} but the virtual service is ${id.family}; only tun forwarding crosses families`,
    });
  }
  // ipvsadm sends dr and tun traffic to the service's port whatever is asked; say so instead.
  if ((forwarding === 'dr' || forwarding === 'tun') && id.protocol !== 'fwm' && port !== servicePort) {
    return err({
      code: 'IPVS_BAD_PORT',
      field: 'realServer.port',
      message: `realServer.port: ${forwarding} forwarding cannot change the port (${servicePort} → ${port}); use nat, or port ${servicePort}`,
    });
  }
  return ok(['-r', formatHostPort(address.value, port)]);
}

function checkWeight(weight: number): Result<number, IpvsValueError> {
  if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) {
    return err({
      code: 'IPVS_BAD_WEIGHT',
      field: 'weight',
      message: `weight: ${String(weight)} is not a weight (an integer from 0 to ${MAX_WEIGHT})`,
    });
  }
  return ok(weight);
}

function checkForwarding(forwarding: string): Result<Exclude<Forwarding, 'local'>, IpvsValueError> {
  if (forwarding === 'dr' || forwarding === 'nat' || forwarding === 'tun') return ok(forwarding);
  return err({
    code: 'IPVS_BAD_FORWARDING',
    field: 'forwarding',
    message: `forwarding: '${forwarding}' is not a forwarding method; use dr, nat or tun`,
  });
}

function serviceCommand(
  op: 'add-service' | 'edit-service',
  flag: string,
  service: ServiceIdInput,
  options: ServiceOptions,
): Result<IpvsadmCommand, IpvsValueError> {
  const id = parseServiceId(service);
  if (!id.ok) return id;
  const opts = serviceOptionArgs(id.value, options);
  if (!opts.ok) return opts;
  return ok(command(op, flag, ...serviceArgs(id.value), ...opts.value));
}

/** `ipvsadm -A <service> -s SCHED [-p T [-M MASK] [--pe E]] [-o] [-b FLAGS]`. */
export function addServiceCommand(
  service: ServiceIdInput,
  options: ServiceOptions,
): Result<IpvsadmCommand, IpvsValueError> {
  return serviceCommand('add-service', '-A', service, options);
}

/**
 * `ipvsadm -E …`. ipvsadm resets whatever is not given (scheduler to wlc, persistence off),
 * so the options are the service's whole new configuration, scheduler included.
 */
export function editServiceCommand(
  service: ServiceIdInput,
  options: ServiceOptions,
): Result<IpvsadmCommand, IpvsValueError> {
  return serviceCommand('edit-service', '-E', service, options);
}

/** `ipvsadm -D <service>`. */
export function deleteServiceCommand(service: ServiceIdInput): Result<IpvsadmCommand, IpvsValueError> {
  const id = parseServiceId(service);
  if (!id.ok) return id;
  return ok(command('delete-service', '-D', ...serviceArgs(id.value)));
}

function serverCommand(
  op: 'add-server' | 'edit-server',
  flag: string,
  service: ServiceIdInput,
  rs: RealServerInput,
): Result<IpvsadmCommand, IpvsValueError> {
  const id = parseServiceId(service);
  if (!id.ok) return id;
  const forwarding = checkForwarding(rs.forwarding ?? 'dr');
  if (!forwarding.ok) return forwarding;
  const weight = checkWeight(rs.weight ?? 1);
  if (!weight.ok) return weight;
  const target = realServerArgs(id.value, rs, forwarding.value);
  if (!target.ok) return target;
  return ok(
    command(
      op,
      flag,
      ...serviceArgs(id.value),
      ...target.value,
      FORWARDING_FLAG[forwarding.value],
      '-w',
      String(weight.value),
    ),
  );
}

/** `ipvsadm -a <service> -r RIP:PORT -g|-m|-i -w W`. */
export function addRealServerCommand(
  service: ServiceIdInput,
  rs: RealServerInput,
): Result<IpvsadmCommand, IpvsValueError> {
  return serverCommand('add-server', '-a', service, rs);
}

/** `ipvsadm -e …`: like -a, forwarding and weight are set to what is given (defaults dr, 1). */
export function editRealServerCommand(
  service: ServiceIdInput,
  rs: RealServerInput,
): Result<IpvsadmCommand, IpvsValueError> {
  return serverCommand('edit-server', '-e', service, rs);
}

/** `ipvsadm -d <service> -r RIP:PORT`. */
export function deleteRealServerCommand(
  service: ServiceIdInput,
  rs: Pick<RealServerInput, 'address' | 'port'>,
): Result<IpvsadmCommand, IpvsValueError> {
  const id = parseServiceId(service);
  if (!id.ok) return id;
  const target = realServerArgs(id.value, rs, null);
  if (!target.ok) return target;
  return ok(command('delete-server', '-d', ...serviceArgs(id.value), ...target.value));
}

export interface ListOptions {
  /** table: ActiveConn/InActConn (default); stats: cumulative counters; rate: per second. */
  view?: 'table' | 'stats' | 'rate';
  /** Exact numbers instead of K/M/G/T-scaled ones. */
  exact?: boolean;
  /** One service only (its listing has no version header). */
  service?: ServiceIdInput;
}

/** `ipvsadm -L -n [--stats|--rate] [--exact] [<service>]`. */
export function listCommand(options: ListOptions = {}): Result<IpvsadmCommand, IpvsValueError> {
  const args = ['-L', '-n'];
  if (options.view === 'stats') args.push('--stats');
  if (options.view === 'rate') args.push('--rate');
  if (options.exact) args.push('--exact');
  if (options.service) {
    const id = parseServiceId(options.service);
    if (!id.ok) return id;
    args.push(...serviceArgs(id.value));
  }
  return ok(command('list', ...args));
}

/** `ipvsadm -S -n`: the table as restore rules, numeric. */
export function saveCommand(): IpvsadmCommand {
  return command('save', '-S', '-n');
}

/** `ipvsadm -R`: rules (as `formatSaveRules` writes them) on stdin. */
export function restoreCommand(): IpvsadmCommand {
  return command('restore', '-R');
}

/** `ipvsadm -Z [<service>]`: zero the counters. */
export function zeroCommand(service?: ServiceIdInput): Result<IpvsadmCommand, IpvsValueError> {
  if (!service) return ok(command('zero', '-Z'));
  const id = parseServiceId(service);
  if (!id.ok) return id;
  return ok(command('zero', '-Z', ...serviceArgs(id.value)));
}
