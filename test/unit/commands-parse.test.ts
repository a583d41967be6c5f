import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE } from '../../src/core/commands/index.js';

function parsed(text: string) {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${r.error.message}`);
  return r.value;
}

function refused(text: string) {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('/lvs command grammar (docs/interfaces.md)', () => {
  it('parses every documented form', () => {
    expect(parsed('')).toEqual({ name: 'help' });
    expect(parsed('help')).toEqual({ name: 'help' });
    expect(parsed('status')).toEqual({ name: 'status' });
    expect(parsed('status lab')).toEqual({ name: 'status', cluster: 'lab' });
    expect(parsed('status 10.210.0.100:80')).toEqual({ name: 'status', vip: '10.210.0.100:80' });
    expect(parsed('drain web-2')).toEqual({ name: 'drain', server: 'web-2', remove: false });
    expect(parsed('drain web-2 --vip 10.0.0.1:80 --timeout 10m --remove')).toEqual({
      name: 'drain',
      server: 'web-2',
      vip: '10.0.0.1:80',
      timeoutMs: 600_000,
      remove: true,
    });
    expect(parsed('undrain web-2')).toEqual({ name: 'undrain', server: 'web-2' });
    expect(parsed('remove 10.210.1.12 --vip=10.210.0.100:80')).toEqual({
      name: 'remove',
      server: '10.210.1.12',
      vip: '10.210.0.100:80',
    });
    expect(parsed('restore web-2')).toEqual({ name: 'restore', server: 'web-2' });
    expect(parsed('weight web-3 5')).toEqual({ name: 'weight', server: 'web-3', weight: 5 });
    expect(parsed('failback')).toEqual({ name: 'failback' });
    expect(parsed('failback lab')).toEqual({ name: 'failback', cluster: 'lab' });
    expect(parsed('remount www --host web-1 --force')).toEqual({
      name: 'remount',
      fileset: 'www',
      host: 'web-1',
      force: true,
    });
    expect(parsed('subscribe <#C0LVSOPS|lvs-ops> cluster=lab kind=alert')).toEqual({
      name: 'subscribe',
      channel: 'C0LVSOPS',
      filter: { cluster: 'lab', kind: 'alert' },
    });
    expect(parsed('subscribe')).toEqual({ name: 'subscribe', filter: {} });
    expect(parsed('unsubscribe sub-3')).toEqual({ name: 'unsubscribe', id: 'sub-3' });
    expect(parsed('subscriptions')).toEqual({ name: 'subscriptions' });
    expect(parsed('jobs --all')).toEqual({ name: 'jobs', all: true });
    expect(parsed('job 42')).toEqual({ name: 'job', id: '42' });
    expect(parsed('cancel 42')).toEqual({ name: 'cancel', id: '42' });
    expect(parsed('build')).toEqual({ name: 'build' });
    expect(parsed('incidents')).toEqual({ name: 'incidents' });
    expect(parsed('incident lab-3')).toEqual({ name: 'incident', id: 'lab-3' });
    expect(parsed('ack lab-3 looking at it')).toEqual({ name: 'ack', id: 'lab-3', comment: 'looking at it' });
    expect(parsed('silence web-2:http 30m deploy in progress')).toEqual({
      name: 'silence',
      group: 'web-2',
      service: 'http',
      durationMs: 1_800_000,
      reason: 'deploy in progress',
    });
    expect(parsed('unsilence web-2')).toEqual({ name: 'unsilence', group: 'web-2' });
  });

  it('has a usage line for every command', () => {
    for (const [name, usage] of Object.entries(USAGE)) expect(usage).toMatch(new RegExp(`^/lvs ${name}`));
  });

  it.each([
    'drain "web-2; reboot"',
    'drain web-2;reboot',
    'drain web-2&&reboot',
    'drain $(reboot)',
    'drain `reboot`',
    "drain 'web-2\nreboot'",
    'drain web-2\u0000',
    'drain wеb-2', // Cyrillic е
    'drain ../../etc/passwd',
    `drain ${'a'.repeat(300)}`,
    'weight web-2 65536',
    'weight web-2 -1',
    'weight web-2 1e3',
    'drain web-2 --timeout forever',
    'drain web-2 --vip not-a-vip',
    'silence web-2 0s',
    'silence web-2 -5m',
    'silence web-2:http:x 5m',
    'subscribe #general',
    'subscribe kind=everything',
    'drain web-2 --frobnicate',
    'drain',
    'drain web-1 web-2',
  ])('refuses %j before any job exists, with the usage', (text) => {
    const e = refused(text);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('names an unknown command and suggests close ones', () => {
    const e = refused('drian web-2');
    expect(e.code).toBe('COMMAND_UNKNOWN');
    expect(e.message).toContain('/lvs help');
    expect(refused('stat').message).toContain('status');
  });

  it('never throws and never lets a shell metacharacter through in a name', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom('drain', 'remove', 'weight', 'remount', 'status'),
        (s, cmd) => {
          const r = parseCommand(`${cmd} ${s}`);
          if (r.ok) {
            const names = Object.values(r.value).filter((v): v is string => typeof v === 'string');
            for (const n of names) expect(n).not.toMatch(/[;&|`$<>(){}\\'"\s\u0000]/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
