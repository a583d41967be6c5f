import { describe, expect, it } from 'vitest';
import type { IpvsTable, VirtualService } from '../../src/core/ipvs/index.js';
import {
  mergeIpvsListings,
  parseIpvsList,
  parseIpvsListing,
  parseIpvsRate,
  parseIpvsStats,
  serviceKey,
} from '../../src/core/ipvs/index.js';
import { ipvsFixture } from './ipvs-fixtures.js';

function table(name: string): IpvsTable {
  const r = parseIpvsList(ipvsFixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function service(t: IpvsTable, key: string): VirtualService {
  const s = t.services.find((x) => serviceKey(x.id) === key);
  if (!s) throw new Error(`no ${key} in ${t.services.map((x) => serviceKey(x.id)).join(', ')}`);
  return s;
}

describe('ipvsadm -L -n (captured from the lab director)', () => {
  const t = table('mixed-list.txt');

  it('reads the header: IPVS version and connection table size', () => {
    expect(t.version).toBe('1.2.1');
    expect(t.connectionTableSize).toBe(4096);
  });

  it('reads every virtual service: IPv4, IPv6, UDP, SCTP and firewall marks', () => {
    expect(t.services.map((s) => serviceKey(s.id))).toEqual([
      'tcp 192.0.2.10:0',
      'tcp 192.0.2.10:443',
      'tcp 192.0.2.30:8080',
      'tcp 10.220.0.100:80',
      'udp 192.0.2.10:53',
      'udp 192.0.2.20:5060',
      'sctp 192.0.2.40:2905',
      'tcp [2001:db8::100]:80',
      'tcp [2001:db8::100]:443',
      'fwm 1',
      'fwm 2 ipv6',
    ]);
  });

  it('reads scheduler, persistence with netmask, and the persistence engine', () => {
    const https = service(t, 'tcp 192.0.2.10:443');
    expect(https.scheduler).toBe('rr');
    expect(https.persistence).toEqual({ timeout: 600, netmask: '255.255.255.0', engine: null });
    expect(service(t, 'tcp 192.0.2.10:0').persistence).toEqual({
      timeout: 360,
      netmask: '255.255.255.255',
      engine: null,
    });
    expect(service(t, 'udp 192.0.2.20:5060').persistence?.engine).toBe('sip');
    expect(service(t, 'tcp [2001:db8::100]:443').persistence).toEqual({
      timeout: 1800,
      netmask: '64',
      engine: null,
    });
  });

  it('reads scheduler flags and one-packet scheduling', () => {
    const dns = service(t, 'udp 192.0.2.10:53');
    expect(dns.schedFlags).toEqual(['sh-fallback', 'sh-port']);
    expect(dns.ops).toBe(true);
    expect(service(t, 'tcp 192.0.2.30:8080').schedFlags).toEqual(['flag-1', 'flag-3']);
    expect(service(t, 'tcp [2001:db8::100]:80').schedFlags).toEqual(['mh-port']);
    expect(service(t, 'tcp 10.220.0.100:80').ops).toBe(false);
  });

  it('names forwarding dr, nat and tun, with weights from 0 to 65535 and connection counts', () => {
    const https = service(t, 'tcp 192.0.2.10:443');
    expect(https.realServers.map((r) => [r.address, r.port, r.forwarding, r.weight])).toEqual([
      ['198.51.100.11', 443, 'dr', 1],
      ['198.51.100.12', 443, 'dr', 0],
      ['198.51.100.13', 443, 'tun', 65535],
    ]);
    const web = service(t, 'tcp 10.220.0.100:80');
    // The captured run left its finished downloads in TIME_WAIT: inactive, not active.
    expect(web.realServers.map((r) => [r.address, r.forwarding, r.weight, r.activeConns])).toEqual([
      ['10.220.1.11', 'nat', 1, 0],
      ['10.220.1.12', 'nat', 3, 0],
    ]);
    expect(web.realServers.every((r) => (r.inactiveConns ?? 0) > 0)).toBe(true);
  });

  it('reads IPv6 real servers, including one wider than the column', () => {
    const v6 = service(t, 'tcp [2001:db8::100]:443');
    expect(v6.realServers.map((r) => `${r.family} ${r.address} ${r.port} ${r.weight}`)).toEqual([
      'ipv6 2001:db8:1:0:ffff:ffff:ffff:ffff 443 7',
      'ipv6 2001:db8:1::11 443 1',
    ]);
  });

  it('reads firewall-mark services of both families with their real servers', () => {
    const fwm1 = service(t, 'fwm 1');
    expect(fwm1.id).toEqual({ protocol: 'fwm', family: 'ipv4', fwmark: 1 });
    expect(fwm1.realServers).toHaveLength(2);
    expect(fwm1.realServers[0]?.port).toBe(0);
    const fwm2 = service(t, 'fwm 2 ipv6');
    expect(fwm2.id).toEqual({ protocol: 'fwm', family: 'ipv6', fwmark: 2 });
    expect(fwm2.realServers[0]?.address).toBe('2001:db8:1::31');
  });

  it('gives the same table with --exact', () => {
    expect(table('mixed-list-exact.txt')).toEqual(t);
  });

  it('reads a one-service listing, which has no version header', () => {
    const one = table('mixed-list-one-service.txt');
    expect(one.version).toBeNull();
    expect(one.services.map((s) => serviceKey(s.id))).toEqual(['tcp 10.220.0.100:80']);
    expect(one.services[0]?.realServers).toHaveLength(2);
  });

  it('reads an empty table', () => {
    expect(table('empty-list.txt').services).toEqual([]);
  });

  it('reads a table of 1,000 real servers', () => {
    const big = table('thousand-list.txt');
    const web = service(big, 'tcp 192.0.2.100:80');
    expect(web.realServers).toHaveLength(1000);
    expect(web.realServers.map((r) => r.weight).reduce((a, b) => a + b, 0)).toBe(3000);
    expect(service(big, 'udp 192.0.2.100:53').realServers).toHaveLength(1);
  });
});

describe('ipvsadm -L -n --stats and --rate (captured during 1.2 GB of real traffic)', () => {
  it('reads K- and M-scaled counters as lower bounds and marks them approximate', () => {
    const r = parseIpvsStats(ipvsFixture('mixed-stats.txt'));
    if (!r.ok) throw new Error(r.error.message);
    const web = r.value.services.find((s) => serviceKey(s.id) === 'tcp 10.220.0.100:80')!;
    expect(web.counters.approximate).toBe(true);
    expect(web.counters.conns).toBe(8);
    expect(web.counters.outBytes % 1_000_000).toBe(0);
    expect(web.counters.outBytes).toBeGreaterThan(1e9);
    expect(web.realServers.every((rs) => rs.counters.approximate)).toBe(true);
    const idle = r.value.services.find((s) => serviceKey(s.id) === 'fwm 1')!;
    expect(idle.counters).toEqual({
      conns: 0,
      inPkts: 0,
      outPkts: 0,
      inBytes: 0,
      outBytes: 0,
      approximate: false,
    });
  });

  it('reads --exact counters exactly, agreeing with the scaled ones', () => {
    const scaled = parseIpvsStats(ipvsFixture('mixed-stats.txt'));
    const exact = parseIpvsStats(ipvsFixture('mixed-stats-exact.txt'));
    if (!scaled.ok || !exact.ok) throw new Error('parse failed');
    const pick = (l: typeof exact.value) =>
      l.services.find((s) => serviceKey(s.id) === 'tcp 10.220.0.100:80')!;
    const e = pick(exact.value).counters;
    const s = pick(scaled.value).counters;
    expect(e.approximate).toBe(false);
    expect(e.outBytes).toBeGreaterThan(1e9);
    expect(Math.floor(e.outBytes / 1e6) * 1e6).toBe(s.outBytes);
    expect(e.conns).toBe(s.conns);
    expect(e.inPkts).toBe(s.inPkts);
  });

  it('reads rates per service and real server', () => {
    const r = parseIpvsRate(ipvsFixture('mixed-rate.txt'));
    if (!r.ok) throw new Error(r.error.message);
    const web = r.value.services.find((s) => serviceKey(s.id) === 'tcp 10.220.0.100:80')!;
    expect(web.counters.outBps).toBeGreaterThan(1_000_000);
    expect(web.realServers).toHaveLength(2);
    const sum = web.realServers.reduce((a, rs) => a + rs.counters.inPps, 0);
    expect(sum).toBe(web.counters.inPps);
  });

  it('reads a one-service --stats listing of a firewall mark', () => {
    const r = parseIpvsStats(ipvsFixture('mixed-stats-one-fwmark.txt'));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.services.map((s) => serviceKey(s.id))).toEqual(['fwm 1']);
  });

  it('tells which listing a text is', () => {
    const views = ['thousand-list.txt', 'thousand-stats.txt', 'thousand-rate-exact.txt'].map((f) => {
      const r = parseIpvsListing(ipvsFixture(f));
      return r.ok ? r.value.view : r.error.code;
    });
    expect(views).toEqual(['table', 'stats', 'rate']);
  });

  it('refuses a --stats listing where a -L -n one is expected, saying which it got', () => {
    const r = parseIpvsList(ipvsFixture('mixed-stats.txt'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('IPVSADM_WRONG_VIEW');
      expect(r.error.message).toContain('--stats');
    }
  });
});

describe('merging -L -n with --stats and --rate', () => {
  it('gives every service and real server of the 1,000-server table its counters', () => {
    const list = parseIpvsList(ipvsFixture('thousand-list.txt'));
    const stats = parseIpvsStats(ipvsFixture('thousand-stats.txt'));
    const rates = parseIpvsRate(ipvsFixture('thousand-rate.txt'));
    if (!list.ok || !stats.ok || !rates.ok) throw new Error('parse failed');
    const merged = mergeIpvsListings(list.value, { stats: stats.value, rates: rates.value });
    if (!merged.ok) throw new Error(merged.error.message);
    const all = merged.value.services.flatMap((s) => s.realServers);
    expect(all).toHaveLength(1001);
    expect(all.every((rs) => rs.stats !== null && rs.rates !== null)).toBe(true);
    expect(merged.value.services.every((s) => s.stats !== null && s.scheduler !== null)).toBe(true);
  });

  it('puts the traffic counters on the real server that carried them', () => {
    const list = parseIpvsList(ipvsFixture('mixed-list.txt'));
    const stats = parseIpvsStats(ipvsFixture('mixed-stats-exact.txt'));
    if (!list.ok || !stats.ok) throw new Error('parse failed');
    const merged = mergeIpvsListings(list.value, { stats: stats.value });
    if (!merged.ok) throw new Error(merged.error.message);
    const web = merged.value.services.find((s) => serviceKey(s.id) === 'tcp 10.220.0.100:80')!;
    const conns = web.realServers.map((rs) => rs.stats?.conns ?? -1);
    expect(conns.reduce((a, b) => a + b, 0)).toBe(web.stats?.conns);
    expect(web.realServers.map((rs) => rs.weight)).toEqual([1, 3]);
  });

  it('refuses listings of different tables, naming the difference', () => {
    const list = parseIpvsList(ipvsFixture('mixed-list.txt'));
    const stats = parseIpvsStats(ipvsFixture('thousand-stats.txt'));
    if (!list.ok || !stats.ok) throw new Error('parse failed');
    const merged = mergeIpvsListings(list.value, { stats: stats.value });
    expect(merged.ok).toBe(false);
    if (!merged.ok) {
      expect(merged.error.code).toBe('IPVS_LISTINGS_DIFFER');
      expect(merged.error.message).toContain('TCP 192.0.2.10:0');
    }
  });
});

describe('input that is not an ipvsadm listing', () => {
  it('is a typed error with the line number, not an exception', () => {
    const broken = ipvsFixture('mixed-list.txt').replace('Route   2', 'Bridge  2');
    const r = parseIpvsList(broken);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('IPVSADM_BAD_REAL_SERVER_LINE');
      expect(r.error.line).toBe(5);
    }
    const empty = parseIpvsList('');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.code).toBe('IPVSADM_NO_TITLE');
  });
});
