import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type DirectorEvidence, findActiveDirector } from '../../src/core/policy/active-director.js';
import { holdsVip, parseInterfaceAddresses } from '../../src/core/policy/interface-addresses.js';
import { ipAddr } from './playbook-fixtures.js';

const VIP = '10.210.0.100';

function director(name: string, over: Partial<DirectorEvidence> = {}): DirectorEvidence {
  return { name, preferred: name === 'lb1', unreachable: null, resources: 'none', holdsVips: [], ...over };
}

describe('active director', () => {
  it('is the director holding the VIP, with heartbeat agreeing', () => {
    const decision = findActiveDirector(
      [director('lb1', { resources: 'local', holdsVips: [VIP] }), director('lb2')],
      [VIP],
    );
    expect(decision).toMatchObject({ ok: true, active: 'lb1', standby: ['lb2'] });
  });

  it('follows a failover: lb2 holding everything is the active one', () => {
    const decision = findActiveDirector(
      [director('lb1', { resources: 'stopped' }), director('lb2', { resources: 'all', holdsVips: [VIP] })],
      [VIP],
    );
    expect(decision).toMatchObject({ ok: true, active: 'lb2', standby: ['lb1'] });
  });

  it('refuses when two directors hold the VIP (split brain)', () => {
    const decision = findActiveDirector(
      [
        director('lb1', { resources: 'all', holdsVips: [VIP] }),
        director('lb2', { resources: 'all', holdsVips: [VIP] }),
      ],
      [VIP],
    );
    expect(decision).toMatchObject({ ok: false, code: 'SPLIT_BRAIN' });
  });

  it('refuses while heartbeat is in transition anywhere', () => {
    const decision = findActiveDirector(
      [
        director('lb1', { resources: 'local', holdsVips: [VIP] }),
        director('lb2', { resources: 'transition' }),
      ],
      [VIP],
    );
    expect(decision).toMatchObject({ ok: false, code: 'FAILOVER_IN_PROGRESS' });
  });

  it('refuses when the VIP holder says it holds no resources', () => {
    const decision = findActiveDirector(
      [director('lb1', { resources: 'none', holdsVips: [VIP] }), director('lb2')],
      [VIP],
    );
    expect(decision).toMatchObject({ ok: false, code: 'FAILOVER_IN_PROGRESS' });
  });

  it('names the unreachable director when nobody is seen holding the VIP', () => {
    const decision = findActiveDirector(
      [director('lb1', { unreachable: 'connection refused', resources: null }), director('lb2')],
      [VIP],
    );
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.code).toBe('NO_ACTIVE_DIRECTOR');
      expect(decision.message).toContain('lb1 could not be read and may hold it');
    }
  });
});

describe('ip -o addr', () => {
  it('reads the VIP on an alias label and the device it is on', () => {
    const parsed = parseInterfaceAddresses(ipAddr('lb1', true));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toContainEqual({ device: 'vec0', label: 'vec0:0', address: VIP, prefixLength: 32 });
    expect(holdsVip(parsed.value, VIP)).toBe(true);
  });

  it('does not count a VIP on lo: real servers and a standby that serves keep it there', () => {
    const text =
      '1: lo    inet 10.210.0.100/32 scope global lo:0\\       valid_lft forever preferred_lft forever\n';
    const parsed = parseInterfaceAddresses(text);
    expect(parsed.ok && holdsVip(parsed.value, VIP)).toBe(false);
  });

  it("reads this machine's own `ip -o addr show`", () => {
    const text = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
    const parsed = parseInterfaceAddresses(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(parsed.value.some((a) => a.address === '127.0.0.1' && a.device === 'lo')).toBe(true);
  });

  it('compares IPv6 VIPs in their canonical spelling', () => {
    const text =
      '2: eth0    inet6 2001:DB8:0:0::10/128 scope global \\       valid_lft forever preferred_lft forever\n';
    const parsed = parseInterfaceAddresses(text);
    expect(parsed.ok && holdsVip(parsed.value, '2001:db8::10')).toBe(true);
  });
});
