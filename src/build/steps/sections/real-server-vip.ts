import { ARP_SYSCTLS, HIDDEN_SYSCTLS, loVipPlan } from '../../generate/index.js';
import { rsVipOnLoCheck } from '../checks.js';
import { shown } from '../commands-text.js';
import { filesOf, type StepContext } from '../step-context.js';
import type { ApplyAction, BuildStep } from '../step-model.js';

export function loVipArgv(vip: string, alias: number): string[] {
  return [
    'ip',
    'addr',
    'replace',
    `${vip}/${vip.includes(':') ? 128 : 32}`,
    'dev',
    'lo',
    'label',
    `lo:${alias}`,
  ];
}

export const ARP_ARGV = ['sysctl', '-w', ...ARP_SYSCTLS.map(([k, v]) => `${k}=${v}`)];

/** The guided build's step: each DR/TUN real server holds the VIP on lo and does not answer ARP for it. */
export function realServerVipStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const plan = loVipPlan(cluster, undefined, 'the VIP on lo');
  const base = {
    id: 'real-server-vip',
    section: '3',
    title: 'The VIP on every real server',
    what: "Each real server holds the VIP on lo as a /32, so it accepts the packets the director forwards to it unchanged (DR), and is told not to answer ARP for it: arp_ignore=1 and arp_announce=2 on a current kernel, hidden=1 on the HOWTO's patched 2.4 kernel. The ARP settings come first, so the VIP is never announced.",
    why: 'If a real server answered ARP for the VIP, clients would send to it directly and bypass the director. Check the balancing with a web server on each real server (curl the VIP from a client).',
  };
  if (!plan.ok) return { ...base, blocked: plan.error.message, commands: [], files: [], checks: [] };
  const hosts = [...new Set(plan.value.flatMap((p) => p.hosts.map((h) => h.name)))];
  const actions: ApplyAction[] = hosts.flatMap((host) => [
    { host, what: 'stop answering ARP for lo addresses', argv: ARP_ARGV },
    ...plan.value
      .filter((p) => p.hosts.some((h) => h.name === host))
      .map((p) => ({ host, what: `put the VIP ${p.vip} on lo:${p.alias}`, argv: loVipArgv(p.vip, p.alias) })),
  ]);
  return {
    ...base,
    commands: [
      {
        title: 'On each real server',
        hosts,
        modern: [
          shown(ARP_ARGV),
          ...plan.value.map((p) => shown(loVipArgv(p.vip, p.alias))),
          'ip -o addr show dev lo',
          'sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce',
        ],
        classic: [
          ...plan.value.map(
            (p) => `ifconfig lo:${p.alias} ${p.vip} netmask 255.255.255.255 broadcast ${p.vip} up`,
          ),
          ...plan.value.map((p) => `route add -host ${p.vip} dev lo:${p.alias}`),
          ...HIDDEN_SYSCTLS.map(([k]) => `echo 1 > /proc/sys/${k.replaceAll('.', '/')}`),
        ],
        note: 'Apply sets this for now; install one of the files below (and the sysctl file) so it survives a reboot. A director that is also a real server keeps hidden=0 and no lo:0 (see the later step).',
      },
    ],
    files: [...filesOf(ctx, 'arp-sysctl'), ...filesOf(ctx, 'lo-networkd'), ...filesOf(ctx, 'ifcfg-lo')],
    checks: [rsVipOnLoCheck(cluster)],
    apply: { summary: `ARP settings and the VIP on lo on ${hosts.join(', ')}`, actions },
  };
}
