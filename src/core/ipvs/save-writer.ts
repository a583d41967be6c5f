import { formatHostPort } from './address.js';
import type { Forwarding, IpvsTable, RealServer, VirtualService } from './model.js';
import { realServerKey, serviceArgs, serviceKey } from './service-id.js';

const FORWARDING_FLAG: Record<Forwarding, string> = { dr: '-g', nat: '-m', tun: '-i', local: '-g' };

function serviceLine(s: VirtualService): string {
  const parts = ['-A', ...serviceArgs(s.id), '-s', s.scheduler ?? 'wlc'];
  if (s.persistence) {
    parts.push('-p', String(s.persistence.timeout));
    const defaultMask = s.id.family === 'ipv6' ? '128' : '255.255.255.255';
    if (s.persistence.netmask !== defaultMask) parts.push('-M', s.persistence.netmask);
    if (s.persistence.engine) parts.push('--pe', s.persistence.engine);
  }
  if (s.ops) parts.push('-o');
  if (s.schedFlags.length > 0) parts.push('-b', s.schedFlags.join(','));
  return parts.join(' ');
}

function serverLine(s: VirtualService, rs: RealServer): string {
  const parts = [
    '-a',
    ...serviceArgs(s.id),
    '-r',
    formatHostPort(rs, rs.port),
    FORWARDING_FLAG[rs.forwarding],
    '-w',
    String(rs.weight),
  ];
  if (rs.forwarding === 'tun' && rs.tunnel) {
    parts.push('--tun-type', rs.tunnel.type);
    if (rs.tunnel.type === 'gue' && rs.tunnel.port !== null) parts.push('--tun-port', String(rs.tunnel.port));
    if (rs.tunnel.type !== 'ipip' && rs.tunnel.checksum) parts.push(`--tun-${rs.tunnel.checksum}`);
  }
  return parts.join(' ');
}

/**
 * The table as `ipvsadm -S -n` prints it (the same words in the same order), so the output
 * can be fed to `ipvsadm -R` and a saved table written back is byte-identical.
 */
export function formatSaveRules(table: IpvsTable): string {
  const lines: string[] = [];
  for (const s of table.services) {
    lines.push(serviceLine(s));
    for (const rs of s.realServers) lines.push(serverLine(s, rs));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * The table's configuration in one canonical text (services and real servers sorted; counters,
 * connection counts, header and tunnel details left out, as `-L -n` does not show them). Two
 * directors with the same configuration give the same text, whether read with `-L -n` or
 * `-S -n` and whatever order ipvsadm listed them in; store it (or its hash) to tell later
 * whether the table changed.
 */
export function canonicalIpvsConfig(table: IpvsTable): string {
  const services = [...table.services]
    .sort((a, b) => compare(serviceKey(a.id), serviceKey(b.id)))
    .map((s) => ({
      ...s,
      realServers: [...s.realServers]
        .sort((a, b) => compare(realServerKey(a), realServerKey(b)))
        .map((rs) => ({ ...rs, tunnel: null })),
    }));
  return formatSaveRules({ version: null, connectionTableSize: null, services });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
