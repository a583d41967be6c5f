import type { StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: the forwarding methods, and which one each virtual service of this cluster uses. */
export function forwardingStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const lines = cluster.virtualServices.map((v) => {
    const rs = cluster.realServers.filter((r) => r.services.some((s) => s.service === v.name));
    const methods = [
      ...new Set(rs.flatMap((r) => r.services.filter((s) => s.service === v.name).map((s) => s.forwarding))),
    ];
    return `${v.name} (${v.vip}:${v.port}/${v.protocol}): ${methods.join(', ') || v.forwarding}, ${rs.length} real server(s)`;
  });
  return {
    id: 'forwarding',
    section: '0',
    title: 'Choose the forwarding method',
    what: 'LVS forwards in one of three ways. NAT (-m): the director rewrites both directions; slowest, for small and medium sites. Direct routing, DR (-g): the director sees only requests and the real servers answer clients directly; the usual choice. Tunneling (-i): IP-in-IP, works across networks, for large sites.',
    why: 'DR and tunneling need real servers that hold the VIP without answering ARP for it: the 2.4 "hidden" patch in the HOWTO, the arp_ignore/arp_announce sysctls on a current kernel. NAT needs neither, but the director must forward (ip_forward).',
    commands: [
      {
        title: 'This cluster, as the inventory says',
        hosts: [],
        modern: lines,
        note: 'Change the forwarding in the inventory (virtualServices[].forwarding, realServers[].services[].forwarding), not on the hosts.',
      },
    ],
    files: [],
    checks: [],
  };
}
