import { err, ok, type ParseError, type Result } from './result.js';

/**
 * Durations as operators write them in the inventory and in Slack: `500ms`, `30s`, `10m`,
 * `4h`, `1d`, or several parts largest first (`1h30m`). Values are milliseconds.
 */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_LARGEST_FIRST: Unit[] = ['d', 'h', 'm', 's', 'ms'];

const PART = /(\d+)(ms|d|h|m|s)/y;

export const DURATION_EXAMPLES = '500ms, 30s, 10m, 4h, 1d or 1h30m';

function durationError(message: string): ParseError {
  return { code: 'DURATION_INVALID', message };
}

/** Parses `30s`, `1h30m` … into milliseconds; never throws. */
export function parseDuration(text: string): Result<number, ParseError> {
  const input = text.trim();
  if (input === '') return err(durationError(`an empty duration; write one like ${DURATION_EXAMPLES}`));
  if (/^\d+$/.test(input)) {
    return err(durationError(`'${input}' has no unit; write ${input}s, ${input}m, … (${DURATION_EXAMPLES})`));
  }
  let total = 0;
  let at = 0;
  let previous = -1;
  while (at < input.length) {
    PART.lastIndex = at;
    const match = PART.exec(input);
    if (!match) {
      return err(durationError(`'${input}' is not a duration; write one like ${DURATION_EXAMPLES}`));
    }
    const unit = match[2] as Unit;
    const rank = UNITS_LARGEST_FIRST.indexOf(unit);
    if (rank <= previous) {
      return err(durationError(`'${input}': write each unit once, largest first (like 1h30m)`));
    }
    previous = rank;
    total += Number(match[1]) * UNIT_MS[unit];
    at = PART.lastIndex;
  }
  if (!Number.isSafeInteger(total)) return err(durationError(`'${input}' is too long a duration`));
  return ok(total);
}

/** Formats milliseconds back to the shortest text `parseDuration` reads: 5_400_000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const unit of UNITS_LARGEST_FIRST) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}
