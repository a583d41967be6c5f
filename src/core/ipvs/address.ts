import { err, ok, type Result } from '../result.js';
import type { IpvsValueError } from './value-error.js';

export type AddressFamily = 'ipv4' | 'ipv6';

/** An IP address in the one spelling ipvsadm prints (inet_ntop), so equal addresses compare equal. */
export interface IpAddress {
  family: AddressFamily;
  address: string;
}

const IPV4_PART = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_HOST_PORT = new RegExp(`^(${OCTET}(?:\\.${OCTET}){3}):(0|[1-9]\\d{0,4})$`);

function badAddress(text: string, field: string): IpvsValueError {
  return {
    code: 'IPVS_BAD_ADDRESS',
    field,
    message: `${field}: '${text}' is not an IPv4 address (like 192.0.2.10) or an IPv6 address (like 2001:db8::10)`,
  };
}

function ipv4Octets(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!IPV4_PART.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/** The eight 16-bit groups of an IPv6 address, or null when `text` is not one. */
function ipv6Groups(text: string): number[] | null {
  if (text.length === 0 || text.length > 45) return null;
  let head = text;
  let tail: number[] = [];
  // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1).
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const octets = ipv4Octets(text.slice(lastColon + 1));
    if (!octets) return null;
    tail = [(octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    for (const g of half.split(':')) {
      if (!HEX_GROUP.test(g)) return null;
      groups.push(Number.parseInt(g, 16));
    }
    return groups;
  };
  const left = parseHalf(halves[0]!);
  if (!left) return null;
  if (halves.length === 1) {
    const all = [...left, ...tail];
    return all.length === 8 ? all : null;
  }
  const right = parseHalf(halves[1]!);
  if (!right) return null;
  const missing = 8 - left.length - right.length - tail.length;
  if (missing < 1) return null;
  return [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
}

/** RFC 5952 text, as glibc's inet_ntop writes it (including its dotted forms of ::a.b.c.d and ::ffff:a.b.c.d). */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const v4 = `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
    return bestLen === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Validates an IPv4 or IPv6 address (no brackets, no zone) and returns its canonical spelling. */
export function parseIpAddress(text: string, field = 'address'): Result<IpAddress, IpvsValueError> {
  if (text.includes(':')) {
    const groups = ipv6Groups(text);
    return groups ? ok({ family: 'ipv6', address: formatIpv6(groups) }) : err(badAddress(text, field));
  }
  const octets = ipv4Octets(text);
  return octets ? ok({ family: 'ipv4', address: octets.join('.') }) : err(badAddress(text, field));
}

/** `192.0.2.1:80` or `[2001:db8::1]:80` as ipvsadm prints them. */
export function formatHostPort(address: IpAddress, port: number): string {
  return address.family === 'ipv6' ? `[${address.address}]:${port}` : `${address.address}:${port}`;
}

export interface HostPort extends IpAddress {
  port: number;
}

/**
 * Splits `ADDR:PORT` / `[ADDR]:PORT` (port required when `portRequired`, else defaults to 0)
 * and validates both halves.
 */
export function parseHostPort(
  text: string,
  field = 'address',
  portRequired = true,
): Result<HostPort, IpvsValueError> {
  // Fast path for what listings are made of: a canonical IPv4 address and a port.
  const fast = IPV4_HOST_PORT.exec(text);
  if (fast && Number(fast[2]) <= 65535) {
    return ok({ family: 'ipv4', address: fast[1]!, port: Number(fast[2]) });
  }
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return err(badAddress(text, field));
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return err(badAddress(text, field));
      portText = rest.slice(1);
    }
    if (!host.includes(':')) return err(badAddress(text, field));
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) return err(badAddress(text, field));
    const at = text.lastIndexOf(':');
    host = at >= 0 ? text.slice(0, at) : text;
    portText = at >= 0 ? text.slice(at + 1) : undefined;
  }
  const address = parseIpAddress(host, field);
  if (!address.ok) return address;
  if (portText === undefined) {
    if (portRequired) {
      return err({
        code: 'IPVS_BAD_PORT',
        field,
        message: `${field}: '${text}' has no port; write it as ${formatHostPort(address.value, 80)}`,
      });
    }
    return ok({ ...address.value, port: 0 });
  }
  const port = parsePort(portText, field);
  if (!port.ok) return port;
  return ok({ ...address.value, port: port.value });
}

/** A TCP/UDP/SCTP port, 0–65535 (0 only makes sense on a persistent service, as in ipvsadm). */
export function parsePort(text: string, field = 'port'): Result<number, IpvsValueError> {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    return err({ code: 'IPVS_BAD_PORT', field, message: `${field}: '${text}' is not a port (0 to 65535)` });
  }
  return ok(Number(text));
}
