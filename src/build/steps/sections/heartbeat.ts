import { heartbeatCheck, vipOnDirectorCheck } from '../checks.js';
import { filesOf, generated, restartActions, type StepContext, writeFileActions } from '../step-context.js';
import type { ApplyAction, BuildStep } from '../step-model.js';

/** Shown in the authkeys file until Apply makes the real secret. */
export const SECRET_PLACEHOLDER = 'made-when-apply-runs';

/** The guided build's step: heartbeat between the two directors: ha.cf, haresources, authkeys, and the resource script. */
export function heartbeatStep(ctx: StepContext): BuildStep {
  const { cluster, preferred, standby } = ctx;
  const files = [
    ...filesOf(ctx, 'ha.cf'),
    ...filesOf(ctx, 'haresources'),
    // The secret is made when Apply runs: never shown, never in Redis.
    ...filesOf(ctx, 'authkeys', { authSecret: ctx.gen.authSecret ?? SECRET_PLACEHOLDER }),
    ...filesOf(ctx, 'ipvsadm-resource'),
  ];
  const base = {
    id: 'heartbeat',
    section: '8-9',
    title: 'heartbeat between the directors',
    what: 'heartbeat runs on both directors and sends keepalives between them; the preferred director holds one resource group (the VIP, the IPVS table, mon), started left to right on takeover and stopped right to left. ha.cf and haresources are the same on both nodes; authkeys holds a shared secret with mode 600. The node lines match `uname -n`.',
    why: 'Without a second director, a dead director is a dead site. Check: the VIP is on the master and /var/log/ha-log says "Configuration validated. Starting heartbeat".',
  };
  const problem = files.find((f) => !f.ok);
  const check = heartbeatCheck(cluster);
  if (problem && !problem.ok) return { ...base, blocked: problem.problem, commands: [], files, checks: [] };
  if (!standby || !check)
    return { ...base, blocked: 'heartbeat needs two directors', commands: [], files, checks: [] };
  const hosts = [preferred.name, standby.name];
  const written = generated(files);
  const actions: ApplyAction[] = [
    // Debian makes it at boot (tmpfiles); IPaddr fails without it.
    ...hosts.map((host) => ({
      host,
      what: 'make /run/resource-agents',
      argv: ['mkdir', '-p', '/run/resource-agents'],
    })),
    ...written.flatMap((f) => writeFileActions(f, f.kind === 'authkeys')),
    ...restartActions(ctx, 'heartbeat', hosts),
  ];
  return {
    ...base,
    commands: [
      {
        title: 'On both directors',
        hosts,
        modern: [
          'apt-get install heartbeat',
          'systemctl disable --now mon   # heartbeat starts it on the active director',
          ...ctx.services.restart('heartbeat').map((a) => a.join(' ')),
          'cl_status hbstatus; cl_status listnodes; cl_status rscstatus',
          'tail -f /var/log/ha-log',
        ],
        classic: ['/etc/rc.d/init.d/heartbeat start', 'ifconfig   # the VIP on the master'],
        note: `Start ${preferred.name} first; ${standby.name} then finds it alive and stands by.`,
      },
    ],
    files,
    checks: [check, vipOnDirectorCheck(cluster)],
    apply: {
      summary: `Write ha.cf, haresources, authkeys (a new secret, mode 600) and the ipvsadm-rules resource on ${hosts.join(' and ')}, then start heartbeat on both`,
      actions,
      ...(ctx.gen.authSecret === undefined && { secretMadeAtApply: true }),
    },
  };
}
