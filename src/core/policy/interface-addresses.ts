import { parseIpAddress } from '../ipvs/address.js';
import { err, ok, type ParseError, type Result } from '../result.js';

/** One address line of `ip -o addr show`. */
export interface InterfaceAddress {
  /** The device (`vec0`), without an alias label. */
  device: string;
  /** The label when it differs from the device (`vec0:0`, the HOWTO's `eth0:0`). */
  label: string | null;
  /** Canonical (IPv6 compressed, lower case). */
  address: string;
  prefixLength: number;
}

/**
 * Reads `ip -o addr show` (one line per address):
 * `2: vec0    inet 10.210.0.100/32 scope global vec0:0\       valid_lft forever …`.
 */
export function parseInterfaceAddresses(text: string): Result<InterfaceAddress[], ParseError> {
  const out: InterfaceAddress[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    const device = fields[1]?.replace(/@.*$/, '');
    const familyAt = fields.findIndex((f) => f === 'inet' || f === 'inet6');
    const cidr = familyAt >= 0 ? fields[familyAt + 1] : undefined;
    if (!fields[0]?.endsWith(':') || device === undefined || cidr === undefined) {
      if (familyAt < 0 && fields[0]?.endsWith(':')) continue; // a link line (`link/ether`), no address
      return err({ code: 'IP_ADDR_UNKNOWN_LINE', message: `ip -o addr: cannot read '${line}'`, line: i + 1 });
    }
    const [addressText = '', prefixText = ''] = cidr.split('/');
    const address = parseIpAddress(addressText);
    const prefixLength = Number(prefixText);
    if (!address.ok || !Number.isInteger(prefixLength)) {
      return err({
        code: 'IP_ADDR_UNKNOWN_LINE',
        message: `ip -o addr: '${cidr}' is not an address`,
        line: i + 1,
      });
    }
    // IPv4 lines end the flags with the label and a `\` (`scope global secondary vec0:0\`).
    const tagged = fields.find((f, at) => at > familyAt && f.length > 1 && f.endsWith('\\'));
    const candidate = tagged?.slice(0, -1);
    const label = candidate !== undefined && candidate !== device ? candidate : null;
    out.push({ device, label, address: address.value.address, prefixLength });
  }
  return ok(out);
}

/**
 * Does this director hold `vip` the way an active director does? An address on `lo` does not
 * count: a director that is also a real server keeps the VIP on lo while it is standby (the
 * classic setup, docs/howto.md parts 11–13), and real servers in LVS-DR always do.
 */
export function holdsVip(addresses: readonly InterfaceAddress[], vip: string): boolean {
  const canonical = parseIpAddress(vip);
  const wanted = canonical.ok ? canonical.value.address : vip;
  return addresses.some((a) => a.address === wanted && a.device !== 'lo');
}
