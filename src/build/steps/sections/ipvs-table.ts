import type { Cluster } from '../../../config/inventory.js';
import { servicesOf } from '../../generate/index.js';
import { ipvsTableCheck } from '../checks.js';
import { filesOf, generated, type StepContext, writeFileActions } from '../step-context.js';
import type { ApplyAction, BuildStep } from '../step-model.js';

const FLAG = { dr: '-g', nat: '-m', tun: '-i' } as const;

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The HOWTO's ipvsadm lines for the inventory's table. */
export function ipvsadmLines(cluster: Cluster): string[] {
  return cluster.virtualServices.flatMap((v) => {
    const proto = v.protocol === 'udp' ? '-u' : v.protocol === 'sctp' ? '--sctp-service' : '-t';
    const svc = `${proto} ${endpoint(v.vip, v.port)}`;
    const persistence = v.persistence === undefined ? '' : ` -p ${Math.round(v.persistence / 1000)}`;
    return [
      `ipvsadm -A ${svc} -s ${v.scheduler}${persistence}`,
      ...cluster.realServers.flatMap((r) =>
        servicesOf(cluster, r)
          .filter((t) => t.service === v)
          .map(
            (t) =>
              `ipvsadm -a ${svc} -r ${endpoint(r.address, t.port)} ${FLAG[t.forwarding as keyof typeof FLAG]} -w ${t.weight}`,
          ),
      ),
    ];
  });
}

/** The guided build's step: the virtual services and real servers in IPVS. */
export function ipvsTableStep(ctx: StepContext): BuildStep {
  const { cluster, preferred } = ctx;
  const files = filesOf(ctx, 'ipvsadm-rules');
  const rules = generated(files)[0];
  const actions: ApplyAction[] = rules
    ? [
        ...writeFileActions(rules),
        { host: preferred.name, what: 'empty the IPVS table', argv: ['ipvsadm', '-C'] },
        { host: preferred.name, what: `load ${rules.path}`, argv: ['ipvsadm', '-R'], stdin: rules.text },
      ]
    : [];
  return {
    id: 'ipvs-table',
    section: '2, 7',
    title: 'The virtual service in IPVS',
    what: 'ipvsadm -A adds the virtual service with its scheduler; ipvsadm -a adds each real server with its forwarding (-g DR, -m NAT, -i tunnel) and weight (-w: a server of weight N gets N times the share of weight 1). The table is saved to a rules file so it comes back after a reboot or a takeover.',
    why: 'This is the load balancer itself. ipvsadm -L -n shows what the kernel balances; the HOWTO watched it with a loop while testing.',
    commands: [
      {
        title: `The table on ${preferred.name}`,
        hosts: [preferred.name],
        modern: [...ipvsadmLines(cluster), 'ipvsadm -L -n', `ipvsadm -S -n > ${cluster.ipvs.rulesFile}`],
        classic: [
          'while true; do clear; ipvsadm -L -n; sleep 1; done   # watch it',
          'ipvsadm-save -n > /etc/sysconfig/ipvsadm',
        ],
        note: `Debian restores ${cluster.ipvs.rulesFile === '/etc/ipvsadm.rules' ? '/etc/ipvsadm.rules' : 'only /etc/ipvsadm.rules'} at boot when AUTO="true" in /etc/default/ipvsadm; with heartbeat, its ipvsadm-rules resource loads the file on takeover.`,
      },
    ],
    files,
    checks: [ipvsTableCheck(cluster)],
    ...(rules && {
      apply: {
        summary: `Write ${rules.path} on ${rules.hosts.join(', ')} and load it into IPVS on ${preferred.name}`,
        actions,
      },
    }),
  };
}
