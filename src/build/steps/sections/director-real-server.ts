import type { StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: a slave director that also serves web traffic while it stands by. */
export function directorRealServerStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const both = cluster.directors.filter((d) => cluster.realServers.some((r) => r.address === d.address));
  const base = {
    id: 'director-real-server',
    section: '11-13',
    title: 'A standby director that is also a real server',
    what: 'In the HOWTO the slave director also served web pages: normally it holds the VIP on lo:0 with hidden=1 like any real server. On takeover lo:0 goes down and hidden becomes 0 before the VIP comes up on eth0:0; on failback eth0:0 goes down, lo:0 comes back with its host route and hidden=1, and it serves again. The HOWTO changed the IPaddr resource and the heartbeat init script for this.',
    why: 'It saves a machine, at the price of resource scripts that differ from the package’s. Modern setups usually keep directors and real servers apart.',
  };
  if (both.length === 0) {
    return {
      ...base,
      optional: true,
      blocked: `not used in cluster ${cluster.name}: no director is also a real server (skip this step)`,
      commands: [],
      files: [],
      checks: [],
    };
  }
  return {
    ...base,
    optional: true,
    commands: [
      {
        title: 'On the director that is also a real server',
        hosts: both.map((d) => d.name),
        modern: [
          'takeover: ip addr del VIP/32 dev lo; sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0; then IPaddr start',
          'failback: IPaddr stop; sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2; ip addr add VIP/32 dev lo label lo:0',
        ],
        classic: [
          'ifconfig lo:0 down; echo 0 > /proc/sys/net/ipv4/conf/all/hidden',
          'ifconfig lo:0 VIP netmask 255.255.255.255 up; route add -host VIP dev lo:0; echo 1 > /proc/sys/net/ipv4/conf/all/hidden',
        ],
        note: 'Write these as a resource script listed before IPaddr in haresources rather than editing the package’s scripts.',
      },
    ],
    files: [],
    checks: [],
  };
}
