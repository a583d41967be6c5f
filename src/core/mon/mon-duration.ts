/**
 * mon's time values (`dhmstos`): a number with a unit, `30s`, `1.5m`, `2h`, `1d`. A bare
 * number has no unit and mon refuses it. Returns seconds, or null when it is not a time value.
 * Most keywords (interval, alertevery, …) also refuse 0, which mon reads as false.
 */
export function monDurationSeconds(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)([dhms])\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit === 'd' ? n * 86400 : unit === 'h' ? n * 3600 : unit === 'm' ? n * 60 : n;
}
