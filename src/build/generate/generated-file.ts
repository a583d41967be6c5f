/**
 * One generated configuration file: its text, where it goes, on which hosts, with which mode.
 * Generators are pure functions of the inventory (and a few options); writing the file is
 * the CLI's or the build's Apply's business.
 */
export interface GeneratedFile {
  /** The kind it was generated as (`mon.cf`, `ha.cf`, …). */
  kind: string;
  /** Where the file goes on the hosts (absolute path). */
  path: string;
  /** Inventory names of the hosts it goes on. */
  hosts: string[];
  /** File mode, e.g. 0o600 for authkeys. */
  mode: number;
  text: string;
  /** What the operator must know when installing it (a secret inside, a companion file, …). */
  notes: string[];
}

/** Options a few generators take; everything else comes from the inventory. */
export interface GenerateOptions {
  /** Only the files for this host (an inventory name). */
  host?: string;
  /** mon.cf: the bot's URL for slack.alert (`LVS_CHATOPS_URL`); else slack.alert reads alert.conf. */
  alertUrl?: string;
  /** mon.cf: the alert scripts every alert and upalert calls (default `['slack.alert']`). */
  alertScripts?: string[];
  /** mon.cf: more `VAR=value` lines per service (the lab's spool path, …). */
  monEnv?: Record<string, string>;
  /** mon.cf: global directories, when not Debian's (`alertdir`, `mondir`, `logdir`, `statedir`, `authfile`). */
  monDirs?: Partial<Record<'alertdir' | 'mondir' | 'logdir' | 'statedir' | 'authfile', string>>;
  /** mon.cf: how often the ping and the service checks run (mon times, like `10s`). */
  monIntervals?: { ping?: string; service?: string };
  /** mon.cf: `ping.monitor` (iputils ping; Debian's default) or `fping.monitor` (needs the fping package). */
  pingMonitor?: 'ping.monitor' | 'fping.monitor';
  /** authkeys: the shared secret (both directors need the same file). Required for authkeys. */
  authSecret?: string;
  /** ha.cf: where heartbeat logs (default the HOWTO's /var/log/ha-log and /var/log/ha-debug). */
  haLogDir?: string;
  /**
   * haresources: what the group holds after the VIP(s). Default: `ipvsadm-rules::RULESFILE`
   * (the resource script `gen ipvsadm-resource` writes) and `mon` (Debian's init script).
   */
  haResources?: string[];
}
