import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatMonConfig,
  type MonConfig,
  type MonPeriod,
  type MonService,
  parseDtlogReply,
  parseGetReply,
  parseListDescriptionsReply,
  parseListDisabledReply,
  parseListGroupReply,
  parseListWatchReply,
  parseMonAlert,
  parseMonConfig,
  parseMonReply,
  parseOpstatusReply,
} from '../../src/core/mon/index.js';
import { anyText } from '../support/any-text.js';
import { fixtureMutation } from './ipvs-fixture-mutation.js';
import { allAlertCalls, configCase, configCaseNames, moncmd, monFixture } from './mon-fixtures.js';

const CONFIGS = [monFixture('capture-mon.cf'), ...configCaseNames().map((n) => configCase(n))];
const REPLIES = [
  'list-opstatus-failing',
  'list-opstatus-recovered',
  'list-disabled',
  'list-watch',
  'list-dtlog',
  'list-group',
  'ack',
].map(moncmd);
const REPLY_PARSERS = [
  parseMonReply,
  parseOpstatusReply,
  parseListWatchReply,
  parseListDisabledReply,
  parseListGroupReply,
  parseListDescriptionsReply,
  parseDtlogReply,
  parseGetReply,
];
const CALLS = allAlertCalls();

function typed(r: { ok: boolean; error?: { code: string } }): void {
  if (!r.ok) expect(typeof r.error?.code).toBe('string');
}

describe('mon parsers on input they did not expect', () => {
  it('read any text as a config or a typed error, never throwing', () => {
    fc.assert(
      fc.property(anyText(300), (text) => typed(parseMonConfig(text))),
      { numRuns: 500 },
    );
  });

  it('read randomly edited real configs as a config or a typed error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIGS), fixtureMutation(), (text, mutate) =>
        typed(parseMonConfig(mutate(text))),
      ),
      { numRuns: 1000 },
    );
  });

  it('read randomly edited real replies as a reply or a typed error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REPLIES), fixtureMutation(), (text, mutate) => {
        const t = mutate(text);
        for (const parse of REPLY_PARSERS) typed(parse(t));
      }),
      { numRuns: 500 },
    );
  });

  it('read any argv, environment and stdin as an alert call or a typed error', () => {
    const word = fc.oneof(
      fc.constantFrom(
        '-s',
        '-g',
        '-h',
        '-t',
        '-u',
        '-a',
        '-D',
        '-T',
        '-O',
        '-P',
        '-V',
        '-R',
        '-W',
        '-F',
        '--',
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.array(word, { maxLength: 20 }),
        fc.dictionary(
          fc.constantFrom('MON_OPSTATUS', 'MON_RETVAL', 'MON_ALERTTYPE', 'MON_LAST_FAILURE', 'X'),
          fc.string(),
        ),
        fc.string({ maxLength: 100 }),
        (argv, env, stdin) => typed(parseMonAlert({ argv, env, stdin })),
      ),
      { numRuns: 1000 },
    );
  });

  it('read recorded alert calls with arguments dropped, duplicated or swapped', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CALLS),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('drop', 'dup', 'swap')), { maxLength: 4 }),
        (call, edits) => {
          const argv = [...call.argv];
          for (const [a, b, op] of edits) {
            if (argv.length === 0) break;
            const i = a % argv.length;
            const j = b % argv.length;
            if (op === 'drop') argv.splice(i, 1);
            else if (op === 'dup') argv.splice(i, 0, argv[i]!);
            else [argv[i], argv[j]] = [argv[j]!, argv[i]!];
          }
          typed(parseMonAlert({ ...call, argv }));
        },
      ),
      { numRuns: 500 },
    );
  });
});

// ---- writer → reader round trip on random configurations

const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/);
const value = fc.stringMatching(/^[A-Za-z0-9._:/-]([A-Za-z0-9 ._:/{}"'#=\\-]{0,16}[A-Za-z0-9._:/-])?$/);
const time = fc.tuple(fc.integer({ min: 1, max: 99 }), fc.constantFrom('s', 'm')).map(([n, u]) => `${n}${u}`);

const periodArb: fc.Arbitrary<MonPeriod> = fc.record({
  label: fc.option(fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/)),
  spec: fc.constantFrom('wd {Sun-Sat}', 'wd {Mon-Fri} hr {7am-10pm}', 'hr {0-23}'),
  alerts: fc.array(value, { maxLength: 3 }),
  upalerts: fc.array(value, { maxLength: 2 }),
  alertevery: fc.option(
    fc.tuple(time, fc.constantFrom('', ' strict', ' observe_detail')).map(([t, m]) => t + m),
  ),
  alertafter: fc.option(
    fc.oneof(
      fc.integer({ min: 1, max: 9 }).map(String),
      time,
      fc.integer({ min: 1, max: 5 }).map((n) => `${n} 23h`),
    ),
  ),
  numalerts: fc.option(fc.nat({ max: 100 })),
  options: fc.subarray([
    { key: 'ackalert', value: 'mail.alert ops' },
    { key: 'startupalert', value: 'slack.alert' },
    { key: 'no_comp_alerts', value: '' },
    { key: 'upalertafter', value: '5m' },
    { key: 'alertexitrange', value: '1-2' },
  ]),
});

const serviceArb: fc.Arbitrary<MonService> = fc.record({
  name,
  env: fc.uniqueArray(
    fc.record({ key: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), value: fc.oneof(fc.constant(''), value) }),
    {
      maxLength: 3,
      selector: (e) => e.key,
    },
  ),
  description: fc.option(fc.oneof(fc.constant(''), value)),
  interval: fc.option(time),
  monitor: fc.option(value),
  depend: fc.option(fc.tuple(name, name).map(([g, s]) => `${g}:${s}`)),
  options: fc.subarray([
    { key: 'failure_interval', value: '10s' },
    { key: 'dep_behavior', value: 'hm' },
    { key: 'exclude_hosts', value: '198.51.100.1 198.51.100.2' },
    { key: 'allow_empty_group', value: '' },
    { key: 'redistribute', value: 'mon.redistribute' },
  ]),
  periods: fc.uniqueArray(periodArb, { maxLength: 3, selector: (p) => p.label ?? p.spec }),
});

const configArb: fc.Arbitrary<MonConfig> = fc
  .record({
    globals: fc.subarray([
      { key: 'alertdir', value: '/usr/lib/mon/alert.d' },
      { key: 'mondir', value: '/usr/lib/mon/mon.d' },
      { key: 'randstart', value: '30s' },
      { key: 'dtlogging', value: 'yes' },
      { key: 'histlength', value: '100' },
    ]),
    groups: fc.uniqueArray(fc.record({ name, hosts: fc.array(fc.ipV4(), { minLength: 1, maxLength: 4 }) }), {
      maxLength: 4,
      selector: (g) => g.name,
    }),
    services: fc.array(fc.uniqueArray(serviceArb, { maxLength: 3, selector: (s) => s.name }), {
      maxLength: 4,
    }),
  })
  .map(({ globals, groups, services }) => ({
    globals,
    hostgroups: groups,
    watches: groups.map((g, i) => ({ group: g.name, services: services[i] ?? [] })),
  }));

describe('a mon.cf written by the writer', () => {
  it('is read back as the same configuration, with nothing dropped', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const text = formatMonConfig(config);
        if (!text.ok) throw new Error(text.error.message);
        const back = parseMonConfig(text.value);
        if (!back.ok) throw new Error(`${back.error.message}\n${text.value}`);
        expect(back.value.config).toEqual(config);
        expect(back.value.warnings).toEqual([]);
        expect(text.value).not.toMatch(/\n\s*\n {4}/);
      }),
      { numRuns: 300 },
    );
  });
});
