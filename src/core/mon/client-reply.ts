import { err, ok, type Result } from '../result.js';
import { type OpStatus, opStatusFromCode } from './opstatus.js';

/** The last line of every mon reply: `220 list opstatus completed`, `520 …`, `530 login unsuccessful`. */
export interface MonStatusLine {
  code: number;
  ok: boolean;
  text: string;
}

export interface MonReply {
  status: MonStatusLine;
  /** The lines before the status line. */
  body: string[];
}

const STATUS = /^([25]\d\d) (.*)$/;

/**
 * A reply of mon's client protocol (or moncmd's output): body lines, then the status line
 * (`2xx` success, `5xx` failure). moncmd exits 0 even on 5xx, so this line is the truth.
 */
export function parseMonReply(text: string): Result<MonReply> {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const last = lines.at(-1) ?? '';
  const m = STATUS.exec(last);
  if (!m) {
    return err({
      code: 'MON_REPLY_NO_STATUS',
      message: `no status line (2xx/5xx) at the end of mon's reply: '${last}'`,
    });
  }
  const code = Number(m[1]);
  return ok({ status: { code, ok: code < 300, text: m[2]! }, body: lines.slice(0, -1) });
}

function successful(text: string): Result<string[]> {
  const r = parseMonReply(text);
  if (!r.ok) return r;
  if (!r.value.status.ok) {
    return err({
      code: 'MON_COMMAND_FAILED',
      message: `mon answered ${r.value.status.code} ${r.value.status.text}`,
    });
  }
  return ok(r.value.body);
}

/** mon's escaping of values in replies: bytes ≤ 32, > 126, `"` and `'` as `\xx` hex. */
export function unescapeMonValue(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else bytes.push(...new TextEncoder().encode(text[i]!));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** One service's line of `list opstatus` (or `list failures`). */
export interface MonServiceStatus {
  group: string;
  service: string;
  opstatus: OpStatus | null;
  lastOpstatus: OpStatus | null;
  /** The monitor's last exit value; null before its first run (`undef`). */
  exitval: number | null;
  /** Unix seconds; null for mon's 0 ("never"). */
  lastSuccess: number | null;
  lastFailure: number | null;
  firstFailure: number | null;
  lastCheck: number | null;
  lastAlert: number | null;
  /** Seconds the service has been failing, when it is. */
  failureDuration: number | null;
  acked: boolean;
  ackComment: string;
  alertsSent: number;
  depend: string;
  monitor: string;
  lastSummary: string;
  lastDetail: string;
  /** Seconds between monitor runs. */
  interval: number | null;
  monitorRunning: boolean;
  /** Every key=value of the line, unescaped, for what is not modelled above. */
  fields: Record<string, string>;
}

function time(v: string | undefined): number | null {
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n === 0 ? null : n;
}

function int(v: string | undefined): number | null {
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null;
}

function parseStatusLine(line: string, n: number): Result<MonServiceStatus> {
  const fields: Record<string, string> = {};
  for (const pair of line.split(' ')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0)
      return err({ code: 'MON_REPLY_BAD_LINE', line: n, message: `line ${n}: '${pair}' is not key=value` });
    fields[pair.slice(0, eq)] = unescapeMonValue(pair.slice(eq + 1));
  }
  const group = fields.group;
  const service = fields.service;
  if (!group || !service) {
    return err({ code: 'MON_REPLY_BAD_LINE', line: n, message: `line ${n}: no group= and service=` });
  }
  return ok({
    group,
    service,
    opstatus: opStatusFromCode(fields.opstatus ?? ''),
    lastOpstatus: opStatusFromCode(fields.last_opstatus ?? ''),
    exitval: int(fields.exitval),
    lastSuccess: time(fields.last_success),
    lastFailure: time(fields.last_failure),
    firstFailure: time(fields.first_failure),
    lastCheck: time(fields.last_check),
    lastAlert: time(fields.last_alert),
    failureDuration: int(fields.failure_duration),
    acked: fields.ack !== undefined && fields.ack !== '0',
    ackComment: fields.ackcomment ?? '',
    alertsSent: int(fields.alerts_sent) ?? 0,
    depend: fields.depend ?? '',
    monitor: fields.monitor ?? '',
    lastSummary: fields.last_summary ?? '',
    lastDetail: fields.last_detail ?? '',
    interval: int(fields.interval),
    monitorRunning: fields.monitor_running === '1',
    fields,
  });
}

/** `list opstatus [g,s …]` and `list failures`: one status per service. */
export function parseOpstatusReply(text: string): Result<MonServiceStatus[]> {
  const body = successful(text);
  if (!body.ok) return body;
  const out: MonServiceStatus[] = [];
  for (const [i, line] of body.value.entries()) {
    if (line === '') continue;
    const s = parseStatusLine(line, i + 1);
    if (!s.ok) return s;
    out.push(s.value);
  }
  return ok(out);
}

export interface MonServiceRef {
  group: string;
  service: string;
}

function pairs(lines: string[], what: string): Result<MonServiceRef[]> {
  const out: MonServiceRef[] = [];
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    if (!m)
      return err({
        code: 'MON_REPLY_BAD_LINE',
        line: i + 1,
        message: `${what}: '${line}' is not 'GROUP SERVICE'`,
      });
    out.push({ group: m[1]!, service: m[2]! });
  }
  return ok(out);
}

/** `list watch`: every group and service mon watches. */
export function parseListWatchReply(text: string): Result<MonServiceRef[]> {
  const body = successful(text);
  return body.ok ? pairs(body.value, 'list watch') : body;
}

export interface MonDisabled {
  /** `group G: h1 h2`: disabled hosts by group. */
  hosts: { group: string; hosts: string[] }[];
  /** `watch G`: whole watches disabled. */
  watches: string[];
  /** `watch G service S`. */
  services: MonServiceRef[];
}

/** `list disabled`. */
export function parseListDisabledReply(text: string): Result<MonDisabled> {
  const body = successful(text);
  if (!body.ok) return body;
  const out: MonDisabled = { hosts: [], watches: [], services: [] };
  for (const [i, line] of body.value.entries()) {
    if (line === '') continue;
    let m = /^group (\S+): ?(.*)$/.exec(line);
    if (m) {
      out.hosts.push({ group: m[1]!, hosts: m[2]!.split(' ').filter(Boolean) });
      continue;
    }
    m = /^watch (\S+) service (\S+)$/.exec(line);
    if (m) {
      out.services.push({ group: m[1]!, service: m[2]! });
      continue;
    }
    m = /^watch (\S+)$/.exec(line);
    if (m) {
      out.watches.push(m[1]!);
      continue;
    }
    return err({ code: 'MON_REPLY_BAD_LINE', line: i + 1, message: `list disabled: unexpected '${line}'` });
  }
  return ok(out);
}

/** `list group G`: `hostgroup G h1 h2 …` (disabled hosts start with `*`). */
export function parseListGroupReply(text: string): Result<{ group: string; hosts: string[] }> {
  const body = successful(text);
  if (!body.ok) return body;
  const m = /^hostgroup (\S+) ?(.*)$/.exec(body.value[0] ?? '');
  if (!m || body.value.length !== 1) {
    return err({ code: 'MON_REPLY_BAD_LINE', message: `list group: expected one 'hostgroup G hosts…' line` });
  }
  return ok({ group: m[1]!, hosts: m[2]!.split(' ').filter(Boolean) });
}

/** `list descriptions`: each service's description (empty when it has none). */
export function parseListDescriptionsReply(
  text: string,
): Result<(MonServiceRef & { description: string })[]> {
  const body = successful(text);
  if (!body.ok) return body;
  const out: (MonServiceRef & { description: string })[] = [];
  for (const [i, line] of body.value.entries()) {
    if (line === '') continue;
    const m = /^(\S+) (\S+) ?(.*)$/.exec(line);
    if (!m)
      return err({
        code: 'MON_REPLY_BAD_LINE',
        line: i + 1,
        message: `list descriptions: unexpected '${line}'`,
      });
    out.push({ group: m[1]!, service: m[2]!, description: unescapeMonValue(m[3]!) });
  }
  return ok(out);
}

/** One line of the downtime log (`list dtlog`): a failure that ended. */
export interface MonDowntime {
  /** When the service came back (unix seconds). */
  upAt: number;
  group: string;
  service: string;
  /** When it first failed. */
  failedAt: number;
  downSeconds: number;
  interval: number;
  summary: string;
}

/** `list dtlog`. */
export function parseDtlogReply(text: string): Result<MonDowntime[]> {
  const body = successful(text);
  if (!body.ok) return body;
  const out: MonDowntime[] = [];
  for (const [i, line] of body.value.entries()) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+) (\S+) (\S+) (\d+) (\d+) (\d+) ?(.*)$/.exec(line);
    if (!m)
      return err({ code: 'MON_REPLY_BAD_LINE', line: i + 1, message: `list dtlog: unexpected '${line}'` });
    out.push({
      upAt: Number(m[1]),
      group: m[2]!,
      service: m[3]!,
      failedAt: Number(m[4]),
      downSeconds: Number(m[5]),
      interval: Number(m[6]),
      summary: m[7]!,
    });
  }
  return ok(out);
}

/** `get G S VAR`: `G S VAR='value'` (value escaped). */
export function parseGetReply(text: string): Result<MonServiceRef & { variable: string; value: string }> {
  const body = successful(text);
  if (!body.ok) return body;
  const m = /^(\S+) (\S+) (\S+)='(.*)'$/.exec(body.value[0] ?? '');
  if (!m) return err({ code: 'MON_REPLY_BAD_LINE', message: `get: unexpected '${body.value[0] ?? ''}'` });
  return ok({ group: m[1]!, service: m[2]!, variable: m[3]!, value: unescapeMonValue(m[4]!) });
}
