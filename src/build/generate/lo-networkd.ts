import type { Cluster } from '../../config/inventory.js';
import { ok, type Result } from '../../core/result.js';
import { header } from './cluster-parts.js';
import type { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';
import { loVipPlan, vipPrefix } from './real-server-lo.js';

/**
 * The modern equivalent of ifcfg-lo:0: a systemd-networkd file that puts the VIP(s) on lo as
 * host addresses. networkd manages lo only when a .network file matches it, so the loopback
 * addresses are listed too.
 */
export function generateLoNetworkd(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const plan = loVipPlan(cluster, options.host, 'lo-networkd');
  if (!plan.ok) return plan;
  const hosts = [...new Set(plan.value.flatMap((p) => p.hosts.map((h) => h.name)))];
  // One file per distinct set of VIPs, so a real server gets exactly the VIPs it serves.
  const byHost = new Map<string, string[]>();
  for (const p of plan.value)
    for (const h of p.hosts) byHost.set(h.name, [...(byHost.get(h.name) ?? []), p.vip]);
  const groups = new Map<string, string[]>();
  for (const h of hosts) {
    const key = byHost.get(h)!.join(' ');
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return ok(
    [...groups.entries()].map(([key, names]) => ({
      kind: 'lo-networkd',
      path: '/etc/systemd/network/10-lvs-vip-lo.network',
      hosts: names,
      mode: 0o644,
      text: [
        ...header(
          'lo-networkd',
          cluster,
          'The VIP on lo for LVS-DR (the HOWTO: ifconfig lo:0 VIP netmask 255.255.255.255).',
        ),
        '[Match]',
        'Name=lo',
        '',
        '[Network]',
        'Address=127.0.0.1/8',
        'Address=::1/128',
        ...key.split(' ').map((vip) => `Address=${vip}/${vipPrefix(vip)}`),
        '',
      ].join('\n'),
      notes: ["Then 'networkctl reload'; the ARP sysctls come from 'gen arp-sysctl'."],
    })),
  );
}
