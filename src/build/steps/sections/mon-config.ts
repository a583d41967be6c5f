import { monPlacement } from '../../generate/index.js';
import { monWatchCheck } from '../checks.js';
import { filesOf, generated, restartActions, type StepContext, writeFileActions } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: mon.cf in the HOWTO's shape, alerts to slack.alert, mon started. */
export function monConfigStep(ctx: StepContext): BuildStep {
  const { cluster, preferred } = ctx;
  const files = filesOf(ctx, 'mon.cf');
  const monCf = generated(files)[0];
  const check = monWatchCheck(cluster);
  const placement = monPlacement(cluster);
  const monHost =
    cluster.directors.find((d) => placement?.kind === 'directors' && d.name === placement.first) ?? preferred;
  const base = {
    id: 'mon-config',
    section: '5, 7',
    title: 'Configure and start mon',
    what: 'One hostgroup per real server (a group of several hosts shows all of them down when one fails), a ping and an http check each, http depending on ping, alerts every 30 minutes while down, and an upalert when it comes back. Every alert goes to slack.alert with lvs.alert’s -P -V -R -W -F, so the bot knows which table entry is meant. This replaces the HOWTO’s test.alert and the maildown/mailup scripts.',
    why: 'No blank line may appear inside a watch: mon ends the watch there and silently drops what follows (the HOWTO’s warning). The author noted that `restart` did not apply changes: stop and start, or use the package’s restart.',
  };
  if (placement?.kind === 'external' && monCf && check) {
    return {
      ...base,
      commands: [
        {
          title: `On the mon host ${placement.address}`,
          hosts: [],
          modern: ['systemctl restart mon', `moncmd -s 127.0.0.1 -p ${cluster.mon!.port} "list watch"`],
          note: 'mon runs outside the inventory: install the file there by hand; the Check asks it from a director.',
        },
      ],
      files,
      checks: [check],
    };
  }
  if (!monCf || !check) {
    const problem = files.find((f) => !f.ok);
    return {
      ...base,
      blocked: problem && !problem.ok ? problem.problem : 'the inventory has no mon section',
      commands: [],
      files,
      checks: [],
    };
  }
  return {
    ...base,
    commands: [
      {
        title: `Start mon on ${monHost.name}`,
        hosts: [monHost.name],
        modern: [
          ...ctx.services.restart('mon').map((argv) => argv.join(' ')),
          `moncmd -s 127.0.0.1 -p ${cluster.mon!.port} "list watch"`,
          'ps -ef | grep monitor   # monitors show as processes while a host is down',
        ],
        classic: ['mon -f -c /etc/mon/mon.cf', '/etc/rc.d/init.d/mon start'],
        ...(cluster.heartbeat && {
          note: 'With heartbeat (a later step) mon is one of its resources and runs on the active director only.',
        }),
      },
    ],
    files,
    checks: [check],
    apply: {
      summary: `Write mon.cf on ${monCf.hosts.join(', ')} and (re)start mon on ${monHost.name}`,
      actions: [...writeFileActions(monCf), ...restartActions(ctx, 'mon', [monHost.name])],
    },
  };
}
