import type { GenerateOptions } from '../generate/index.js';

/** The daemons a build step starts or restarts. */
export type BuildService = 'mon' | 'heartbeat';

/** How a host's daemons are started: argv lists, run in order. */
export interface ServiceControl {
  name: string;
  restart: (service: BuildService) => string[][];
}

/** Debian 12 and every systemd distribution. */
export const SYSTEMD: ServiceControl = {
  name: 'systemd',
  restart: (service) => [['systemctl', 'restart', service]],
};

/** The HOWTO's /etc/rc.d/init.d scripts; Debian still ships them as /etc/init.d. */
export const SYSV: ServiceControl = {
  name: 'sysv',
  restart: (service) => [[`/etc/init.d/${service}`, 'restart']],
};

/** What the inventory does not say about the hosts, with defaults for a Debian 12 cluster. */
export interface BuildOptions {
  /** Passed to the generators (the bot's URL for slack.alert, mon's directories, heartbeat's resources). */
  gen?: GenerateOptions;
  /** The director's device for the VIP (default: heartbeat's interface, else eth0). */
  vipInterface?: string;
  /** How mon and heartbeat are (re)started (default systemd). */
  services?: ServiceControl;
  /** contrib/mon/slack.alert's text: with it, Apply installs the alert script in mon's alertdir. */
  slackAlert?: string;
}
