import { err, ok, type Result } from '../result.js';
import { type AddressFamily, formatHostPort, parseHostPort } from './address.js';
import type { RealServer, ServiceId } from './model.js';
import type { IpvsValueError } from './value-error.js';

/** How callers name a virtual service; validated into a ServiceId by `parseServiceId`. */
export type ServiceIdInput =
  | { protocol: 'tcp' | 'udp' | 'sctp'; address: string; port: number }
  | { protocol: 'fwm'; fwmark: number; family?: AddressFamily };

const MAX_FWMARK = 0xffffffff;

/** Validates a service id: a real IP address and port, or a firewall mark 1..2^32-1. */
export function parseServiceId(input: ServiceIdInput): Result<ServiceId, IpvsValueError> {
  if (input.protocol === 'fwm') {
    if (!Number.isInteger(input.fwmark) || input.fwmark < 1 || input.fwmark > MAX_FWMARK) {
      return err({
        code: 'IPVS_BAD_FWMARK',
        field: 'fwmark',
        message: `fwmark: ${String(input.fwmark)} is not a firewall mark (an integer from 1 to ${MAX_FWMARK})`,
      });
    }
    return ok({ protocol: 'fwm', family: input.family ?? 'ipv4', fwmark: input.fwmark });
  }
  if (!Number.isInteger(input.port) || input.port < 0 || input.port > 65535) {
    return err({
      code: 'IPVS_BAD_PORT',
      field: 'port',
      message: `port: ${String(input.port)} is not a port (0 to 65535)`,
    });
  }
  const hp = parseHostPort(`${bracket(input.address)}:${input.port}`, 'vip');
  if (!hp.ok) return hp;
  return ok({
    protocol: input.protocol,
    family: hp.value.family,
    address: hp.value.address,
    port: input.port,
  });
}

function bracket(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The ipvsadm options naming a service: `-t 192.0.2.1:80`, `-f 1 -6`, `--sctp-service …`. */
export function serviceArgs(id: ServiceId): string[] {
  switch (id.protocol) {
    case 'fwm':
      return id.family === 'ipv6' ? ['-f', String(id.fwmark), '-6'] : ['-f', String(id.fwmark)];
    case 'tcp':
      return ['-t', formatHostPort(id, id.port)];
    case 'udp':
      return ['-u', formatHostPort(id, id.port)];
    case 'sctp':
      return ['--sctp-service', formatHostPort(id, id.port)];
  }
}

/** A stable key for maps and diffs, e.g. `tcp 192.0.2.1:80`, `fwm 1`, `fwm 2 ipv6`. */
export function serviceKey(id: ServiceId): string {
  if (id.protocol === 'fwm') return id.family === 'ipv6' ? `fwm ${id.fwmark} ipv6` : `fwm ${id.fwmark}`;
  return `${id.protocol} ${formatHostPort(id, id.port)}`;
}

/** What an operator reads: `TCP 192.0.2.1:80`, `FWM 1`, as ipvsadm shows them. */
export function describeService(id: ServiceId): string {
  if (id.protocol === 'fwm') return id.family === 'ipv6' ? `FWM ${id.fwmark} IPv6` : `FWM ${id.fwmark}`;
  return `${id.protocol.toUpperCase()} ${formatHostPort(id, id.port)}`;
}

/** A stable key of a real server inside its service: `10.0.0.1:80`, `[2001:db8::1]:80`. */
export function realServerKey(rs: Pick<RealServer, 'family' | 'address' | 'port'>): string {
  return formatHostPort(rs, rs.port);
}

export function sameServiceId(a: ServiceId, b: ServiceId): boolean {
  return serviceKey(a) === serviceKey(b);
}
