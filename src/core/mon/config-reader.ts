import { err, ok, type ParseError, type Result } from '../result.js';
import {
  MON_GLOBALS,
  type MonConfig,
  type MonHostgroup,
  type MonOption,
  type MonPeriod,
  type MonService,
  type MonWatch,
} from './config-model.js';
import { monDurationSeconds } from './mon-duration.js';

/** What reading a mon.cf found: the configuration mon would run, and what mon would silently drop or warn about. */
export interface MonConfigRead {
  config: MonConfig;
  warnings: ParseError[];
}

// Perl's \s (mon reads bytes): no Unicode spaces.
const PERL_WS = '[ \\t\\n\\r\\f\\v]';
const TRIM = new RegExp(`^${PERL_WS}+|${PERL_WS}+$`, 'g');
const SPLIT_WS = new RegExp(`${PERL_WS}+`);
const COMMENT = new RegExp(`^${PERL_WS}*#`);
const CONTINUED = new RegExp(`^(.*)\\\\${PERL_WS}*$`);
const LEADING_WS = new RegExp(`^${PERL_WS}*`);

const GLOBAL = /^(\w+)[ \t\n\r\f\v]*=[ \t\n\r\f\v]*(.*)$/;
const HOSTGROUP = /^hostgroup[ \t\n\r\f\v]+([a-zA-Z0-9_.-]+)[ \t\n\r\f\v]*(.*)$/;
const ALIAS = /^alias[ \t\n\r\f\v]+([a-zA-Z0-9_.-]+)[ \t\n\r\f\v]*$/;
const VIEW = /^view[ \t\n\r\f\v]+([a-zA-Z0-9_.-]+)[ \t\n\r\f\v]+(.*)$/;
const WATCH = /^watch[ \t\n\r\f\v]+([a-zA-Z0-9_.-]+)/;
const ENV = /^([A-Z_][A-Z0-9_]*)=(.*)$/;
const KEYWORD = /^(\w+)[ \t\n\r\f\v]*(.*)$/;
const PERIOD_LABEL = /^([a-z_]\w*)[ \t\n\r\f\v]*:[ \t\n\r\f\v]*(.*)$/i;
const SERVICE_NAME = /^[a-zA-Z0-9_.-]+$/;

function splitWords(text: string): string[] {
  return text === '' ? [] : text.split(SPLIT_WS).filter((w) => w !== '');
}

function issue(code: string, line: number, message: string): ParseError {
  return { code, line, message: `line ${line}: ${message}` };
}

function badTime(line: number, key: string, value: string): ParseError {
  return issue(
    'MONCF_BAD_INTERVAL',
    line,
    `${key} '${value}' is not a time mon accepts; write a number and a unit (s, m, h or d), like 30s`,
  );
}

function setOption(options: MonOption[], key: string, value: string): void {
  const existing = options.find((o) => o.key === key);
  if (existing) existing.value = value;
  else options.push({ key, value });
}

/** Validates a `name = value` global the way mon's read_cf does. */
function checkGlobal(name: string, value: string, line: number): ParseError | null {
  if (!(MON_GLOBALS as readonly string[]).includes(name)) {
    return issue('MONCF_UNKNOWN_GLOBAL', line, `unknown variable '${name}' (mon refuses the file)`);
  }
  if (
    ['randstart', 'historictime', 'cltimeout', 'dep_memory'].includes(name) &&
    monDurationSeconds(value) === null
  ) {
    return badTime(line, name, value);
  }
  if (name === 'dep_behavior' && !['m', 'a', 'hm'].includes(value)) {
    return issue('MONCF_BAD_VALUE', line, `dep_behavior '${value}' is not m, a or hm`);
  }
  if (
    name === 'unack_summary' &&
    !/y(es)?/i.test(value) &&
    !/n(o)?/i.test(value) &&
    value !== '0' &&
    value !== '1'
  ) {
    return issue('MONCF_BAD_VALUE', line, `unack_summary '${value}' is not 0, 1, yes or no`);
  }
  return null;
}

function periodKeyword(
  period: MonPeriod,
  service: MonService,
  key: string,
  args: string,
  raw: string,
  line: number,
): ParseError | null {
  switch (key) {
    case 'alert':
      period.alerts.push(args);
      return null;
    case 'upalert':
      period.upalerts.push(args);
      return null;
    case 'ackalert':
    case 'disablealert':
    case 'startupalert':
      period.options.push({ key, value: args });
      return null;
    case 'alertevery': {
      const m =
        /(\S+)\s+observe_detail\s*$/i.exec(args) ??
        /(\S+)\s+ignore_summary\s*$/i.exec(args) ??
        /(\S+)\s+summary/i.exec(args) ??
        /(\S+)\s+strict\s*$/i.exec(args);
      if (!monDurationSeconds(m ? m[1]! : args)) return badTime(line, 'alertevery', args);
      period.alertevery = args;
      return null;
    }
    case 'alertafter': {
      if (/^\d+$/.test(args)) {
        period.alertafter = args;
        return null;
      }
      if (/^\d+[hms]$/.test(args)) {
        if (!monDurationSeconds(args)) return badTime(line, 'alertafter', args);
        period.alertafter = args;
        return null;
      }
      const m = /(\d+)\s+(\d+[hms])$/.exec(args);
      if (!m) {
        return issue(
          'MONCF_BAD_VALUE',
          line,
          `alertafter '${args}' is not N, N TIME or TIME (like 3, 3 10m or 10m)`,
        );
      }
      const interval = service.interval === null ? 0 : (monDurationSeconds(service.interval) ?? 0);
      if ((Number(m[1]) - 1) * interval >= (monDurationSeconds(m[2]!) ?? 0)) {
        return issue(
          'MONCF_ALERTAFTER_NOT_SENSIBLE',
          line,
          `alertafter ${args} cannot fire with interval ${service.interval}: ${m[1]} failures take longer than ${m[2]}`,
        );
      }
      period.alertafter = args;
      return null;
    }
    case 'upalertafter':
      if (!monDurationSeconds(args)) return badTime(line, 'upalertafter', args);
      setOption(period.options, key, args);
      return null;
    case 'numalerts':
      if (!/^\d+$/.test(args))
        return issue('MONCF_BAD_VALUE', line, `numalerts '${args}' is not a whole number`);
      period.numalerts = Number(args);
      return null;
    case 'no_comp_alerts':
    case 'alerts_dont_count':
      setOption(period.options, key, args);
      return null;
    case 'alertexitrange':
      if (!/^\s*(\d+|\d+-\d+)\s*$/.test(args)) {
        return issue('MONCF_BAD_VALUE', line, `alertexitrange '${args}' is not N or N-M`);
      }
      setOption(period.options, key, args);
      return null;
    default:
      return issue(
        'MONCF_UNKNOWN_SYNTAX',
        line,
        `unknown syntax [${raw}]: inside a period only period keywords are allowed (a service keyword after 'period' is refused by mon)`,
      );
  }
}

const TIME_KEYWORDS = new Set([
  'interval',
  'failure_interval',
  'traptimeout',
  'trapduration',
  'randskew',
  'dep_memory',
]);

function serviceKeyword(
  service: MonService,
  key: string,
  args: string,
  raw: string,
  line: number,
): ParseError | null {
  if (TIME_KEYWORDS.has(key) && !monDurationSeconds(args)) return badTime(line, key, args);
  switch (key) {
    case 'interval':
      service.interval = args;
      return null;
    case 'monitor':
      service.monitor = args;
      return null;
    case 'description':
      service.description = args;
      return null;
    case 'depend':
      service.depend = args;
      return null;
    case 'dep_behavior':
      if (!['m', 'a', 'hm'].includes(args))
        return issue('MONCF_BAD_VALUE', line, `dep_behavior '${args}' is not m, a or hm`);
      setOption(service.options, key, args);
      return null;
    case 'unack_summary': {
      const v = /y(es)?/i.test(args) ? '1' : /n(o)?/i.test(args) ? '0' : args;
      if (v !== '0' && v !== '1')
        return issue('MONCF_BAD_VALUE', line, `unack_summary '${args}' is not 0, 1, yes or no`);
      setOption(service.options, key, args);
      return null;
    }
    case 'failure_interval':
    case 'traptimeout':
    case 'trapduration':
    case 'randskew':
    case 'dep_memory':
    case 'redistribute':
    case 'allow_empty_group':
    case 'alertdepend':
    case 'monitordepend':
    case 'hostdepend':
    case 'exclude_hosts':
    case 'exclude_period':
      setOption(service.options, key, args);
      return null;
    default:
      return issue('MONCF_UNKNOWN_SYNTAX', line, `unknown syntax [${raw}]`);
  }
}

/**
 * Reads a mon.cf the way mon 1.3's read_cf does: `#` lines (indented or not) are comments, a
 * trailing `\` continues a line, indentation is ignored, and a blank or whitespace-only line
 * ends the hostgroup or watch, so what follows it up to the next record is dropped by mon
 * (reported here as warnings). What mon refuses is an error with mon's line number.
 */
export function parseMonConfig(text: string): Result<MonConfigRead> {
  const config: MonConfig = { globals: [], hostgroups: [], watches: [] };
  const warnings: ParseError[] = [];
  const physical = text.split('\n');
  let inGroup: MonHostgroup | null = null;
  let inWatch: MonWatch | null = null;
  let inAlias = false;
  let inView = false;
  let service: MonService | null = null;
  let period: MonPeriod | null = null;
  let endedBy: { line: number; what: string } | null = null;
  let acc = '';
  let incomplete = false;
  let lineNum = 0;

  for (const rawPart of physical) {
    lineNum++;
    let part = rawPart;
    if (COMMENT.test(part)) continue;
    if (incomplete) part = part.replace(LEADING_WS, '');
    const cont = CONTINUED.exec(part);
    if (cont) {
      incomplete = true;
      acc += cont[1];
      continue;
    }
    const l = (acc + part).replace(TRIM, '');
    acc = '';
    incomplete = false;

    const global = inWatch ? null : GLOBAL.exec(l);
    if (global) {
      const name = global[1]!;
      const value = global[2]!;
      const e = checkGlobal(name, value, lineNum);
      if (e) return err(e);
      setOption(config.globals, name, value);
      continue;
    }

    if (l === '') {
      if (inWatch || inGroup)
        endedBy = { line: lineNum, what: inWatch ? `watch ${inWatch.group}` : `hostgroup ${inGroup!.name}` };
      inGroup = null;
      inWatch = null;
      inAlias = false;
      inView = false;
      service = null;
      period = null;
      continue;
    }

    const hg = HOSTGROUP.exec(l);
    if (hg) {
      const hosts = splitWords(hg[2]!);
      const existing = config.hostgroups.find((g) => g.name === hg[1]);
      if (existing) existing.hosts = hosts;
      else config.hostgroups.push({ name: hg[1]!, hosts });
      inGroup = existing ?? config.hostgroups.at(-1)!;
      inWatch = null;
      inAlias = false;
      inView = false;
      service = null;
      period = null;
      continue;
    }
    if (inGroup) {
      const words = splitWords(l);
      if (words[0] === 'watch' || words[0] === 'service') {
        warnings.push(
          issue(
            'MONCF_HOSTGROUP_SWALLOWED',
            lineNum,
            `'${l}' is read as host names of hostgroup ${inGroup.name}: a hostgroup needs a blank line after it`,
          ),
        );
      }
      inGroup.hosts.push(...words);
      continue;
    }
    if (ALIAS.test(l)) {
      inAlias = true;
      inWatch = null;
      inView = false;
      continue;
    }
    if (inAlias) continue;
    if (VIEW.test(l)) {
      inView = true;
      inWatch = null;
      continue;
    }
    if (inView) continue;

    const w = WATCH.exec(l);
    if (w) {
      const group = w[1]!;
      if (config.watches.some((x) => x.group === group)) {
        return err(issue('MONCF_DUPLICATE_WATCH', lineNum, `watch '${group}' already defined`));
      }
      if (!config.hostgroups.some((g) => g.name === group)) {
        warnings.push(
          issue(
            'MONCF_WATCH_WITHOUT_HOSTGROUP',
            lineNum,
            `watch ${group} has no hostgroup before it; mon watches the host '${group}'`,
          ),
        );
      }
      inWatch = { group, services: [] };
      config.watches.push(inWatch);
      service = null;
      period = null;
      continue;
    }

    if (!inWatch) {
      const after = endedBy
        ? ` (the blank line on line ${endedBy.line} ended ${endedBy.what}; mon.cf allows no blank line inside a watch)`
        : '';
      warnings.push(
        issue(
          'MONCF_OUTSIDE_RECORD',
          lineNum,
          `mon ignores '${l}': it is outside any hostgroup or watch${after}`,
        ),
      );
      continue;
    }

    const env = ENV.exec(l);
    if (env) {
      if (!service) {
        return err(
          issue('MONCF_ENV_WITHOUT_SERVICE', lineNum, `environment variable ${env[1]} before any service`),
        );
      }
      setOption(service.env, env[1]!, env[2]!);
      continue;
    }
    const kw = KEYWORD.exec(l);
    if (!kw) return err(issue('MONCF_UNKNOWN_SYNTAX', lineNum, `unknown syntax [${l}]`));
    const key = kw[1]!;
    const args = kw[2]!;

    if (key === 'service') {
      if (!SERVICE_NAME.test(args)) {
        return err(
          issue(
            'MONCF_BAD_SERVICE_NAME',
            lineNum,
            `invalid service tag '${args}' (letters, digits, '_', '.', '-')`,
          ),
        );
      }
      if (inWatch.services.some((s) => s.name === args)) {
        return err(
          issue(
            'MONCF_DUPLICATE_SERVICE',
            lineNum,
            `service ${args} already defined for watch group ${inWatch.group}`,
          ),
        );
      }
      service = {
        name: args,
        env: [],
        description: null,
        interval: null,
        monitor: null,
        depend: null,
        options: [],
        periods: [],
      };
      inWatch.services.push(service);
      period = null;
      continue;
    }
    if (!service) {
      return err(
        issue('MONCF_NO_SERVICE', lineNum, `'${l}' in watch ${inWatch.group} before any 'service' line`),
      );
    }
    if (key === 'period') {
      const labelled = PERIOD_LABEL.exec(args);
      const label = labelled ? labelled[1]! : null;
      const spec = labelled ? labelled[2]! : args;
      const id = label ?? spec;
      if (service.periods.some((p) => (p.label ?? p.spec) === id)) {
        return err(
          issue(
            'MONCF_DUPLICATE_PERIOD',
            lineNum,
            `period '${id}' already defined for ${inWatch.group}/${service.name}`,
          ),
        );
      }
      period = {
        label,
        spec,
        alerts: [],
        upalerts: [],
        alertevery: null,
        alertafter: null,
        numalerts: null,
        options: [],
      };
      service.periods.push(period);
      continue;
    }
    const e = period
      ? periodKeyword(period, service, key, args, l, lineNum)
      : serviceKeyword(service, key, args, l, lineNum);
    if (e) return err(e);
  }

  if (incomplete) {
    warnings.push(
      issue(
        'MONCF_DANGLING_CONTINUATION',
        lineNum,
        'the file ends with a \\ continuation; mon drops that line',
      ),
    );
  }
  for (const g of config.hostgroups) {
    if (!config.watches.some((w) => w.group === g.name)) {
      warnings.push({ code: 'MONCF_HOSTGROUP_WITHOUT_WATCH', message: `hostgroup ${g.name} has no watch` });
    }
  }
  return ok({ config, warnings });
}
