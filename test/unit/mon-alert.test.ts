import { describe, expect, it } from 'vitest';
import { type MonAlertInput, monAlertInputSchema, parseMonAlert } from '../../src/core/mon/index.js';
import { alertCall, alertCalls, allAlertCalls } from './mon-fixtures.js';

function parsed(input: MonAlertInput) {
  const r = parseMonAlert(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('alert calls recorded from a real mon', () => {
  it('reads a failure alert: service, group, hosts, time, summary and detail', () => {
    const a = parsed(alertCall('failure-lvs-dns-dns'));
    expect(a).toMatchObject({
      group: 'lvs-dns',
      service: 'dns',
      hosts: ['198.51.100.21'],
      flag: null,
      type: 'failure',
      args: [],
      lvs: null,
      summary: '198.51.100.21',
      detail: 'detail line 1 for 198.51.100.21\ndetail line 2\n',
    });
    expect(a.time).toBeGreaterThan(1_700_000_000);
    expect(a.env).toMatchObject({
      group: 'lvs-dns',
      service: 'dns',
      retval: 1,
      opstatus: { code: 0, name: 'fail' },
    });
    expect(a.env.firstFailure).toBeLessThanOrEqual(a.time);
  });

  it("reads an upalert with lvs.alert's flags naming the real server of the virtual service", () => {
    const a = parsed(alertCall('up-lvs-web-http'));
    expect(a.flag).toBe('up');
    expect(a.type).toBe('up');
    expect(a.lvs).toEqual({
      protocol: 'tcp',
      virtual: { address: '192.0.2.1', port: 80 },
      real: { address: '198.51.100.11', port: 80 },
      weight: 1,
      forwarding: 'dr',
    });
    expect(a.args).toEqual([]);
    expect(a.hosts).toEqual(['198.51.100.11', '198.51.100.12', '198.51.100.13']);
    // An upalert carries the output of the last failing run, and the failure history.
    expect(a.summary).toBe(a.env.lastSummary);
    expect(a.env.lastOutput?.split('\n').length).toBeGreaterThan(1);
    expect(a.env.opstatus?.name).toBe('ok');
    expect(a.env.description).toBe('web real servers');
    expect(a.otherEnv).toEqual({ LVS_CHATOPS_URL: 'http://127.0.0.1:1/hooks/mon' });
  });

  it('reads an ack alert (-a) with its comment', () => {
    const a = parsed(alertCall('ack-lvs-web-http'));
    expect(a.flag).toBe('ack');
    expect(a.type).toBe('ack');
    expect(a.env.ack).not.toBeNull();
    expect(a.summary).toBe(a.env.ack);
  });

  it('reads a test alert, which has no flag, keeping a quoted argument whole', () => {
    const a = parsed(alertCall('test-lvs-web-ping'));
    expect(a.flag).toBeNull();
    expect(a.type).toBe('test');
    expect(a.args).toEqual(['quoted arg', 'plain']);
    expect(a.summary).toBe('test');
    expect(a.detail).toBe('test detail\n');
  });

  it('reads a startup alert: no flag, untested status, empty stdin', () => {
    const a = parsed(alertCall('startup-lvs-web-ping'));
    expect(a).toMatchObject({ flag: null, type: 'startup', summary: '', detail: '' });
    expect(a.env.opstatus).toEqual({ code: 7, name: 'untested' });
    expect(a.env.lastFailure).toBeNull();
  });

  it("treats mon's 0 and empty values as never (MON_FIRST_SUCCESS is always empty in mon 1.3)", () => {
    for (const call of allAlertCalls()) {
      const a = parsed(call);
      expect(a.env.firstSuccess).toBeNull();
      expect(a.env.statedir).toBe('/TMP/state');
    }
  });

  it('reads every recorded call', () => {
    const calls = allAlertCalls();
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const c of calls) expect(monAlertInputSchema.safeParse(c).success).toBe(true);
    expect(alertCalls('failure-lvs-dns-dns').map((c) => parsed(c).type)).not.toContain('up');
  });
});

describe('the other type flags and where options stand', () => {
  const ack = alertCall('ack-lvs-web-http');
  const withFlag = (flag: string): MonAlertInput => ({
    ...ack,
    argv: ack.argv.map((a) => (a === '-a' ? flag : a)),
    env: { ...ack.env, MON_ALERTTYPE: '' },
  });

  it('reads -D (disable), -T (trap) and -O (trap timeout) when MON_ALERTTYPE does not say', () => {
    // mon 1.3 never fires disable alerts (do_alert returns early for a disabled service), so
    // the recorded ack call stands in, with its flag swapped.
    expect(parsed(withFlag('-D')).type).toBe('disable');
    expect(parsed(withFlag('-T')).type).toBe('trap');
    expect(parsed(withFlag('-O')).type).toBe('traptimeout');
  });

  it('takes lvs.alert flags anywhere among the user args and leaves the rest in order', () => {
    const up = alertCall('up-lvs-web-http');
    const argv = [...up.argv.slice(0, 9), 'Server', '-F', 'nat', 'is', '-W', '0', 'DOWN'];
    const a = parsed({ ...up, argv });
    expect(a.args).toEqual(['Server', 'is', 'DOWN']);
    expect(a.lvs).toMatchObject({ forwarding: 'nat', weight: 0, virtual: null });
  });

  it('stops reading options at --', () => {
    const t = alertCall('test-lvs-web-ping');
    const a = parsed({ ...t, argv: [...t.argv, '--', '-u', '-P', 'x'] });
    expect(a.flag).toBeNull();
    expect(a.args).toEqual(['quoted arg', 'plain', '-u', '-P', 'x']);
  });
});

describe('an alert call that is not one', () => {
  const up = alertCall('up-lvs-web-http');
  const cases: [string, MonAlertInput, string][] = [
    ['without -s', { ...up, argv: up.argv.slice(2) }, 'MON_ALERT_MISSING_OPTION'],
    [
      'with -t that is not a time',
      { ...up, argv: up.argv.map((a, i) => (i === 7 ? 'soon' : a)) },
      'MON_ALERT_BAD_TIME',
    ],
    ['with -g and no value', { ...up, argv: ['-s', 'x', '-t', '1', '-g'] }, 'MON_ALERT_MISSING_VALUE'],
    ['with -F bridge', { ...up, argv: [...up.argv, '-F', 'bridge'] }, 'MON_ALERT_BAD_LVS_FLAG'],
    [
      'with -V that is not an address',
      { ...up, argv: [...up.argv, '-V', 'www:80'] },
      'MON_ALERT_BAD_LVS_FLAG',
    ],
    ['with -W 70000', { ...up, argv: [...up.argv, '-W', '70000'] }, 'MON_ALERT_BAD_LVS_FLAG'],
    ['with MON_OPSTATUS 12', { ...up, env: { ...up.env, MON_OPSTATUS: '12' } }, 'MON_ALERT_BAD_ENV'],
    [
      'with an unknown MON_ALERTTYPE',
      { ...up, env: { ...up.env, MON_ALERTTYPE: 'page' } },
      'MON_ALERT_BAD_ENV',
    ],
  ];
  for (const [what, input, code] of cases) {
    it(`is a typed error ${what} (${code})`, () => {
      const r = parseMonAlert(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(code);
    });
  }
});
