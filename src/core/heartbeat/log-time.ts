const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A wall-clock time on the node that wrote the log (ha-log carries no time zone). */
export interface LogTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function valid(t: LogTime): boolean {
  return (
    t.month >= 1 &&
    t.month <= 12 &&
    t.day >= 1 &&
    t.day <= daysIn(t.year, t.month) &&
    t.hour <= 23 &&
    t.minute <= 59 &&
    t.second <= 60
  );
}

/** `2026/11/25_12:47:45`, the format of the scripts and of `syslogmsgfmt false`. */
export function parseSlashTime(text: string): LogTime | null {
  const m = /^(\d{4})\/(\d\d)\/(\d\d)_(\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) return null;
  const t: LogTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
  return valid(t) ? t : null;
}

// Lines may come from a clock a little ahead of the reference; beyond this, they are last year's.
const FUTURE_SLACK_MS = 2 * 86_400_000;

/**
 * `Nov 25 12:47:39` (syslog format, no year). The year is the reference date's, or the one
 * before when that would put the line more than two days after the reference (a December
 * line read in January).
 */
export function parseSyslogTime(month: string, day: string, clock: string, reference: Date): LogTime | null {
  const mi = MONTHS.indexOf(month);
  const c = /^(\d\d):(\d\d):(\d\d)$/.exec(clock);
  if (mi < 0 || !c || !/^\d{1,2}$/.test(day)) return null;
  const refYear = reference.getUTCFullYear();
  const at = (year: number): LogTime => ({
    year,
    month: mi + 1,
    day: Number(day),
    hour: Number(c[1]),
    minute: Number(c[2]),
    second: Number(c[3]),
  });
  let t = at(refYear);
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (ms - reference.getTime() > FUTURE_SLACK_MS) t = at(refYear - 1);
  return valid(t) ? t : null;
}

const two = (n: number) => String(n).padStart(2, '0');

/** ISO 8601 without an offset (`2026-11-25T12:47:39`): the node's local wall-clock time. */
export function formatLogTime(t: LogTime): string {
  return `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}`;
}
