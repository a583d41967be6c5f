import { err, ok, type ParseError, type Result } from '../result.js';
import { classifyHaMessage, type HaEvent } from './ha-event.js';
import { formatLogTime, type LogTime, parseSlashTime, parseSyslogTime } from './log-time.js';

export type HaLogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit';

/**
 * Which writer produced the line:
 * - `syslog`: the daemon with `syslogmsgfmt` (the default): `Nov 25 12:47:39 lb2 heartbeat: [219]: info: …`
 * - `plain`: the daemon with `syslogmsgfmt false`: `heartbeat[219]: 2026/11/25_12:47:39 info: …`
 * - `script`: a resource script (ha_log): `2026/11/25_12:47:45  ResourceManager(default)[386]:    info: …`
 * - `legacy`: heartbeat 0.4 (the 2003 HOWTO): `heartbeat: 2003/01/15_14:39:13 info: …`
 */
export type HaLogFormat = 'syslog' | 'plain' | 'script' | 'legacy';

/** One ha-log line, typed. */
export interface HaLogLine {
  format: HaLogFormat;
  /** The node's wall-clock time, ISO 8601 without offset (`2026-11-25T12:47:39`). */
  time: string;
  /** True when the year was not in the line but taken from the reference date (syslog format). */
  yearInferred: boolean;
  /** The node name in syslog-format lines; null in the others, which do not carry it. */
  host: string | null;
  /** `heartbeat`, `ResourceManager`, `mach_down`, `IPaddr2`, … */
  program: string;
  /** The script's instance in `script(instance)[pid]` (usually `default`). */
  instance: string | null;
  pid: number | null;
  /** Null when the line has none (some scripts log without one). */
  level: HaLogLevel | null;
  message: string;
  event: HaEvent;
}

export interface HaLogOptions {
  /** Supplies the year syslog-format lines lack: normally the time the log is read. */
  reference: Date;
}

const SYSLOG = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) (\S+) ([^\s[\]:]+): \[(\d+)\]: (.*)$/;
const PLAIN = /^([^\s[\]]+)\[(\d+)\]: (\d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d) (.*)$/;
const SCRIPT = /^(\d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d)\s+(\S+?)\(([^()\s]*)\)\[(\d+)\]:\s(.*)$/;
const LEGACY = /^heartbeat: (\d{4}\/\d\d\/\d\d_\d\d:\d\d:\d\d) (.*)$/;
const LEVEL_PREFIX = /^\s*([A-Za-z]+):(?: |$)/;

const LEVELS: Record<string, HaLogLevel> = {
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  crit: 'crit',
};

function splitLevel(rest: string): { level: HaLogLevel | null; message: string } {
  const m = LEVEL_PREFIX.exec(rest);
  const level = m ? LEVELS[m[1]!.toLowerCase()] : undefined;
  if (!m || !level) return { level: null, message: rest.trim() };
  return { level, message: rest.slice(m[0].length).trim() };
}

function badTime(text: string): ParseError {
  return { code: 'HALOG_BAD_TIME', message: `'${text}' is not a valid time` };
}

function build(
  format: HaLogFormat,
  time: LogTime,
  yearInferred: boolean,
  host: string | null,
  program: string,
  instance: string | null,
  pid: string | null,
  rest: string,
): HaLogLine {
  const { level, message } = splitLevel(rest);
  return {
    format,
    time: formatLogTime(time),
    yearInferred,
    host,
    program,
    instance,
    pid: pid === null ? null : Number(pid),
    level,
    message,
    event: classifyHaMessage(message),
  };
}

/**
 * One line of ha-log, in any of heartbeat's line formats, as a typed event. A line in a known
 * format whose message we do not track is an `other` event; a line in no known format is an
 * error (`HALOG_UNKNOWN_FORMAT`). Never throws.
 */
export function parseHaLogLine(line: string, options: HaLogOptions): Result<HaLogLine> {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  let m = SYSLOG.exec(text);
  if (m) {
    const time = parseSyslogTime(m[1]!, m[2]!, m[3]!, options.reference);
    if (!time) return err(badTime(`${m[1]} ${m[2]} ${m[3]}`));
    return ok(build('syslog', time, true, m[4]!, m[5]!, null, m[6]!, m[7]!));
  }
  m = SCRIPT.exec(text);
  if (m) {
    const time = parseSlashTime(m[1]!);
    if (!time) return err(badTime(m[1]!));
    return ok(build('script', time, false, null, m[2]!, m[3]!, m[4]!, m[5]!));
  }
  m = PLAIN.exec(text);
  if (m) {
    const time = parseSlashTime(m[3]!);
    if (!time) return err(badTime(m[3]!));
    return ok(build('plain', time, false, null, m[1]!, null, m[2]!, m[4]!));
  }
  m = LEGACY.exec(text);
  if (m) {
    const time = parseSlashTime(m[1]!);
    if (!time) return err(badTime(m[1]!));
    return ok(build('legacy', time, false, null, 'heartbeat', null, null, m[2]!));
  }
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return err({ code: 'HALOG_UNKNOWN_FORMAT', message: `not a heartbeat log line: '${shown}'` });
}

export interface HaLogParse {
  lines: HaLogLine[];
  /** Lines that are in no known format, with their 1-based line numbers. */
  errors: ParseError[];
}

/** A whole ha-log (or a chunk of one): every line typed, blank lines skipped, bad lines reported. */
export function parseHaLog(text: string, options: HaLogOptions): HaLogParse {
  const lines: HaLogLine[] = [];
  const errors: ParseError[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    if (line.trim() === '') continue;
    const r = parseHaLogLine(line, options);
    if (r.ok) lines.push(r.value);
    else errors.push({ ...r.error, line: i + 1, message: `line ${i + 1}: ${r.error.message}` });
  }
  return { lines, errors };
}
