/** A keyword line kept as written: `key value`. */
export interface MonOption {
  key: string;
  value: string;
}

/** `period [label:] SPEC` and its keywords. */
export interface MonPeriod {
  /** The `label:` before the spec, or null (mon then names the period by its spec). */
  label: string | null;
  /** A Time::Period spec, e.g. `wd {Mon-Fri} hr {7am-10pm}`. */
  spec: string;
  /** `alert SCRIPT ARGS…`, in order. */
  alerts: string[];
  /** `upalert SCRIPT ARGS…`, in order. */
  upalerts: string[];
  /** `alertevery 1h [observe_detail|ignore_summary|strict]`. */
  alertevery: string | null;
  /** `alertafter N`, `alertafter N T` or `alertafter T`. */
  alertafter: string | null;
  numalerts: number | null;
  /** The other period keywords (ackalert, disablealert, startupalert, upalertafter, no_comp_alerts, …), in order. */
  options: MonOption[];
}

export interface MonService {
  name: string;
  /** `VAR=value` lines, passed to the monitor and alerts as environment. */
  env: MonOption[];
  description: string | null;
  /** `interval 30s`: as written (mon needs a unit). */
  interval: string | null;
  /** `monitor SCRIPT ARGS…` (mon appends the hosts unless it ends with ` ;;`). */
  monitor: string | null;
  /** `depend EXPR` as written (mon replaces `SELF:` by the watch's group). */
  depend: string | null;
  /** The other service keywords (failure_interval, dep_behavior, exclude_hosts, …), in order. */
  options: MonOption[];
  periods: MonPeriod[];
}

export interface MonWatch {
  group: string;
  services: MonService[];
}

export interface MonHostgroup {
  name: string;
  hosts: string[];
}

/** A mon.cf: globals (`name = value`), hostgroups and watches. Alias and view records are not modelled. */
export interface MonConfig {
  globals: MonOption[];
  hostgroups: MonHostgroup[];
  watches: MonWatch[];
}

/** Global variables mon 1.3's read_cf knows; any other `name = value` is an error there. */
export const MON_GLOBALS = [
  'alertdir',
  'basedir',
  'cfbasedir',
  'mondir',
  'logdir',
  'histlength',
  'serverport',
  'trapport',
  'serverbind',
  'clientallow',
  'trapbind',
  'pidfile',
  'randstart',
  'maxprocs',
  'statedir',
  'authfile',
  'authtype',
  'pamservice',
  'userfile',
  'historicfile',
  'historictime',
  'cltimeout',
  'monerrfile',
  'dtlogfile',
  'dtlogging',
  'dep_recur_limit',
  'dep_behavior',
  'dep_memory',
  'unack_summary',
  'syslog_facility',
  'startupalerts_on_reset',
  'monremote',
  'exclude_period',
] as const;

/** Service keywords mon accepts before the first `period` (besides service, period and VAR=value). */
export const MON_SERVICE_KEYWORDS = [
  'interval',
  'failure_interval',
  'monitor',
  'redistribute',
  'allow_empty_group',
  'description',
  'unack_summary',
  'traptimeout',
  'trapduration',
  'randskew',
  'dep_behavior',
  'dep_memory',
  'depend',
  'alertdepend',
  'monitordepend',
  'hostdepend',
  'exclude_hosts',
  'exclude_period',
] as const;

/** Keywords mon accepts inside a period. */
export const MON_PERIOD_KEYWORDS = [
  'alert',
  'ackalert',
  'disablealert',
  'upalert',
  'startupalert',
  'alertevery',
  'alertafter',
  'upalertafter',
  'numalerts',
  'no_comp_alerts',
  'alerts_dont_count',
  'alertexitrange',
] as const;
