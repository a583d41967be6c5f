import type { StepContext } from '../step-context.js';
import type { BuildStep } from '../step-model.js';

/** The guided build's step: mon.cgi, the optional web page; Slack and `/lvs status` do its job here. */
export function monCgiStep(ctx: StepContext): BuildStep {
  const host = ctx.cluster.mon?.host ?? ctx.preferred.name;
  return {
    id: 'mon-cgi',
    section: '6',
    title: 'mon.cgi (optional)',
    optional: true,
    what: 'The HOWTO ran mon.cgi 1.52 on a dedicated Apache on port 9000 (user moncgi, a minimal httpd.conf, DirectoryIndex mon.cgi, Crypt::TripleDES and Math::TrulyRandom, an app secret) to see and acknowledge alerts in a browser, logging in with a mon user (authtype userfile, htpasswd -c /etc/mon/mon.user).',
    why: 'Optional: /lvs status, the incident messages and their Ack buttons show the same in Slack. Skip this step unless you want the web page too.',
    commands: [
      {
        title: `On ${host}, only if you want the web page`,
        hosts: [host],
        modern: [
          'apt-get install apache2 libcgi-pm-perl',
          'htpasswd -c /etc/mon/mon.user USER   # and authtype = userfile, userfile = /etc/mon/mon.user in mon.cf',
        ],
        classic: ['http://IP:9000/mon.cgi   # the HOWTO’s dedicated Apache "moncgi"'],
        note: 'Debian no longer packages mon.cgi; it comes from the mon-contrib sources.',
      },
    ],
    files: [],
    checks: [],
  };
}
