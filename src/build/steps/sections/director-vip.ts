import { vipOnDirectorCheck } from '../checks.js';
import { shown } from '../commands-text.js';
import { filesOf, type StepContext, vipsOf } from '../step-context.js';
import type { ApplyAction, BuildStep } from '../step-model.js';

export function directorVipArgv(vip: string, iface: string): string[] {
  return ['ip', 'addr', 'replace', `${vip}/32`, 'brd', vip, 'dev', iface, 'label', `${iface}:0`];
}

/** The guided build's step: the VIP on the director, its host route, ip_forward, /etc/hosts. */
export function directorVipStep(ctx: StepContext): BuildStep {
  const { cluster, preferred, vipInterface: dev } = ctx;
  const vips = vipsOf(cluster);
  const nat = cluster.realServers.some((r) => r.services.some((s) => s.forwarding === 'nat'));
  const actions: ApplyAction[] = [
    ...(nat
      ? [
          {
            host: preferred.name,
            what: 'turn ip_forward on (NAT)',
            argv: ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
          },
        ]
      : []),
    ...vips.map((vip) => ({
      host: preferred.name,
      what: `put the VIP ${vip} on ${dev} (label ${dev}:0)`,
      argv: directorVipArgv(vip, dev),
    })),
  ];
  return {
    id: 'director-vip',
    section: '2',
    title: 'The VIP on the director',
    what: `The director keeps its own address on ${dev} and holds the VIP as the alias ${dev}:0, a /32 host address; the real servers hold the same VIP on lo (next steps). ${nat ? 'NAT is used, so the director must forward packets (ip_forward).' : 'With DR the director only receives requests.'} Every host gets the cluster's addresses in /etc/hosts.`,
    why: 'The VIP is the one address clients use; it must live on exactly one director at a time. The HOWTO warns that a wrong netmask on eth0:0 can cut off your own session: use /32 (255.255.255.255).',
    commands: [
      {
        title: `VIP on ${preferred.name}`,
        hosts: [preferred.name],
        modern: [
          ...(nat ? ['sysctl -w net.ipv4.ip_forward=1'] : []),
          ...vips.map((vip) => shown(directorVipArgv(vip, dev))),
          `ip -o addr show dev ${dev}`,
          ...vips.map((vip) => `ip route show table local ${vip}   # the kernel adds the host route itself`),
        ],
        classic: [
          ...vips.map((vip) => `ifconfig ${dev}:0 ${vip} netmask 255.255.255.255 broadcast ${vip} up`),
          ...vips.map((vip) => `route add -host ${vip} dev ${dev}:0`),
          `ifconfig ${dev}:0; route -n   # flags UH`,
          'echo 1 > /proc/sys/net/ipv4/ip_forward',
          ...(nat ? ['IP_FORWARD=true   # in /etc/sysconfig/network (NAT only)'] : []),
          'lsmod; ls /proc/net   # ip_vs modules loaded?',
        ],
        note: cluster.heartbeat
          ? 'Once heartbeat runs (a later step), it moves the VIP itself (its IPaddr resource runs the same ifconfig).'
          : 'This cluster has no heartbeat section: the VIP stays where you put it.',
      },
    ],
    files: filesOf(ctx, 'hosts'),
    checks: [vipOnDirectorCheck(cluster)],
    apply: {
      summary: `Put ${vips.join(', ')} on ${preferred.name} (${dev}:0)${nat ? ' and turn ip_forward on' : ''}`,
      actions,
    },
  };
}
