import { posix } from 'node:path';
import { MON_DEFAULT_DIRS } from '../../generate/index.js';
import { filesPresentCheck } from '../checks.js';
import { directorNames, type StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: mon (and the alert script that replaces the HOWTO's mailers) on the directors. */
export function monInstallStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const dirs = { ...MON_DEFAULT_DIRS, ...ctx.gen.monDirs };
  const hosts = directorNames(cluster);
  const slackAlert = posix.join(dirs.alertdir, 'slack.alert');
  const base = {
    id: 'mon-install',
    section: '4',
    title: 'Install mon',
    what: 'mon watches the real servers and calls alert scripts when one fails or comes back. The HOWTO built Perl modules from CPAN and unpacked mon 0.99.2 by hand; the distribution package brings mon 1.3 with its monitors (ping, http, tcp) and init script. slack.alert (contrib/mon) is the alert script that tells the bot.',
    why: 'The HOWTO runs mon on the director (or better a separate host); with heartbeat, mon runs on whichever director is active.',
  };
  if (cluster.mon === undefined) {
    return {
      ...base,
      blocked: `cluster ${cluster.name} has no mon section: add clusters[${cluster.name}].mon with host (the director mon runs on)`,
      commands: [],
      files: [],
      checks: [],
    };
  }
  const paths = [
    '/usr/sbin/mon',
    '/usr/bin/moncmd',
    posix.join(dirs.mondir, 'ping.monitor'),
    posix.join(dirs.mondir, 'http.monitor'),
    slackAlert,
  ];
  return {
    ...base,
    commands: [
      {
        title: 'On each director',
        hosts,
        modern: [
          'apt-get install mon',
          `install -m 755 contrib/mon/slack.alert ${slackAlert}`,
          'install -d -m 750 -o root -g mon /etc/lvs-chatops',
          'install -m 640 -o root -g mon contrib/alert.conf.example /etc/lvs-chatops/alert.conf   # the URL and the token',
          'grep -w 2583 /etc/services',
        ],
        classic: [
          'cd /usr/include && h2ph *.h sys/*.h asm/*.h',
          'perl -MCPAN -e shell   # install Time::Period Time::HiRes Convert::BER Mon::Client Mon::Protocol Mon::SNMP',
          'tar xzf mon-0.99.2.tar.gz && mv mon-0.99.2 /usr/lib/mon && mkdir /etc/mon /var/log/mon',
          'cp /usr/lib/mon/etc/auth.cf /usr/lib/mon/etc/example.cf /etc/mon/',
          'echo "mon 2583/tcp" >> /etc/services; echo "mon 2583/udp" >> /etc/services',
        ],
        note: 'Debian’s mon already lists port 2583 in /etc/services and ships the init script (mon -f -c /etc/mon/mon.cf).',
      },
    ],
    files: [],
    checks: [
      filesPresentCheck(
        'mon-installed',
        'mon, its monitors and slack.alert are installed',
        Object.fromEntries(hosts.map((h) => [h, paths])),
      ),
    ],
    ...(ctx.options.slackAlert !== undefined && {
      apply: {
        summary: `Install slack.alert in ${dirs.alertdir} on ${hosts.join(', ')}`,
        actions: hosts.map((host) => ({
          host,
          what: `write ${slackAlert} (mode 755)`,
          argv: ['install', '-D', '-m', '0755', '/proc/self/fd/0', slackAlert],
          stdin: ctx.options.slackAlert!,
          file: { path: slackAlert, mode: 0o755 },
        })),
      },
    }),
  };
}
