import { describe, expect, it } from 'vitest';
import { downtimesFor, parseDtlog, parseDtlogLine } from '../../src/core/mon/dtlog.js';

// The header is what mon's init_dtlog writes at every start; the entry line is the one
// recorded from a real mon (write_dtlog: up time, group,
// service, first failure, downtime in seconds, interval, last summary).
const HEADER = [
  '#',
  '# downtime log start 1795608000',
  '# time back up, group, service, first failure, downtime, interval, summary',
  '#',
].join('\n');
const REAL_LINE = '1795608083 lvs web 1795608075 8 3 10.0.0.1 10.0.0.2 down summary';

describe("mon's downtime log", () => {
  it('reads a real entry line: when it came back, what failed, since when, for how long', () => {
    const entry = parseDtlogLine(REAL_LINE);
    expect(entry).toEqual({
      ok: true,
      value: {
        upAt: 1795608083,
        group: 'lvs',
        service: 'web',
        failedAt: 1795608075,
        downSeconds: 8,
        interval: 3,
        summary: '10.0.0.1 10.0.0.2 down summary',
      },
    });
  });

  it('reads the file: headers give the starts, entries in order, an empty summary is allowed', () => {
    const text = `${HEADER}\n${REAL_LINE}\n1795609000 web-2 http 1795608940 60 10 \n\n${HEADER.replace('1795608000', '1795610000')}\n`;
    const read = parseDtlog(text);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.starts).toEqual([1795608000, 1795610000]);
    expect(read.value.entries.map((e) => `${e.group}/${e.service}:${e.downSeconds}:${e.summary}`)).toEqual([
      'lvs/web:8:10.0.0.1 10.0.0.2 down summary',
      'web-2/http:60:',
    ]);
    expect(read.value.skipped).toEqual([]);
  });

  it('reports a half-written last line without losing the rest', () => {
    const read = parseDtlog(`${HEADER}\n${REAL_LINE}\n1795609000 web-2 ht`);
    expect(read.ok && read.value.entries.length).toBe(1);
    expect(read.ok && read.value.skipped).toEqual([{ line: 6, text: '1795609000 web-2 ht' }]);
  });

  it('refuses a file that is not a downtime log, saying so', () => {
    const notLog = parseDtlog('root:x:0:0:root:/root:/bin/bash\n');
    expect(notLog.ok).toBe(false);
    expect(!notLog.ok && notLog.error.code).toBe('MON_DTLOG_NOT_A_DTLOG');
    const binary = parseDtlog('\x7fELF\0\0\0');
    expect(!binary.ok && binary.error.code).toBe('MON_DTLOG_BINARY');
    const bad = parseDtlogLine('not a line');
    expect(!bad.ok && bad.error.message).toMatch(/UP_TIME GROUP SERVICE/);
  });

  it('an empty log (mon just started) is no entries, not an error', () => {
    expect(parseDtlog('')).toEqual({ ok: true, value: { entries: [], starts: [], skipped: [] } });
    expect(parseDtlog(HEADER).ok).toBe(true);
  });

  it('picks the outages of one service that overlap a time span', () => {
    const read = parseDtlog(
      [
        '1000100 web-2 http 1000000 100 10 refused',
        '1000100 web-2 ping 1000000 100 30 lost',
        '2000100 web-2 http 2000000 100 10 later outage',
        '1000100 web-3 http 1000000 100 10 other group',
      ].join('\n'),
    );
    if (!read.ok) throw new Error(read.error.message);
    const span = { fromMs: 1_000_050_000, toMs: 1_500_000_000 };
    expect(
      downtimesFor(read.value.entries, { group: 'web-2', service: 'http', ...span }).map((e) => e.summary),
    ).toEqual(['refused']);
    expect(downtimesFor(read.value.entries, { group: 'web-2', ...span }).map((e) => e.service)).toEqual([
      'http',
      'ping',
    ]);
  });
});
