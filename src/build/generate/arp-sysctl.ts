import type { Cluster } from '../../config/inventory.js';
import { ok, type Result } from '../../core/result.js';
import { header } from './cluster-parts.js';
import type { GenerateError } from './generate-error.js';
import type { GeneratedFile, GenerateOptions } from './generated-file.js';
import { loVipPlan } from './real-server-lo.js';

/** What keeps a real server from answering ARP for the VIP it holds on lo, on a current kernel. */
export const ARP_SYSCTLS = [
  ['net.ipv4.conf.all.arp_ignore', '1'],
  ['net.ipv4.conf.all.arp_announce', '2'],
  ['net.ipv4.conf.lo.arp_ignore', '1'],
  ['net.ipv4.conf.lo.arp_announce', '2'],
] as const;

/** The HOWTO's 2.4 settings with Julian Anastasov's hidden patch; mainline kernels lack them. */
export const HIDDEN_SYSCTLS = [
  ['net.ipv4.conf.all.hidden', '1'],
  ['net.ipv4.conf.lo.hidden', '1'],
] as const;

/**
 * /etc/sysctl.d/90-lvs-dr.conf for the real servers: arp_ignore=1 (answer ARP only for
 * addresses of the asking interface) and arp_announce=2 (never announce the VIP as a source),
 * on all and lo; the kernel takes the larger of all and the interface. This replaces the
 * HOWTO's hidden patch, whose settings are kept in a comment for 2.4 kernels.
 */
export function generateArpSysctl(
  cluster: Cluster,
  options: GenerateOptions = {},
): Result<GeneratedFile[], GenerateError> {
  const plan = loVipPlan(cluster, options.host, 'arp-sysctl');
  if (!plan.ok) return plan;
  const hosts = [...new Set(plan.value.flatMap((p) => p.hosts.map((h) => h.name)))];
  return ok([
    {
      kind: 'arp-sysctl',
      path: '/etc/sysctl.d/90-lvs-dr.conf',
      hosts,
      mode: 0o644,
      text: [
        ...header('arp-sysctl', cluster, 'Real servers must not answer ARP for the VIP they hold on lo.'),
        ...ARP_SYSCTLS.map(([k, v]) => `${k} = ${v}`),
        '# A 2.4 kernel with the hidden patch (the HOWTO) has no arp_ignore; there, instead:',
        ...HIDDEN_SYSCTLS.map(([k, v]) => `# ${k} = ${v}`),
        '',
      ].join('\n'),
      notes: ["Apply with 'sysctl --system' (or 'sysctl -p /etc/sysctl.d/90-lvs-dr.conf')."],
    },
  ]);
}
