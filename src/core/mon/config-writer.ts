import { err, ok, type ParseError, type Result } from '../result.js';
import {
  MON_GLOBALS,
  MON_PERIOD_KEYWORDS,
  MON_SERVICE_KEYWORDS,
  type MonConfig,
  type MonOption,
  type MonPeriod,
  type MonService,
} from './config-model.js';
import { parseMonConfig } from './config-reader.js';
import { monDurationSeconds } from './mon-duration.js';

const NAME = /^[a-zA-Z0-9_.-]+$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const LABEL = /^[a-z_]\w*$/i;

function invalid(path: string, message: string): ParseError {
  return { code: 'MONCF_INVALID', message: `${path}: ${message}` };
}

/**
 * A value that mon reads back unchanged on one line: no line break, no surrounding
 * whitespace (mon strips it), no trailing backslash (mon would join the next line).
 */
function checkValue(path: string, value: string, allowEmpty = false): ParseError | null {
  if (/[\r\n\f\v]/.test(value)) return invalid(path, 'a value cannot span lines in mon.cf');
  if (value !== value.trim()) return invalid(path, 'leading or trailing whitespace would be lost');
  if (value.endsWith('\\')) return invalid(path, 'a trailing \\ would join the next line');
  if (!allowEmpty && value === '') return invalid(path, 'is empty');
  return null;
}

function checkTime(path: string, value: string): ParseError | null {
  return monDurationSeconds(value)
    ? null
    : invalid(path, `'${value}' is not a mon time (a number and s, m, h or d, like 30s)`);
}

function checkOptions(
  path: string,
  options: MonOption[],
  allowed: readonly string[],
  typed: string[],
): ParseError | null {
  const seen = new Set<string>();
  for (const [i, o] of options.entries()) {
    const p = `${path}[${i}]`;
    if (!allowed.includes(o.key) || typed.includes(o.key)) {
      return invalid(
        `${p}.key`,
        `'${o.key}' is not one of ${allowed.filter((k) => !typed.includes(k)).join(', ')}`,
      );
    }
    const repeatable = ['ackalert', 'disablealert', 'startupalert'].includes(o.key);
    if (!repeatable && seen.has(o.key)) return invalid(`${p}.key`, `'${o.key}' is given twice`);
    seen.add(o.key);
    const e = checkValue(
      `${p}.value`,
      o.value,
      ['no_comp_alerts', 'alerts_dont_count', 'allow_empty_group'].includes(o.key),
    );
    if (e) return e;
  }
  return null;
}

function checkPeriod(path: string, p: MonPeriod): ParseError | null {
  if (p.label !== null && !LABEL.test(p.label))
    return invalid(`${path}.label`, `'${p.label}' is not a period label (letters, digits, '_')`);
  const e = checkValue(`${path}.spec`, p.spec);
  if (e) return e;
  // A spec that looks like `word: …` would be read back as a label.
  if (p.label === null && /^[a-z_]\w*\s*:/i.test(p.spec))
    return invalid(`${path}.spec`, 'would be read as a label; set label instead');
  for (const [i, a] of p.alerts.entries()) {
    const x = checkValue(`${path}.alerts[${i}]`, a);
    if (x) return x;
  }
  for (const [i, a] of p.upalerts.entries()) {
    const x = checkValue(`${path}.upalerts[${i}]`, a);
    if (x) return x;
  }
  if (p.alertevery !== null) {
    const m = /^(\S+)(\s+(observe_detail|ignore_summary|strict))?$/.exec(p.alertevery);
    if (!m || !monDurationSeconds(m[1]!)) {
      return invalid(
        `${path}.alertevery`,
        `'${p.alertevery}' is not TIME [observe_detail|ignore_summary|strict]`,
      );
    }
  }
  if (p.alertafter !== null && !/^(\d+|\d+[hms]|\d+\s+\d+[hms])$/.test(p.alertafter)) {
    return invalid(`${path}.alertafter`, `'${p.alertafter}' is not N, N TIME or TIME (like 3, 3 10m or 10m)`);
  }
  if (p.numalerts !== null && (!Number.isInteger(p.numalerts) || p.numalerts < 0)) {
    return invalid(`${path}.numalerts`, 'is not a whole number');
  }
  return checkOptions(`${path}.options`, p.options, MON_PERIOD_KEYWORDS, [
    'alert',
    'upalert',
    'alertevery',
    'alertafter',
    'numalerts',
  ]);
}

function checkService(path: string, s: MonService): ParseError | null {
  if (!NAME.test(s.name))
    return invalid(`${path}.name`, `'${s.name}' is not a service name (letters, digits, '_', '.', '-')`);
  for (const [i, e] of s.env.entries()) {
    if (!ENV_NAME.test(e.key))
      return invalid(`${path}.env[${i}].key`, `'${e.key}' is not an environment name (A-Z, 0-9, _)`);
    const x = checkValue(`${path}.env[${i}].value`, e.value, true);
    if (x) return x;
  }
  if (new Set(s.env.map((e) => e.key)).size !== s.env.length)
    return invalid(`${path}.env`, 'a variable is given twice');
  for (const key of ['description', 'interval', 'monitor', 'depend'] as const) {
    const v = s[key];
    if (v !== null) {
      const x = checkValue(`${path}.${key}`, v, key === 'description');
      if (x) return x;
    }
  }
  if (s.interval !== null) {
    const x = checkTime(`${path}.interval`, s.interval);
    if (x) return x;
  }
  const o = checkOptions(`${path}.options`, s.options, MON_SERVICE_KEYWORDS, [
    'interval',
    'monitor',
    'description',
    'depend',
  ]);
  if (o) return o;
  const labels = new Set<string>();
  for (const [i, p] of s.periods.entries()) {
    const x = checkPeriod(`${path}.periods[${i}]`, p);
    if (x) return x;
    const id = p.label ?? p.spec;
    if (labels.has(id)) return invalid(`${path}.periods[${i}]`, `period '${id}' is given twice`);
    labels.add(id);
  }
  return null;
}

function check(config: MonConfig): ParseError | null {
  for (const [i, g] of config.globals.entries()) {
    if (!(MON_GLOBALS as readonly string[]).includes(g.key)) {
      return invalid(`globals[${i}].key`, `'${g.key}' is not a mon global (${MON_GLOBALS.join(', ')})`);
    }
    const x = checkValue(`globals[${i}].value`, g.value, true);
    if (x) return x;
  }
  const groups = new Set<string>();
  for (const [i, g] of config.hostgroups.entries()) {
    if (!NAME.test(g.name))
      return invalid(
        `hostgroups[${i}].name`,
        `'${g.name}' is not a group name (letters, digits, '_', '.', '-')`,
      );
    if (groups.has(g.name)) return invalid(`hostgroups[${i}].name`, `hostgroup ${g.name} is given twice`);
    groups.add(g.name);
    for (const [j, h] of g.hosts.entries()) {
      if (!/^[^\s#\\]+$/.test(h))
        return invalid(`hostgroups[${i}].hosts[${j}]`, `'${h}' is not a host name or address`);
    }
  }
  const watches = new Set<string>();
  for (const [i, w] of config.watches.entries()) {
    if (!NAME.test(w.group)) return invalid(`watches[${i}].group`, `'${w.group}' is not a group name`);
    if (watches.has(w.group)) return invalid(`watches[${i}].group`, `watch ${w.group} is given twice`);
    watches.add(w.group);
    const names = new Set<string>();
    for (const [j, s] of w.services.entries()) {
      const x = checkService(`watches[${i}].services[${j}]`, s);
      if (x) return x;
      if (names.has(s.name))
        return invalid(`watches[${i}].services[${j}].name`, `service ${s.name} is given twice`);
      names.add(s.name);
    }
  }
  return null;
}

/**
 * Writes a mon.cf that mon reads back as exactly this configuration: globals, then each
 * hostgroup and watch followed by one blank line. A blank line ends a watch in mon.cf, so
 * none is ever written inside one. Values that mon would read differently are refused.
 */
export function formatMonConfig(config: MonConfig): Result<string> {
  const e = check(config);
  if (e) return err(e);
  const out: string[] = [];
  for (const g of config.globals) out.push(g.value === '' ? `${g.key} =` : `${g.key} = ${g.value}`);
  if (config.globals.length > 0) out.push('');
  for (const g of config.hostgroups) {
    out.push(['hostgroup', g.name, ...g.hosts].join(' '));
    out.push('');
  }
  for (const w of config.watches) {
    out.push(`watch ${w.group}`);
    for (const s of w.services) {
      out.push(`    service ${s.name}`);
      for (const v of s.env) out.push(`        ${v.key}=${v.value}`);
      if (s.description !== null) out.push(`        description ${s.description}`);
      if (s.interval !== null) out.push(`        interval ${s.interval}`);
      if (s.monitor !== null) out.push(`        monitor ${s.monitor}`);
      if (s.depend !== null) out.push(`        depend ${s.depend}`);
      for (const o of s.options)
        out.push(o.value === '' ? `        ${o.key}` : `        ${o.key} ${o.value}`);
      for (const p of s.periods) {
        out.push(`        period ${p.label === null ? p.spec : `${p.label}: ${p.spec}`}`);
        for (const a of p.alerts) out.push(`            alert ${a}`);
        for (const a of p.upalerts) out.push(`            upalert ${a}`);
        if (p.alertevery !== null) out.push(`            alertevery ${p.alertevery}`);
        if (p.alertafter !== null) out.push(`            alertafter ${p.alertafter}`);
        if (p.numalerts !== null) out.push(`            numalerts ${p.numalerts}`);
        for (const o of p.options)
          out.push(o.value === '' ? `            ${o.key}` : `            ${o.key} ${o.value}`);
      }
    }
    out.push('');
  }
  const text = out.length > 0 ? `${out.join('\n')}\n` : '';
  // What mon itself would refuse (a time it cannot read, an alertafter that can never fire, …)
  // is found by reading the text back exactly as mon would.
  const back = parseMonConfig(text);
  if (!back.ok)
    return err({
      code: 'MONCF_INVALID',
      message: `mon would refuse this configuration: ${back.error.message}`,
    });
  return ok(text);
}
