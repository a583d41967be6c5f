import { describe, expect, it } from 'vitest';
import {
  formatMonConfig,
  type MonConfig,
  type MonConfigRead,
  monDurationSeconds,
  parseGetReply,
  parseListDescriptionsReply,
  parseListGroupReply,
  parseListWatchReply,
  parseMonConfig,
} from '../../src/core/mon/index.js';
import { configCase, configCaseNames, monFixture } from './mon-fixtures.js';

function read(text: string): MonConfigRead {
  const r = parseMonConfig(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('the mon.cf the capture ran a real mon with', () => {
  const { config, warnings } = read(monFixture('capture-mon.cf'));

  it('reads globals, hostgroups (with a continuation line) and watches', () => {
    expect(warnings).toEqual([]);
    expect(config.globals.map((g) => g.key)).toEqual([
      'alertdir',
      'mondir',
      'logdir',
      'statedir',
      'authfile',
      'dtlogging',
      'dtlogfile',
    ]);
    expect(config.hostgroups).toEqual([
      { name: 'lvs-web', hosts: ['198.51.100.11', '198.51.100.12', '198.51.100.13'] },
      { name: 'lvs-dns', hosts: ['198.51.100.21'] },
    ]);
    expect(config.watches.map((w) => `${w.group}: ${w.services.map((s) => s.name).join(' ')}`)).toEqual([
      'lvs-web: http ping',
      'lvs-dns: dns',
    ]);
  });

  it('reads a service: environment, description, interval, monitor, depend and its period', () => {
    const http = config.watches[0]!.services[0]!;
    expect(http).toMatchObject({
      env: [{ key: 'LVS_CHATOPS_URL', value: 'http://127.0.0.1:1/hooks/mon' }],
      description: 'web real servers',
      interval: '1s',
      monitor: 'flip.monitor',
    });
    expect(http.periods).toEqual([
      {
        label: null,
        spec: 'wd {Sun-Sat}',
        alerts: ['record.alert -P tcp -V 192.0.2.1:80 -R 198.51.100.11:80 -W 1 -F dr'],
        upalerts: ['record.alert -P tcp -V 192.0.2.1:80 -R 198.51.100.11:80 -W 1 -F dr'],
        alertevery: '1h',
        alertafter: null,
        numalerts: null,
        options: [{ key: 'ackalert', value: 'record.alert' }],
      },
    ]);
    expect(config.watches[1]!.services[0]!.depend).toBe('lvs-web:ping');
    expect(config.watches[1]!.services[0]!.periods[0]!.alertafter).toBe('2');
  });

  it('is written back and read again as the same configuration', () => {
    const text = ok(formatMonConfig(config));
    expect(read(text)).toEqual({ config, warnings: [] });
  });

  it('matches what the real mon listed for it', () => {
    const watched = ok(parseListWatchReply(monFixture('moncmd/list-watch.txt')));
    const ours = config.watches.flatMap((w) => w.services.map((s) => `${w.group} ${s.name}`));
    expect(new Set(watched.map((w) => `${w.group} ${w.service}`))).toEqual(new Set(ours));
    expect(ok(parseListGroupReply(monFixture('moncmd/list-group.txt'))).hosts).toEqual(
      config.hostgroups[0]!.hosts,
    );
  });
});

/** What mon itself reported for a config case, next to what our reader makes of the file. */
function monView(name: string, groups: string[]) {
  const watch = ok(parseListWatchReply(configCase(name, 'list-watch')));
  const descriptions = ok(parseListDescriptionsReply(configCase(name, 'list-descriptions')));
  const hostgroups = groups.map((g) => ok(parseListGroupReply(configCase(name, `list-group-${g}`))));
  const get = (g: string, s: string, v: string) =>
    ok(parseGetReply(configCase(name, `get-${g}-${s}-${v}`))).value;
  return { watch, descriptions, hostgroups, get };
}

function services(config: MonConfig): string[] {
  return config.watches.flatMap((w) => w.services.map((s) => `${w.group} ${s.name}`)).sort();
}

describe("mon.cf layouts, read as the real mon read them (mon's answers captured)", () => {
  it('a blank line inside a watch ends it: the service after it is dropped, and said so', () => {
    const { config, warnings } = read(configCase('blank-line-inside-watch'));
    const mon = monView('blank-line-inside-watch', ['web']);
    expect(services(config)).toEqual(mon.watch.map((w) => `${w.group} ${w.service}`).sort());
    expect(services(config)).toEqual(['web http']);
    expect(warnings.map((w) => [w.code, w.line])).toContainEqual(['MONCF_OUTSIDE_RECORD', 16]);
    expect(warnings.find((w) => w.line === 16)?.message).toContain('blank line on line 15 ended watch web');
  });

  it('a whitespace-only line is a blank line too; the next watch is read again', () => {
    const { config, warnings } = read(configCase('whitespace-only-line-inside-watch'));
    const mon = monView('whitespace-only-line-inside-watch', ['web', 'dns']);
    expect(services(config)).toEqual(mon.watch.map((w) => `${w.group} ${w.service}`).sort());
    expect(warnings.filter((w) => w.code === 'MONCF_OUTSIDE_RECORD')).toHaveLength(3);
  });

  it('indented comments do not end a watch; \\ joins lines; a trailing # stays in the value', () => {
    const { config } = read(configCase('comments-and-continuations'));
    const mon = monView('comments-and-continuations', ['web']);
    expect(config.hostgroups[0]!.hosts).toEqual(mon.hostgroups[0]!.hosts);
    expect(services(config)).toEqual(mon.watch.map((w) => `${w.group} ${w.service}`).sort());
    const http = config.watches[0]!.services.find((s) => s.name === 'http')!;
    expect(http.description).toBe(mon.descriptions.find((d) => d.service === 'http')!.description);
    expect(http.description).toBe('web real servers # not a comment');
    expect(http.monitor).toBe(mon.get('web', 'http', 'monitor'));
    expect(monDurationSeconds(http.interval!)).toBe(Number(mon.get('web', 'http', 'interval')));
    const ping = config.watches[0]!.services.find((s) => s.name === 'ping')!;
    expect(monDurationSeconds(ping.interval!)).toBe(Number(mon.get('web', 'ping', 'interval')));
    // mon stores SELF: resolved; the reader keeps the file's words.
    expect(ping.depend?.replace('SELF:', 'web:')).toBe(mon.get('web', 'ping', 'depend'));
  });

  it('a watch right after a hostgroup line becomes host names, as mon reads it, with a warning', () => {
    const { config, warnings } = read(configCase('watch-right-after-hostgroup'));
    const mon = monView('watch-right-after-hostgroup', ['web']);
    expect(config.hostgroups[0]!.hosts).toEqual(mon.hostgroups[0]!.hosts);
    expect(config.watches).toEqual([]);
    expect(mon.watch).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual([
      'MONCF_HOSTGROUP_SWALLOWED',
      'MONCF_HOSTGROUP_SWALLOWED',
      'MONCF_HOSTGROUP_WITHOUT_WATCH',
    ]);
  });

  const refused: [string, string][] = [
    ['service-keyword-after-period', 'MONCF_UNKNOWN_SYNTAX'],
    ['interval-without-unit', 'MONCF_BAD_INTERVAL'],
    ['alertafter-not-sensible', 'MONCF_ALERTAFTER_NOT_SENSIBLE'],
    ['env-before-service', 'MONCF_ENV_WITHOUT_SERVICE'],
    ['unknown-global', 'MONCF_UNKNOWN_GLOBAL'],
  ];
  for (const [name, code] of refused) {
    it(`refuses what mon refuses, on mon's line: ${name}`, () => {
      const monSaid = configCase(name, 'mon-output');
      expect(configCase(name, 'exit').trim()).not.toBe('0');
      const monLine = Number(/line (\d+)/.exec(monSaid)![1]);
      const r = parseMonConfig(configCase(name));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.line).toBe(monLine);
      }
    });
  }

  it('covers every captured case', () => {
    expect(configCaseNames()).toEqual(
      [
        ...refused.map(([n]) => n),
        'blank-line-inside-watch',
        'comments-and-continuations',
        'watch-right-after-hostgroup',
        'whitespace-only-line-inside-watch',
      ].sort(),
    );
  });
});

function base(): MonConfig {
  return read(monFixture('capture-mon.cf')).config;
}

describe('the mon.cf writer', () => {
  it('never writes a blank line inside a watch', () => {
    const text = ok(formatMonConfig(base()));
    const blocks = text.split('\n\n');
    for (const block of blocks.filter((b) => b.startsWith('watch '))) {
      expect(block.split('\n').every((l) => l.trim() !== '')).toBe(true);
    }
    expect(blocks.filter((b) => b.startsWith('watch '))).toHaveLength(2);
  });

  const refusals: [string, (c: MonConfig) => void][] = [
    ['a value with a line break', (c) => (c.watches[0]!.services[0]!.monitor = 'http.monitor\n-p 80')],
    [
      'a value ending in a backslash',
      (c) => (c.watches[0]!.services[0]!.periods[0]!.alerts[0] = 'mail.alert ops\\'),
    ],
    ['an interval without a unit', (c) => (c.watches[0]!.services[0]!.interval = '60')],
    ['an unknown global', (c) => c.globals.push({ key: 'frobnicate', value: 'yes' })],
    ['a service name with a space', (c) => (c.watches[0]!.services[0]!.name = 'web http')],
    ['a duplicate service', (c) => c.watches[0]!.services.push(c.watches[0]!.services[0]!)],
    [
      'an unknown period keyword',
      (c) => c.watches[0]!.services[0]!.periods[0]!.options.push({ key: 'page', value: 'x' }),
    ],
    ['an env name in lower case', (c) => c.watches[0]!.services[0]!.env.push({ key: 'url', value: 'x' })],
    [
      'an alertafter that can never fire',
      (c) => {
        const s = c.watches[0]!.services[0]!;
        s.interval = '1m';
        s.periods[0]!.alertafter = '3 1m';
      },
    ],
  ];
  for (const [what, change] of refusals) {
    it(`refuses ${what}, naming the field`, () => {
      const c = base();
      change(c);
      const r = formatMonConfig(c);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('MONCF_INVALID');
    });
  }
});
