import { basename, join } from 'node:path';
import type { DirectorPlan, LabPlan } from '../lab-plan.js';

/**
 * How often mon checks each real server. The HOWTO checks every 1 s (ping) and 3 s (http);
 * each check is a Perl or bash monitor starting on the UML director (about 0.3 s of its CPU),
 * and at the HOWTO's rate mon alone would take 40% of it. An outage is noticed within 10 s.
 */
export const MON_INTERVALS = { ping: '30s', http: '10s' } as const;

/**
 * mon.cf in the HOWTO's shape (docs/howto.md, part 5): one hostgroup per real server, a ping and an http
 * service for each, http depending on ping, `alertevery` and an upalert. Every alert calls the
 * lab's lab.alert (it logs, so a test sees that mon noticed) and the configured script, if any,
 * with the HOWTO's lvs.alert arguments, which the project's slack.alert accepts. The spool of
 * slack.alert goes to the director's own directory (its /var is read-only). No blank line inside a watch:
 * mon drops any service after one.
 */
export function renderMonCf(plan: LabPlan, d: DirectorPlan): string {
  const alerts = ['lab.alert', ...(plan.options.monAlert ? [basename(plan.options.monAlert)] : [])];
  const vs = plan.virtualService;
  const env = {
    LAB_ALERT_LOG: plan.paths.monAlertLog,
    LVS_CHATOPS_SPOOL: join(d.dir, 'spool', 'alerts.jsonl'),
    LVS_CHATOPS_CLUSTER: 'lab',
    ...plan.options.monEnv,
  };
  const lines = [
    `# mon for the lab cluster, run by the active director (${d.name} when it holds the VIP).`,
    `alertdir   = ${plan.paths.alertDir}`,
    'mondir     = /usr/lib/mon/mon.d',
    'statedir   = /var/lib/mon',
    `logdir     = ${join(d.dir, 'log')}`,
    'authfile   = /etc/mon/auth.cf',
    'maxprocs   = 20',
    'histlength = 100',
    'randstart  = 0s',
    'dtlogging  = yes',
    'dtlogfile  = mon-downtime.log',
    '',
  ];
  for (const r of plan.realServers) lines.push(`hostgroup ${r.name} ${r.address}`, '');
  for (const r of plan.realServers) {
    const args = `-P ${vs.protocol} -V ${plan.vip}:${vs.port} -R ${r.address}:${vs.port} -W ${vs.weight} -F ${vs.forwarding}`;
    const service = (
      name: string,
      description: string,
      interval: string,
      monitor: string,
      depend?: string,
    ) => [
      `    service ${name}`,
      `        description ${description}`,
      ...Object.entries(env).map(([k, v]) => `        ${k}=${v}`),
      `        interval ${interval}`,
      `        monitor ${monitor}`,
      ...(depend ? [`        depend ${depend}`] : []),
      '        period wd {Sun-Sat}',
      ...alerts.map((a) => `            alert ${a} ${args}`),
      ...alerts.map((a) => `            upalert ${a} ${args}`),
      '            alertevery 30m',
    ];
    lines.push(
      `watch ${r.name}`,
      ...service('ping', `${r.name} answers ping`, MON_INTERVALS.ping, 'ping.monitor'),
      ...service('http', `${r.name} serves http`, MON_INTERVALS.http, 'http.monitor -t 2', `${r.name}:ping`),
      '',
    );
  }
  return lines.join('\n');
}
