import { describe, expect, it } from 'vitest';
import { generate, inventoryIpvsTable, monWatchPlan } from '../../src/build/generate/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { canonicalIpvsConfig, parseIpvsSave } from '../../src/core/ipvs/index.js';
import { parseMonConfig } from '../../src/core/mon/index.js';
import { brokenCopy, C0, DELETE, EXAMPLE, loadOk } from './inventory-edit.js';

const seed = (): Cluster => loadOk(EXAMPLE).clusters[0]!;
const edited = (...edits: Parameters<typeof brokenCopy>): Cluster =>
  loadOk(brokenCopy(...edits)).clusters[0]!;

function textOf(kind: string, cluster: Cluster, options = {}): string {
  const r = generate(kind, cluster, options);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.map((f) => f.text).join('');
}

function errorOf(kind: string, cluster: Cluster, options = {}): string {
  const r = generate(kind, cluster, options);
  if (r.ok) throw new Error(`expected ${kind} to be refused`);
  return r.error.message;
}

describe('gen mon.cf', () => {
  it('has one hostgroup and one watch per real server, ping and http (depending on ping), in the HOWTO shape', () => {
    const text = textOf('mon.cf', seed());
    const read = parseMonConfig(text);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const cf = read.value.config;
    expect(cf.hostgroups).toEqual([
      { name: 'web-1', hosts: ['192.168.10.21'] },
      { name: 'web-2', hosts: ['192.168.10.22'] },
      { name: 'web-3', hosts: ['192.168.10.23'] },
    ]);
    expect(cf.watches.map((w) => [w.group, w.services.map((s) => s.name)])).toEqual([
      ['web-1', ['ping', 'http']],
      ['web-2', ['ping', 'http']],
      ['web-3', ['ping', 'http']],
    ]);
    const http = cf.watches[2]!.services[1]!;
    expect(http.monitor).toBe('http.monitor -p 80 -t 5');
    expect(http.depend).toBe('web-3:ping');
    const period = http.periods[0]!;
    expect(period.spec).toBe('wd {Sun-Sat}');
    expect(period.alertevery).toBe('30m');
    expect(period.alerts).toEqual(['slack.alert -P tcp -V 192.168.10.100:80 -R 192.168.10.23:80 -W 2 -F dr']);
    expect(period.upalerts).toEqual(period.alerts);
    expect(cf.watches[0]!.services[0]!.monitor).toBe('ping.monitor');
  });

  it('never has a blank line inside a watch block', () => {
    const text = textOf('mon.cf', seed());
    const blocks = text.split(/\n\s*\n/).filter((b) => /^watch /m.test(b));
    expect(blocks).toHaveLength(3);
    for (const b of blocks) {
      expect(b.trimStart().startsWith('watch ')).toBe(true);
      expect(b.match(/service /g)).toHaveLength(2);
    }
  });

  it("sets the bot's URL and the cluster for slack.alert, never a token", () => {
    const text = textOf('mon.cf', seed(), { alertUrl: 'http://10.0.0.5:3000' });
    expect(text).toContain('        LVS_CHATOPS_URL=http://10.0.0.5:3000');
    expect(text).toContain('        LVS_CHATOPS_CLUSTER=seed');
    expect(text).not.toMatch(/TOKEN/);
  });

  it('uses fping.monitor when asked, and says it needs the fping package', () => {
    const r = generate('mon.cf', seed(), { pingMonitor: 'fping.monitor' });
    expect(r.ok && r.value[0]!.text).toContain('monitor fping.monitor');
    expect(r.ok && r.value[0]!.notes.join(' ')).toMatch(/fping package/);
  });

  it('lists the same groups and services as monWatchPlan (what a Check expects in list watch)', () => {
    expect(monWatchPlan(seed())).toEqual([
      { group: 'web-1', services: ['ping', 'http'] },
      { group: 'web-2', services: ['ping', 'http'] },
      { group: 'web-3', services: ['ping', 'http'] },
    ]);
  });

  it('names each check after its virtual service when a real server serves several', () => {
    const c = edited(
      [[...C0, 'virtualServices', 1], { name: 'api', vip: '192.168.10.101', port: 8443 }],
      [
        [...C0, 'realServers', 0, 'services'],
        [{ service: 'web' }, { service: 'api' }],
      ],
    );
    const text = textOf('mon.cf', c);
    expect(monWatchPlan(c)[0]).toEqual({ group: 'web-1', services: ['ping', 'web', 'api'] });
    expect(text).toContain('monitor tcp.monitor -p 8443');
    expect(text).toContain(
      'alert slack.alert -P tcp -V 192.168.10.101:8443 -R 192.168.10.21:8443 -W 1 -F dr',
    );
  });

  it('goes on both directors when mon runs on a director or follows the VIP, and nowhere it cannot reach otherwise', () => {
    const onDirector = generate('mon.cf', seed());
    expect(onDirector.ok && onDirector.value[0]!.hosts).toEqual(['lvs-master', 'lvs-slave']);
    const onVip = generate('mon.cf', edited([[...C0, 'mon', 'host'], '192.168.10.100']));
    expect(onVip.ok && onVip.value[0]!.hosts).toEqual(['lvs-master', 'lvs-slave']);
    const outside = generate('mon.cf', edited([[...C0, 'mon', 'host'], '192.168.10.5']));
    expect(outside.ok && outside.value[0]!.hosts).toEqual([]);
    expect(outside.ok && outside.value[0]!.notes.join(' ')).toMatch(
      /mon runs on 192\.168\.10\.5, outside the inventory/,
    );
  });

  it('says what to add when the cluster has no mon section', () => {
    expect(errorOf('mon.cf', edited([[...C0, 'mon'], DELETE]))).toMatch(
      /mon\.cf needs the mon section of cluster seed: add clusters\[seed\]\.mon with host/,
    );
  });
});

describe('gen ha.cf, haresources, authkeys', () => {
  it('writes ha.cf with both nodes, ucast to both directors, udpport before the media lines', () => {
    const lines = textOf('ha.cf', seed()).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'keepalive 2',
        'deadtime 30',
        'ucast eth0 192.168.10.11',
        'ucast eth0 192.168.10.12',
        'auto_failback on',
        'node LVS-Master',
        'node LVS-Slave',
        'crm no',
      ]),
    );
    expect(lines.indexOf('udpport 694')).toBeLessThan(lines.indexOf('ucast eth0 192.168.10.11'));
  });

  it('writes sub-second heartbeat times in ms', () => {
    const c = edited([[...C0, 'heartbeat', 'keepalive'], '250ms'], [[...C0, 'heartbeat', 'deadtime'], '2s']);
    expect(textOf('ha.cf', c)).toMatch(/^keepalive 250ms\ndeadtime 2$/m);
  });

  it('refuses ha.cf, haresources and authkeys without a standby director, saying to add one', () => {
    const c = edited([[...C0, 'directors', 1], DELETE]);
    for (const kind of ['ha.cf', 'haresources', 'authkeys']) {
      expect(errorOf(kind, c, { authSecret: 'x'.repeat(16) })).toMatch(
        /needs two directors, and cluster seed has only lvs-master: add the standby director/,
      );
    }
  });

  it('refuses ha.cf without a heartbeat section, saying what to add', () => {
    expect(errorOf('ha.cf', edited([[...C0, 'heartbeat'], DELETE]))).toMatch(
      /add clusters\[seed\]\.heartbeat with at least interface/,
    );
  });

  it('puts the VIP, the IPVS table and mon in one group on the preferred node', () => {
    expect(textOf('haresources', seed())).toMatch(
      /^LVS-Master IPaddr::192\.168\.10\.100\/32\/eth0 ipvsadm-rules::\/etc\/ipvsadm\.rules mon$/m,
    );
  });

  it('writes authkeys with mode 600 and refuses it without a secret', () => {
    const r = generate('authkeys', seed(), { authSecret: 'a-long-enough-secret' });
    expect(r.ok && r.value[0]!.mode).toBe(0o600);
    expect(r.ok && r.value[0]!.text).toMatch(/^auth 1\n1 sha1 a-long-enough-secret\n$/m);
    expect(errorOf('authkeys', seed())).toMatch(/shared secret/);
    expect(errorOf('authkeys', seed(), { authSecret: 'has space' })).toMatch(/without spaces/);
  });
});

describe('gen ipvsadm-rules', () => {
  it('is the inventory table in -S -n form, read back identically', () => {
    const text = textOf('ipvsadm-rules', seed());
    expect(text).toBe(
      [
        '-A -t 192.168.10.100:80 -s wlc',
        '-a -t 192.168.10.100:80 -r 192.168.10.21:80 -g -w 1',
        '-a -t 192.168.10.100:80 -r 192.168.10.22:80 -g -w 1',
        '-a -t 192.168.10.100:80 -r 192.168.10.23:80 -g -w 2',
        '',
      ].join('\n'),
    );
    const back = parseIpvsSave(text);
    expect(back.ok).toBe(true);
    if (back.ok)
      expect(canonicalIpvsConfig(back.value)).toBe(canonicalIpvsConfig(inventoryIpvsTable(seed())));
  });

  it('writes persistence in seconds', () => {
    const c = edited([[...C0, 'virtualServices', 0, 'persistence'], '6m']);
    expect(textOf('ipvsadm-rules', c)).toMatch(/^-A -t 192\.168\.10\.100:80 -s wlc -p 360$/m);
  });
});

describe('gen ifcfg-lo, lo-networkd, arp-sysctl', () => {
  it('writes the classic lo:0 alias with a /32 netmask and the VIP as broadcast', () => {
    const r = generate('ifcfg-lo', seed(), { host: 'web-2' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toHaveLength(1);
    expect(r.value[0]!.path).toBe('/etc/sysconfig/network-scripts/ifcfg-lo:0');
    expect(r.value[0]!.hosts).toEqual(['web-2']);
    expect(r.value[0]!.text).toContain(
      'DEVICE=lo:0\nIPADDR=192.168.10.100\nNETMASK=255.255.255.255\nBROADCAST=192.168.10.100\nONBOOT=yes',
    );
  });

  it('writes the systemd-networkd equivalent, keeping loopback addresses', () => {
    const text = textOf('lo-networkd', seed());
    expect(text).toContain('[Match]\nName=lo\n');
    expect(text).toContain('Address=127.0.0.1/8\nAddress=::1/128\nAddress=192.168.10.100/32');
  });

  it('sets arp_ignore=1 and arp_announce=2 on all and lo, keeping the 2.4 hidden settings as a comment', () => {
    const text = textOf('arp-sysctl', seed());
    expect(text).toContain('net.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce = 2');
    expect(text).toContain('net.ipv4.conf.lo.arp_ignore = 1\nnet.ipv4.conf.lo.arp_announce = 2');
    expect(text).toContain('# net.ipv4.conf.all.hidden = 1\n# net.ipv4.conf.lo.hidden = 1');
  });

  it('refuses a VIP on lo for a NAT-only real server, and for a director', () => {
    const nat = edited([[...C0, 'virtualServices', 0, 'forwarding'], 'nat']);
    expect(errorOf('ifcfg-lo', nat, { host: 'web-1' })).toMatch(
      /web-1 forwards with NAT only: no VIP goes on lo/,
    );
    expect(errorOf('ifcfg-lo', seed(), { host: 'lvs-master' })).toMatch(
      /lvs-master is a director; ifcfg-lo is for the real servers/,
    );
  });
});

describe('gen hosts, fstab', () => {
  it('lists every director (with its node name), real server and VIP', () => {
    const text = textOf('hosts', seed());
    expect(text).toMatch(/^192\.168\.10\.11 +lvs-master LVS-Master$/m);
    expect(text).toMatch(/^192\.168\.10\.23 +web-3$/m);
    expect(text).toMatch(/^192\.168\.10\.100 +seed-web-vip$/m);
  });

  it("writes the fileset's fstab line, with the InterMezzo note", () => {
    const r = generate('fstab', seed());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]!.text).toContain(
      '/dev/hda9\t/var/www\tintermezzo\tfileset=www,cache_type=ext3,prestodev=/dev/intermezzo0\t0\t0',
    );
    expect(r.value[0]!.notes.join(' ')).toMatch(/InterMezzo left mainline Linux/);
  });

  it('says what to add when a fileset has no device, or there is none', () => {
    expect(errorOf('fstab', edited([[...C0, 'filesets', 0, 'device'], DELETE]))).toMatch(
      /fileset www needs its device: add filesets\[www\]\.device/,
    );
    expect(errorOf('fstab', edited([[...C0, 'filesets'], DELETE]))).toMatch(
      /cluster seed has no fileset: add one/,
    );
  });
});

describe('gen, any kind', () => {
  it('refuses an unknown kind, naming the kinds', () => {
    expect(errorOf('keepalived.conf', seed())).toMatch(
      /unknown kind 'keepalived.conf'; the kinds are mon\.cf, ha\.cf/,
    );
  });

  it('refuses a host the cluster does not have, and a file that does not go on the host', () => {
    expect(errorOf('ha.cf', seed(), { host: 'web-9' })).toMatch(/web-9 is not a host of cluster seed/);
    expect(errorOf('ha.cf', seed(), { host: 'web-1' })).toMatch(
      /ha\.cf does not go on web-1; it goes on lvs-master, lvs-slave/,
    );
  });
});
