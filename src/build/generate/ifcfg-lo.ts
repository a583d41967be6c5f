import type { Cluster } from '../../config/inventory.js';
import { err, ok, type Result } from '../../core/result.js';
import { header, isIpv6 } from './cluster-parts.js';
import { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';
import { loVipPlan } from './real-server-lo.js';

/**
 * The classic Red Hat alias file of the HOWTO (docs/howto.md, parts 3 and 11: `ifcfg-lo:0`): the VIP on lo
 * as a /32 with itself as broadcast, as `ifconfig lo:0 VIP netmask 255.255.255.255 broadcast
 * VIP up` did. One file per VIP, on the real servers that hold it.
 */
export function generateIfcfgLo(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const plan = loVipPlan(cluster, options.host, 'ifcfg-lo');
  if (!plan.ok) return plan;
  const v6 = plan.value.find((p) => isIpv6(p.vip));
  if (v6) {
    return err(
      new GenerateError(
        'BAD_OPTION',
        `ifcfg-lo aliases are IPv4 only and ${v6.vip} is IPv6: use 'lvs-chatops gen lo-networkd' for it`,
      ),
    );
  }
  return ok(
    plan.value.map((p) => ({
      kind: 'ifcfg-lo',
      path: `/etc/sysconfig/network-scripts/ifcfg-lo:${p.alias}`,
      hosts: p.hosts.map((h) => h.name),
      mode: 0o644,
      text: [
        ...header('ifcfg-lo', cluster, 'The VIP on lo, never answered in ARP (see gen arp-sysctl).'),
        `DEVICE=lo:${p.alias}`,
        `IPADDR=${p.vip}`,
        'NETMASK=255.255.255.255',
        `BROADCAST=${p.vip}`,
        'ONBOOT=yes',
        `NAME=lvs-vip-${p.alias}`,
        '',
      ].join('\n'),
      notes: [
        "Red Hat's network scripts; on other systems use 'gen lo-networkd' or the ip commands of the build.",
      ],
    })),
  );
}
