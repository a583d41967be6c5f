import { describe, expect, it } from 'vitest';
import { type HaLogLine, parseHaLog, parseHaLogLine } from '../../src/core/heartbeat/index.js';
import { HA_LOGS, heartbeatFixture } from './heartbeat-fixtures.js';

const reference = new Date('2026-11-26T00:00:00Z');

function parse(name: string): HaLogLine[] {
  const r = parseHaLog(heartbeatFixture(name), { reference });
  expect(r.errors).toEqual([]);
  return r.lines;
}

/** The events that matter, in order, as compact strings. */
function story(lines: HaLogLine[]): string[] {
  return lines
    .filter((l) => l.event.kind !== 'other')
    .map((l) => {
      const { kind, ...rest } = l.event;
      const detail = Object.values(rest)
        .map((v) => (Array.isArray(v) ? v.join(' ') : String(v)))
        .join(' ');
      return detail ? `${kind} ${detail}` : kind;
    });
}

describe('ha-log of a real failover between two directors (lb2 taking over from lb1, then giving back)', () => {
  const lines = parse('ha-log-two-directors-lb2.txt');

  it('tells the failover in order: shutdown notice, standby takeover, node dead, link dead, takeover, acquisition, done', () => {
    const s = story(lines);
    const from = s.indexOf('shutdown peer-notice lb1 null');
    expect(s.slice(from, from + 10)).toEqual([
      'shutdown peer-notice lb1 null',
      'takeover-started null lb1',
      // lb2 held no resources of its own to acquire; lb1's come with mach_down below.
      'takeover-complete null all',
      'node-dead lb1',
      'released lb1',
      'link-dead lb1 vec0',
      'takeover-started vip::10.201.0.100/24/vec0 null',
      'acquiring lb1 vip::10.201.0.100/24/vec0 vip::10.201.1.100/24/vec1 ipvs-rules',
      'takeover-complete lb1',
      'takeover-complete null',
    ]);
  });

  it('tells the failback: lb1 restarts, lb2 asks to go standby, releases the group, and lb1 completes the takeover', () => {
    const s = story(lines);
    expect(s).toContain('node-restart lb1');
    expect(s).toContain('standby-requested lb2 foreign');
    expect(s.slice(-2)).toEqual([
      'releasing lb1 vip::10.201.0.100/24/vec0 vip::10.201.1.100/24/vec1 ipvs-rules',
      'takeover-complete null foreign',
    ]);
  });

  it('reads both writers: the daemon (syslog format, with host) and the resource scripts', () => {
    const dead = lines.find((l) => l.event.kind === 'node-dead')!;
    expect(dead).toMatchObject({
      format: 'syslog',
      time: '2026-11-25T12:47:44',
      yearInferred: true,
      host: 'lb2',
      program: 'heartbeat',
      pid: 219,
      level: 'warn',
      message: 'node lb1: is dead',
    });
    const acquiring = lines.find((l) => l.event.kind === 'acquiring')!;
    expect(acquiring).toMatchObject({
      format: 'script',
      time: '2026-11-25T12:47:45',
      yearInferred: false,
      host: null,
      program: 'ResourceManager',
      instance: 'default',
      pid: 386,
      level: 'info',
    });
  });
});

describe('ha-log of the lab pair, written with and without syslogmsgfmt', () => {
  const hb1 = parse('ha-log-lab-hb1.txt');
  const hb2 = parse('ha-log-lab-hb2.txt');

  it('reads the syslogmsgfmt-false format: program[pid], full date, no host', () => {
    const plain = hb1.filter((l) => l.format === 'plain');
    expect(plain.length).toBeGreaterThan(50);
    expect(plain[0]).toMatchObject({ program: 'heartbeat', host: null, yearInferred: false });
    expect(plain.every((l) => l.pid !== null)).toBe(true);
    expect(new Set(hb1.map((l) => l.format))).toEqual(new Set(['syslog', 'plain', 'script']));
  });

  it('keeps the lines in time order across both formats', () => {
    const times = hb1.map((l) => l.time);
    expect([...times].sort()).toEqual(times);
  });

  it('reports late heartbeats, warning then critical past deadtime', () => {
    const late = [...hb1, ...hb2].filter((l) => l.event.kind === 'late-heartbeat');
    expect(late.map((l) => [l.level, l.event])).toContainEqual([
      'warn',
      { kind: 'late-heartbeat', node: 'hb2', intervalMs: 1800, pastDeadtime: false },
    ]);
    expect(
      late.filter((l) => l.level === 'crit').every((l) => 'pastDeadtime' in l.event && l.event.pastDeadtime),
    ).toBe(true);
    expect(late.some((l) => l.level === 'crit')).toBe(true);
  });

  it('reports a shutdown in progress with its pid, then complete with the node', () => {
    const s = story(hb1);
    expect(s).toContain('shutdown in-progress null 18155');
    expect(s).toContain('shutdown complete hb1 null');
  });

  it('reports standby requests from the daemon and from hb_standby (a line with no level)', () => {
    const standby = hb2.filter((l) => l.event.kind === 'standby-requested');
    expect(standby.map((l) => [l.program, l.level, l.event])).toEqual([
      ['heartbeat', 'info', { kind: 'standby-requested', node: 'hb1', which: 'all' }],
      ['hb_standby', null, { kind: 'standby-requested', node: null, which: 'all' }],
      ['heartbeat', 'info', { kind: 'standby-requested', node: 'hb2', which: 'all' }],
    ]);
  });

  it('reads OCF resource agents: a path as the program, an instance, upper-case levels, empty messages', () => {
    const ocf = hb1.find((l) => l.program.endsWith('/heartbeat/IPaddr2'))!;
    expect(ocf).toMatchObject({ format: 'script', instance: 'IPaddr2_10.220.0.200', level: 'info' });
    expect(hb1.some((l) => l.program === 'IPaddr2' && l.message === '')).toBe(true);
  });
});

describe('the 2003 HOWTO’s failover logs (docs/howto.md, part 10; heartbeat 0.4)', () => {
  it('parses every line of every excerpt', () => {
    for (const name of HA_LOGS.filter((n) => n.startsWith('seed'))) {
      const lines = parse(name);
      expect(lines.every((l) => l.format === 'legacy' && l.time.startsWith('2003-01-15'))).toBe(true);
    }
  });

  it('tells the slave taking over when the master dies', () => {
    expect(story(parse('seed-section10-3.txt'))).toEqual([
      'node-dead clu1.novdigm.com',
      'link-dead clu1.novdigm.com eth0',
      'takeover-started null null',
      'acquiring clu1.novdigm.com ipvsadm mon',
      'takeover-complete null',
    ]);
  });

  it('tells the master coming back: restart, late heartbeat, resources released', () => {
    expect(story(parse('seed-section10-4.txt'))).toEqual([
      'node-restart clu1.novdigm.com',
      'link-up clu1.novdigm.com eth0',
      'late-heartbeat clu1.novdigm.com 768450 false',
      'node-status clu1.novdigm.com up',
      'node-status clu1.novdigm.com active',
      'releasing clu1.novdigm.com ipvsadm mon',
      'released null',
    ]);
  });

  it('reads the local status despite the typographic quotes of the document', () => {
    expect(story(parse('seed-section10-1.txt')).slice(0, 2)).toEqual([
      'local-status up',
      'node-restart clu1.novdigm.com',
    ]);
  });
});

describe('every captured ha-log', () => {
  it('has no line the parser cannot place', () => {
    for (const name of HA_LOGS) expect(parseHaLog(heartbeatFixture(name), { reference }).errors).toEqual([]);
  });
});

describe('lines that are not what they seem', () => {
  it('gives an unknown message of a known format as an "other" event', () => {
    const r = parseHaLogLine(
      'Nov 25 12:47:02 lb2 heartbeat: [219]: info: Comm_now_up(): updating status to active',
      {
        reference,
      },
    );
    expect(r.ok && r.value.event).toEqual({ kind: 'other' });
  });

  it('gives a line in no known format as a typed error', () => {
    const r = parseHaLogLine('this is not a heartbeat line', { reference });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('HALOG_UNKNOWN_FORMAT');
  });

  it('refuses a time that does not exist', () => {
    const r = parseHaLogLine(
      '2026/02/30_10:00:00  mach_down(default)[1]:    info: mach_down takeover complete.',
      {
        reference,
      },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('HALOG_BAD_TIME');
  });
});

describe('the year of syslog-format lines', () => {
  const line = 'Dec 31 23:59:58 lb1 heartbeat: [1]: WARN: node lb2: is dead';
  const at = (ref: string) => {
    const r = parseHaLogLine(line, { reference: new Date(ref) });
    return r.ok ? r.value.time : r.error.code;
  };

  it('is the reference date’s year', () => {
    expect(at('2026-12-31T23:59:59Z')).toBe('2026-12-31T23:59:58');
  });

  it('is the year before when the line would otherwise lie in the future (read in January)', () => {
    expect(at('2027-01-01T00:00:05Z')).toBe('2026-12-31T23:59:58');
  });

  it('allows a clock a little ahead of the reference', () => {
    expect(at('2026-12-31T00:00:00Z')).toBe('2026-12-31T23:59:58');
  });

  it('refuses 29 February when the inferred year has none', () => {
    const r = parseHaLogLine('Feb 29 10:00:00 lb1 heartbeat: [1]: info: x', {
      reference: new Date('2026-03-01Z'),
    });
    expect(r.ok).toBe(false);
  });
});
