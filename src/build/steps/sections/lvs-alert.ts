import { fileContentCheck } from '../checks.js';
import { filesOf, generated, type StepContext, writeFileActions } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: what lvs.alert did (change the table on mon's alerts), done by the bot with approval; the rules kept on every director. */
export function lvsAlertStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const files = filesOf(ctx, 'ipvsadm-rules');
  const rules = generated(files)[0];
  const auto = cluster.policy.auto.map(
    (a) =>
      `${a.service}: on down ${a.onDown ?? 'nothing'}, on up ${a.onUp ?? 'nothing'} (at most ${a.maxPerServerPerHour} per real server per hour)`,
  );
  const base = {
    id: 'lvs-alert',
    section: '7',
    title: 'Take dead real servers out of the table',
    what: 'The HOWTO’s lvs.alert ran `ipvsadm -d` when mon reported a real server down and `ipvsadm -a` when it came back. Here mon calls slack.alert with the same -P -V -R -W -F arguments; the bot opens an incident, and the policy’s auto actions (or an operator, with approval) run the remove-real-server and restore-real-server playbooks. The rules file is kept the same on every director, so a takeover loads the same table.',
    why: 'Without it a dead web server keeps getting its share of clients. Test it as the HOWTO did: stop the web server on one real server; it leaves `ipvsadm -L -n`, and comes back when started.',
  };
  if (!rules)
    return {
      ...base,
      blocked: files[0] && !files[0].ok ? files[0].problem : 'no rules file',
      commands: [],
      files,
      checks: [],
    };
  return {
    ...base,
    commands: [
      {
        title: 'Policy of this cluster (inventory: policy.auto)',
        hosts: [],
        modern:
          auto.length > 0
            ? auto
            : ['none: alerts open incidents, and people decide (add policy.auto to act on them)'],
        classic: [
          `alert lvs.alert -P tcp -V VIP:80 -R RIP:80 -W 1 -F dr   # and the same as upalert; depend commented out`,
          'ipvsadm-save -n > /etc/sysconfig/ipvsadm',
        ],
      },
      {
        title: 'Keep the rules on every director',
        hosts: rules.hosts,
        modern: [
          `ipvsadm -S -n > ${rules.path}   # on the active director, after every change (the save-rules playbook does it)`,
        ],
      },
    ],
    files,
    checks: [
      fileContentCheck(
        'rules-file',
        `${rules.path} holds the table on every director`,
        rules.hosts,
        rules.path,
        rules.text,
      ),
    ],
    apply: { summary: `Write ${rules.path} on ${rules.hosts.join(', ')}`, actions: writeFileActions(rules) },
  };
}
