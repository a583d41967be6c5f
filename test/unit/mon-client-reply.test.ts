import { describe, expect, it } from 'vitest';
import {
  parseDtlogReply,
  parseListDisabledReply,
  parseListWatchReply,
  parseMonReply,
  parseOpstatusReply,
  unescapeMonValue,
} from '../../src/core/mon/index.js';
import { moncmd } from './mon-fixtures.js';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('list opstatus from a real mon', () => {
  it('reads failing services: status, exit value, failure times, alerts sent, summary and detail', () => {
    const all = ok(parseOpstatusReply(moncmd('list-opstatus-failing')));
    expect(all.map((s) => `${s.group}/${s.service} ${s.opstatus?.name}`)).toEqual([
      'lvs-web/http fail',
      'lvs-web/ping ok',
      'lvs-dns/dns fail',
    ]);
    const dns = all[2]!;
    expect(dns).toMatchObject({
      exitval: 1,
      lastSuccess: null,
      lastSummary: '198.51.100.21',
      lastDetail: 'detail line 1 for 198.51.100.21\ndetail line 2\n',
      depend: 'lvs-web:ping',
      monitor: 'fail.monitor',
      interval: 1,
      acked: false,
    });
    expect(dns.firstFailure).not.toBeNull();
    expect(dns.failureDuration).toBeGreaterThan(0);
    expect(dns.alertsSent).toBeGreaterThan(0);
    expect(all[0]!.lastSummary).toBe('198.51.100.11 198.51.100.12 198.51.100.13');
  });

  it('reads a recovered service as ok, with no failure fields', () => {
    const http = ok(parseOpstatusReply(moncmd('list-opstatus-recovered'))).find((s) => s.service === 'http')!;
    expect(http).toMatchObject({
      opstatus: { code: 1, name: 'ok' },
      lastSummary: 'back up',
      firstFailure: null,
    });
    expect(http.lastSuccess).not.toBeNull();
  });

  it('reads one service asked for by name', () => {
    expect(ok(parseOpstatusReply(moncmd('list-opstatus-one'))).map((s) => s.service)).toEqual(['ping']);
  });

  it("gives mon's 520 for an unknown service as a typed error with mon's words", () => {
    const r = parseOpstatusReply(moncmd('list-opstatus-unknown'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('MON_COMMAND_FAILED');
      expect(r.error.message).toContain('520 lvs-web,nosuch does not exist');
    }
  });

  it('reads list failures in the same form', () => {
    expect(ok(parseOpstatusReply(moncmd('list-failures'))).every((s) => s.opstatus?.name === 'fail')).toBe(
      true,
    );
  });
});

describe('the other replies of a real mon', () => {
  it('lists watched services', () => {
    expect(ok(parseListWatchReply(moncmd('list-watch')))).toEqual([
      { group: 'lvs-web', service: 'http' },
      { group: 'lvs-web', service: 'ping' },
      { group: 'lvs-dns', service: 'dns' },
    ]);
  });

  it('lists disabled hosts and services, and nothing once re-enabled', () => {
    expect(ok(parseListDisabledReply(moncmd('list-disabled')))).toEqual({
      hosts: [{ group: 'lvs-web', hosts: ['198.51.100.13'] }],
      watches: [],
      services: [{ group: 'lvs-web', service: 'ping' }],
    });
    expect(ok(parseListDisabledReply(moncmd('list-disabled-none')))).toEqual({
      hosts: [],
      watches: [],
      services: [],
    });
  });

  it('reads the downtime log written when a service came back', () => {
    const [d] = ok(parseDtlogReply(moncmd('list-dtlog')));
    expect(d).toMatchObject({ group: 'lvs-web', service: 'http', interval: 1 });
    expect(d!.upAt - d!.failedAt).toBe(d!.downSeconds);
  });

  it('reads 220 and 520 status lines of commands', () => {
    const status = (name: string) => ok(parseMonReply(moncmd(name))).status;
    expect(status('ack')).toEqual({ code: 220, ok: true, text: 'ack completed' });
    expect(status('ack-not-failing')).toEqual({
      code: 520,
      ok: false,
      text: 'service is in a non-failure state',
    });
    expect(status('disable-service')).toMatchObject({ code: 220, ok: true });
    expect(status('disable-service-unknown')).toEqual({
      code: 520,
      ok: false,
      text: 'disable error, unknown service',
    });
    expect(status('disable-host-unknown').text).toBe(
      'disable host failed, host(s) 203.0.113.99 do not exist',
    );
    expect(status('enable-unknown')).toEqual({ code: 520, ok: false, text: 'enable error, unknown group' });
    expect(status('test-alert-unknown-period')).toEqual({ code: 520, ok: false, text: 'period not defined' });
    expect(status('unknown-command')).toEqual({ code: 520, ok: false, text: 'invalid command' });
    expect(ok(parseMonReply(moncmd('version')))).toEqual({
      status: { code: 220, ok: true, text: 'version completed' },
      body: ['version 9745'],
    });
  });

  it('is a typed error when the reply has no status line', () => {
    const r = parseMonReply('group=lvs service=web opstatus=1\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('MON_REPLY_NO_STATUS');
  });

  it("undoes mon's \\xx escaping", () => {
    expect(unescapeMonValue('all\\20ok\\0a')).toBe('all ok\n');
    expect(unescapeMonValue('it\\27s \\22q\\22')).toBe('it\'s "q"');
    expect(unescapeMonValue('caf\\c3\\a9')).toBe('café');
    expect(unescapeMonValue('\\zz')).toBe('\\zz');
  });
});
