import { err, ok, type Result } from '../result.js';
import type { MonDowntime } from './client-reply.js';

/**
 * mon's downtime log (`dtlogging = yes`, `dtlogfile`), as the file on mon's host holds it.
 * mon's `write_dtlog` appends one line per fail→ok transition:
 *
 *   `<up_time> <group> <service> <first_failure> <downtime_s> <interval> <summary>`
 *
 * (unix seconds; the summary is the monitor's last summary, possibly empty), and `init_dtlog`
 * writes a `#` header block each time mon starts. `list dtlog` over the client port returns
 * the same lines (parseDtlogReply); this reads the file itself.
 */
export interface DtlogRead {
  entries: MonDowntime[];
  /** When mon started logging (the `# downtime log start T` headers), unix seconds. */
  starts: number[];
  /**
   * Lines that are not in mon's format: a last line mon was still writing, or a line someone
   * edited. They are reported, not fatal: the rest of the log is still worth showing.
   */
  skipped: { line: number; text: string }[];
}

const ENTRY = /^(\d{1,12}) (\S+) (\S+) (\d{1,12}) (-?\d{1,12}) (\d{1,9}(?:\.\d+)?)(?: (.*))?$/;
const START = /^#\s*downtime log start (\d{1,12})\s*$/;

/** One entry line; an error saying what was expected otherwise. */
export function parseDtlogLine(line: string): Result<MonDowntime> {
  const m = ENTRY.exec(line.replace(/\r$/, ''));
  if (!m) {
    return err({
      code: 'MON_DTLOG_BAD_LINE',
      message: `not a mon downtime log line (expected 'UP_TIME GROUP SERVICE FIRST_FAILURE DOWNTIME INTERVAL SUMMARY'): '${line.slice(0, 200)}'`,
    });
  }
  return ok({
    upAt: Number(m[1]),
    group: m[2]!,
    service: m[3]!,
    failedAt: Number(m[4]),
    downSeconds: Number(m[5]),
    interval: Number(m[6]),
    summary: (m[7] ?? '').trim(),
  });
}

/**
 * The whole file. It fails only when the text is not a downtime log at all (binary, or no
 * line of it in mon's format while some lines are not); odd lines inside a real log are
 * returned in `skipped`.
 */
export function parseDtlog(text: string): Result<DtlogRead> {
  if (text.includes('\0')) {
    return err({
      code: 'MON_DTLOG_BINARY',
      message: 'the downtime log holds binary data; is dtlogfile the right file?',
    });
  }
  const out: DtlogRead = { entries: [], starts: [], skipped: [] };
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const start = START.exec(line);
      if (start) out.starts.push(Number(start[1]));
      continue;
    }
    const entry = parseDtlogLine(line);
    if (entry.ok) out.entries.push(entry.value);
    else out.skipped.push({ line: i + 1, text: line.slice(0, 200) });
  }
  if (out.entries.length === 0 && out.skipped.length > 0) {
    return err({
      code: 'MON_DTLOG_NOT_A_DTLOG',
      line: out.skipped[0]!.line,
      message: `no line is in mon's downtime log format; first: '${out.skipped[0]!.text}'`,
    });
  }
  return ok(out);
}

/**
 * The outages of one service (or of every service of a group, without `service`) that
 * overlap [fromMs, toMs]: what mon itself recorded for an incident's time span.
 */
export function downtimesFor(
  entries: readonly MonDowntime[],
  which: { group: string; service?: string | undefined; fromMs: number; toMs: number },
): MonDowntime[] {
  return entries.filter(
    (e) =>
      e.group === which.group &&
      (which.service === undefined || e.service === which.service) &&
      e.failedAt * 1000 <= which.toMs &&
      e.upAt * 1000 >= which.fromMs,
  );
}
