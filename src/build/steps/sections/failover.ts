import { heartbeatCheck, ipvsTableCheck, vipOnDirectorCheck } from '../checks.js';
import type { StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: what a takeover and a failback look like in ha-log, and how to try one. */
export function failoverStep(ctx: StepContext): BuildStep {
  const { cluster, preferred, standby } = ctx;
  const base = {
    id: 'failover',
    section: '10',
    title: 'Try a failover and a failback',
    what: 'When the master dies the slave logs "node X: is dead", "Taking over resource group", "Acquiring resource group", runs IPaddr start, sends gratuitous ARP for the VIP and logs "mach_down takeover complete". When the master returns: "Heartbeat restart on node X", "Releasing resource group", "IP Address released" on the slave, and the master takes the group back (auto_failback on).',
    why: 'A failover that was never tried is a hope. The bot posts each of these events to Slack from ha-log (lvs-chatops follow-halog), and /lvs failback gives the resources back on demand.',
  };
  const check = heartbeatCheck(cluster);
  if (!standby || !check)
    return {
      ...base,
      blocked: 'a failover needs two directors and the heartbeat section',
      commands: [],
      files: [],
      checks: [],
    };
  return {
    ...base,
    commands: [
      {
        title: `Stop heartbeat on ${preferred.name}, watch ${standby.name} take over`,
        hosts: [preferred.name, standby.name],
        modern: [
          `${preferred.name}: /usr/share/heartbeat/hb_standby   # or: systemctl stop heartbeat`,
          `${standby.name}: tail -f /var/log/ha-log; ipvsadm -L -n`,
          `${preferred.name}: /usr/share/heartbeat/hb_takeover   # or start it again: auto_failback brings the group back`,
        ],
        classic: ['/etc/rc.d/init.d/heartbeat stop', 'tail -f /var/log/ha-log'],
      },
    ],
    files: [],
    checks: [check, vipOnDirectorCheck(cluster), ipvsTableCheck(cluster)],
  };
}
