import { describe, expect, it } from 'vitest';
import type { IpvsTable } from '../../src/core/ipvs/index.js';
import {
  canonicalIpvsConfig,
  diffIpvsTables,
  formatSaveRules,
  parseIpvsList,
  parseIpvsSave,
  serviceKey,
} from '../../src/core/ipvs/index.js';
import { ipvsFixture } from './ipvs-fixtures.js';

function save(name: string): IpvsTable {
  const r = parseIpvsSave(ipvsFixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function list(name: string): IpvsTable {
  const r = parseIpvsList(ipvsFixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('ipvsadm -S -n (captured from the lab director)', () => {
  it('writes a parsed save back byte for byte, so it can be fed to ipvsadm -R unchanged', () => {
    for (const name of ['mixed-save.txt', 'thousand-save.txt', 'empty-save.txt']) {
      expect(formatSaveRules(save(name))).toBe(ipvsFixture(name));
    }
  });

  it('reads the tunnel type, port and checksum that only the save format shows', () => {
    const t = save('mixed-save.txt');
    const rs = t.services
      .flatMap((s) => s.realServers)
      .filter((r) => r.forwarding === 'tun')
      .map((r) => [r.address, r.tunnel]);
    expect(rs).toEqual([
      ['198.51.100.13', { type: 'ipip', port: null, checksum: null }],
      ['198.51.100.24', { type: 'gue', port: 6080, checksum: 'nocsum' }],
    ]);
  });

  it('leaves connection counts unknown (null), as the save format has none', () => {
    const rs = save('mixed-save.txt').services[0]!.realServers[0]!;
    expect(rs.activeConns).toBeNull();
    expect(rs.inactiveConns).toBeNull();
  });

  it('describes the same configuration as -L -n of the same table', () => {
    for (const [s, l] of [
      ['mixed-save.txt', 'mixed-list.txt'],
      ['thousand-save.txt', 'thousand-list.txt'],
    ] as const) {
      expect(diffIpvsTables(save(s), list(l))).toEqual([]);
      expect(canonicalIpvsConfig(save(s))).toBe(canonicalIpvsConfig(list(l)));
    }
  });

  it('reads a rules file as ipvsadm -R does: defaults, long options, comments, a leading "ipvsadm"', () => {
    const r = parseIpvsSave(
      [
        '# /etc/ipvsadm.rules',
        'ipvsadm -A -t 192.0.2.1:80',
        '--add-server --tcp-service 192.0.2.1:80 --real-server 198.51.100.1 --masquerading',
        '-A -u 192.0.2.1:53 -s rr -p',
        '',
      ].join('\n'),
    );
    if (!r.ok) throw new Error(r.error.message);
    const [web, dns] = r.value.services;
    expect(web?.scheduler).toBe('wlc');
    expect(web?.realServers[0]).toMatchObject({
      address: '198.51.100.1',
      port: 80,
      forwarding: 'nat',
      weight: 1,
    });
    expect(dns?.persistence).toEqual({ timeout: 360, netmask: '255.255.255.255', engine: null });
  });

  it('refuses a real server of a service that no line adds, naming the line', () => {
    const r = parseIpvsSave('-a -t 192.0.2.1:80 -r 198.51.100.1:80 -g -w 1\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('IPVS_RULES_UNKNOWN_SERVICE');
      expect(r.error.line).toBe(1);
    }
  });

  it('sorts in the canonical config, so listing order does not count as a change', () => {
    const t = list('mixed-list.txt');
    const reversed: IpvsTable = {
      ...t,
      services: [...t.services].reverse().map((s) => ({ ...s, realServers: [...s.realServers].reverse() })),
    };
    expect(canonicalIpvsConfig(reversed)).toBe(canonicalIpvsConfig(t));
    expect(serviceKey(reversed.services[0]!.id)).toBe('fwm 2 ipv6');
  });
});
