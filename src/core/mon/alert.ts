import { z } from 'zod';
import { parseHostPort } from '../ipvs/address.js';
import { err, ok, type ParseError, type Result } from '../result.js';
import { type OpStatus, opStatusFromCode } from './opstatus.js';

/** MON_ALERTTYPE's values (mon 1.3's call_alert). */
export const MON_ALERT_TYPES = [
  'failure',
  'up',
  'startup',
  'ack',
  'disable',
  'trap',
  'traptimeout',
  'test',
] as const;
export type MonAlertType = (typeof MON_ALERT_TYPES)[number];

/** The type flag mon puts after `-t` (at most one; none for failure, startup and test alerts). */
const TYPE_FLAGS: Record<string, MonAlertType> = {
  '-u': 'up',
  '-a': 'ack',
  '-D': 'disable',
  '-T': 'trap',
  '-O': 'traptimeout',
};

/** What an alert script receives: its arguments (without argv[0]), environment and stdin. */
export const monAlertInputSchema = z.object({
  argv: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  stdin: z.string(),
});
export type MonAlertInput = z.infer<typeof monAlertInputSchema>;

/** lvs.alert's flags: which real server of which virtual service the alert is about. */
export interface LvsAlertTarget {
  protocol: 'tcp' | 'udp' | null;
  virtual: { address: string; port: number | null } | null;
  real: { address: string; port: number | null } | null;
  weight: number | null;
  forwarding: 'dr' | 'nat' | 'tun' | null;
}

/** The MON_* environment, typed. Times are unix seconds; mon's 0 ("never") is null. */
export interface MonAlertEnv {
  group: string | null;
  service: string | null;
  alertType: MonAlertType | null;
  /** The monitor's exit code. */
  retval: number | null;
  opstatus: OpStatus | null;
  description: string | null;
  lastSummary: string | null;
  /** The last monitor output, all lines. */
  lastOutput: string | null;
  firstFailure: number | null;
  lastFailure: number | null;
  lastSuccess: number | null;
  /** Always empty in mon 1.3 (a bug there); kept for older versions. */
  firstSuccess: number | null;
  /** The ack comment, when the failure was acknowledged. */
  ack: string | null;
  trapIntended: string | null;
  statedir: string | null;
  logdir: string | null;
  cfbasedir: string | null;
}

/** One call of an alert script by mon, as a typed value. */
export interface MonAlertInvocation {
  /** `-g`: the hostgroup (watch). */
  group: string;
  /** `-s`: the service. */
  service: string;
  /** `-h`: the group's enabled hosts (one argument, space separated). */
  hosts: string[];
  /** `-t`: when mon called the alert (unix seconds), not when the failure began. */
  time: number;
  /** The type flag mon passed (-u, -a, -D, -T, -O), or null. */
  flag: MonAlertType | null;
  /** What kind of alert: MON_ALERTTYPE when set, else from the flag, else failure. */
  type: MonAlertType;
  /** The mon.cf alert line's own arguments, lvs.alert flags taken out. */
  args: string[];
  /** lvs.alert's -P -V -R -W -F, when any was given. */
  lvs: LvsAlertTarget | null;
  env: MonAlertEnv;
  /** Variables other than MON_* that were passed in (mon.cf's per-service `VAR=value`). */
  otherEnv: Record<string, string>;
  /** Line 1 of stdin: the monitor's summary (for an ack alert `user: comment`). */
  summary: string;
  /** The rest of stdin: the monitor's detail. */
  detail: string;
}

function bad(code: string, message: string): ParseError {
  return { code, message };
}

function unixTime(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,12}$/.test(text)) return null;
  const n = Number(text);
  return n === 0 ? null : n;
}

function text(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function parseEnv(env: Record<string, string>): Result<MonAlertEnv> {
  const alertType = env.MON_ALERTTYPE;
  if (
    alertType !== undefined &&
    alertType !== '' &&
    !(MON_ALERT_TYPES as readonly string[]).includes(alertType)
  ) {
    return err(
      bad('MON_ALERT_BAD_ENV', `MON_ALERTTYPE '${alertType}' is not one of ${MON_ALERT_TYPES.join(', ')}`),
    );
  }
  const retval = env.MON_RETVAL;
  if (retval !== undefined && retval !== '' && !/^-?\d{1,5}$/.test(retval)) {
    return err(bad('MON_ALERT_BAD_ENV', `MON_RETVAL '${retval}' is not an exit code`));
  }
  const opstatus = env.MON_OPSTATUS;
  const op = opstatus === undefined || opstatus === '' ? null : opStatusFromCode(opstatus);
  if (opstatus !== undefined && opstatus !== '' && !op) {
    return err(bad('MON_ALERT_BAD_ENV', `MON_OPSTATUS '${opstatus}' is not an operational status (0 to 9)`));
  }
  return ok({
    group: text(env.MON_GROUP),
    service: text(env.MON_SERVICE),
    alertType: text(alertType) as MonAlertType | null,
    retval: retval === undefined || retval === '' ? null : Number(retval),
    opstatus: op,
    description: text(env.MON_DESCRIPTION),
    lastSummary: text(env.MON_LAST_SUMMARY),
    lastOutput: text(env.MON_LAST_OUTPUT),
    firstFailure: unixTime(env.MON_FIRST_FAILURE),
    lastFailure: unixTime(env.MON_LAST_FAILURE),
    lastSuccess: unixTime(env.MON_LAST_SUCCESS),
    firstSuccess: unixTime(env.MON_FIRST_SUCCESS),
    ack: text(env.MON_ACK),
    trapIntended: text(env.MON_TRAP_INTENDED),
    statedir: text(env.MON_STATEDIR),
    logdir: text(env.MON_LOGDIR),
    cfbasedir: text(env.MON_CFBASEDIR),
  });
}

function hostPort(value: string, flag: string): Result<{ address: string; port: number | null }> {
  const hasPort = value.startsWith('[') ? value.includes(']:') : value.includes(':') && !value.includes('::');
  const hp = parseHostPort(value, flag, false);
  if (!hp.ok)
    return err(
      bad('MON_ALERT_BAD_LVS_FLAG', `${flag} '${value}' is not ADDRESS[:PORT] (${hp.error.message})`),
    );
  if (hasPort && hp.value.port === 0) return err(bad('MON_ALERT_BAD_LVS_FLAG', `${flag} '${value}': port 0`));
  return ok({ address: hp.value.address, port: hasPort ? hp.value.port : null });
}

function lvsTarget(values: Map<string, string>): Result<LvsAlertTarget | null> {
  if (values.size === 0) return ok(null);
  const target: LvsAlertTarget = {
    protocol: null,
    virtual: null,
    real: null,
    weight: null,
    forwarding: null,
  };
  const p = values.get('-P');
  if (p !== undefined) {
    const lower = p.toLowerCase();
    if (lower !== 'tcp' && lower !== 'udp')
      return err(bad('MON_ALERT_BAD_LVS_FLAG', `-P '${p}' is not tcp or udp`));
    target.protocol = lower;
  }
  const v = values.get('-V');
  if (v !== undefined) {
    const hp = hostPort(v, '-V');
    if (!hp.ok) return hp;
    target.virtual = hp.value;
  }
  const r = values.get('-R');
  if (r !== undefined) {
    const hp = hostPort(r, '-R');
    if (!hp.ok) return hp;
    target.real = hp.value;
  }
  const w = values.get('-W');
  if (w !== undefined) {
    if (!/^\d{1,5}$/.test(w) || Number(w) > 65535) {
      return err(bad('MON_ALERT_BAD_LVS_FLAG', `-W '${w}' is not a weight (0 to 65535)`));
    }
    target.weight = Number(w);
  }
  const f = values.get('-F');
  if (f !== undefined) {
    const lower = f.toLowerCase();
    if (lower !== 'dr' && lower !== 'nat' && lower !== 'tun') {
      return err(bad('MON_ALERT_BAD_LVS_FLAG', `-F '${f}' is not dr, nat or tun`));
    }
    target.forwarding = lower;
  }
  return ok(target);
}

const MON_OPTIONS = new Set(['-s', '-g', '-h', '-t']);
const LVS_OPTIONS = new Set(['-P', '-V', '-R', '-W', '-F']);

/**
 * An alert script's call by mon as a typed value. mon passes
 * `-s SERVICE -g GROUP -h "HOSTS" -t TIME [-u|-a|-D|-T|-O] [user args…]`; options are taken
 * wherever they stand (as slack.alert's getopt does), `--` ends them, and lvs.alert's
 * `-P -V -R -W -F` are taken out of the user args. Never throws.
 */
export function parseMonAlert(input: MonAlertInput): Result<MonAlertInvocation> {
  const mon = new Map<string, string>();
  const lvs = new Map<string, string>();
  const args: string[] = [];
  let flag: MonAlertType | null = null;
  const argv = input.argv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (MON_OPTIONS.has(a) || LVS_OPTIONS.has(a)) {
      const value = argv[i + 1];
      if (value === undefined) return err(bad('MON_ALERT_MISSING_VALUE', `${a} needs a value`));
      (MON_OPTIONS.has(a) ? mon : lvs).set(a, value);
      i++;
    } else if (TYPE_FLAGS[a]) {
      flag = TYPE_FLAGS[a];
    } else {
      args.push(a);
    }
  }
  for (const [o, what] of [
    ['-s', 'the service'],
    ['-g', 'the group'],
    ['-t', 'the time'],
  ] as const) {
    if (!mon.get(o)) {
      return err(
        bad('MON_ALERT_MISSING_OPTION', `${o} (${what}) is missing; mon always passes -s, -g, -h and -t`),
      );
    }
  }
  const time = mon.get('-t')!;
  if (!/^\d{1,12}$/.test(time)) return err(bad('MON_ALERT_BAD_TIME', `-t '${time}' is not a unix time`));
  const env = parseEnv(input.env);
  if (!env.ok) return env;
  const target = lvsTarget(lvs);
  if (!target.ok) return target;
  const otherEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.env)) if (!k.startsWith('MON_')) otherEnv[k] = v;
  const newline = input.stdin.indexOf('\n');
  return ok({
    group: mon.get('-g')!,
    service: mon.get('-s')!,
    hosts: (mon.get('-h') ?? '').split(/\s+/).filter(Boolean),
    time: Number(time),
    flag,
    type: env.value.alertType ?? flag ?? 'failure',
    args,
    lvs: target.value,
    env: env.value,
    otherEnv,
    summary: newline < 0 ? input.stdin : input.stdin.slice(0, newline),
    detail: newline < 0 ? '' : input.stdin.slice(newline + 1),
  });
}
