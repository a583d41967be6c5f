import { describe, expect, it } from 'vitest';
import { buildStep, evaluateCheck, type ProbeOutcome, type StepCheck } from '../../src/build/steps/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { EXAMPLE, loadOk } from './inventory-edit.js';

const seed = (): Cluster => loadOk(EXAMPLE).clusters[0]!;

function check(stepId: string, checkId: string): StepCheck {
  const c = buildStep(seed(), stepId)?.checks.find((x) => x.id === checkId);
  if (!c) throw new Error(`no check ${checkId} in ${stepId}`);
  return c;
}

const out = (stdout: string, code = 0, stderr = ''): ProbeOutcome => ({ ok: true, stdout, stderr, code });

/** Answers each probe by host and the argv's first words, as the hosts would. */
function answer(c: StepCheck, table: Record<string, ProbeOutcome>): ProbeOutcome[] {
  return c.probes.map((p) => {
    const key = Object.keys(table)
      .filter((k) => {
        const [host, ...words] = k.split(' ');
        return host === p.host && words.every((w, i) => p.argv[i] === w);
      })
      .sort((a, b) => b.length - a.length)[0];
    if (key === undefined) throw new Error(`no answer for ${p.host}: ${p.argv.join(' ')}`);
    return table[key]!;
  });
}

const ADDR_MASTER = [
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\\       valid_lft forever preferred_lft forever',
  '2: eth0    inet 192.168.10.100/32 brd 192.168.10.100 scope global eth0:0\\       valid_lft forever preferred_lft forever',
].join('\n');
const ADDR_SLAVE =
  '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n2: eth0    inet 192.168.10.12/24 brd 192.168.10.255 scope global eth0\\       valid_lft forever preferred_lft forever\n';
const LOCAL_MASTER =
  'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 \nlocal 192.168.10.100 dev eth0 proto kernel scope host src 192.168.10.100 \n';

const rs = (address: string, weight: number) =>
  `  -> ${`${address}:80`.padEnd(28)} ${'Route'.padEnd(7)} ${String(weight).padEnd(6)} ${'0'.padEnd(10)} ${'0'.padEnd(10)}`;
const HEADER =
  'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
const FULL_TABLE = `${HEADER}TCP  192.168.10.100:80 wlc\n${rs('192.168.10.21', 1)}\n${rs('192.168.10.22', 1)}\n${rs('192.168.10.23', 2)}\n`;

describe('evaluating the build’s checks', () => {
  it('passes the director VIP when one director holds it with its host route, with the evidence', () => {
    const c = check('director-vip', 'vip-on-director');
    const v = evaluateCheck(
      c,
      answer(c, {
        'lvs-master ip -o addr': out(ADDR_MASTER),
        'lvs-master ip route': out(LOCAL_MASTER),
        'lvs-slave ip -o addr': out(ADDR_SLAVE),
        'lvs-slave ip route': out('local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1\n'),
      }),
    );
    expect(v.pass).toBe(true);
    expect(v.evidence).toEqual([
      'lvs-master: holds 192.168.10.100/32 on eth0 (label eth0:0); host route: local 192.168.10.100 dev eth0 proto kernel scope host src 192.168.10.100',
    ]);
  });

  it('fails when both directors hold the VIP, or none does', () => {
    const c = check('director-vip', 'vip-on-director');
    const both = evaluateCheck(
      c,
      answer(c, {
        'lvs-master ip -o addr': out(ADDR_MASTER),
        'lvs-master ip route': out(LOCAL_MASTER),
        'lvs-slave ip -o addr': out(ADDR_MASTER.replaceAll('192.168.10.11/', '192.168.10.12/')),
        'lvs-slave ip route': out(LOCAL_MASTER),
      }),
    );
    expect(both.pass).toBe(false);
    expect(both.evidence.at(-1)).toBe(
      'lvs-master and lvs-slave all hold the VIP 192.168.10.100: only the active director may',
    );
    const none = evaluateCheck(
      c,
      answer(c, {
        'lvs-master ip -o addr': out(ADDR_SLAVE),
        'lvs-master ip route': out(''),
        'lvs-slave ip -o addr': out(ADDR_SLAVE),
        'lvs-slave ip route': out(''),
      }),
    );
    expect(none).toMatchObject({ pass: false, evidence: ['no director holds the VIP 192.168.10.100'] });
  });

  it('fails, naming the host and why, when a host cannot be reached — never passes', () => {
    const c = check('director-vip', 'vip-on-director');
    const outcomes = answer(c, {
      'lvs-master ip -o addr': out(ADDR_MASTER),
      'lvs-master ip route': out(LOCAL_MASTER),
      'lvs-slave ip': {
        ok: false,
        error: 'lvs-slave (root@192.168.10.12:22) is unreachable: connect ECONNREFUSED',
      },
    });
    const v = evaluateCheck(c, outcomes);
    expect(v.pass).toBe(false);
    expect(v.evidence[0]).toBe(
      'lvs-slave: could not run `ip -o addr show`: lvs-slave (root@192.168.10.12:22) is unreachable: connect ECONNREFUSED',
    );
  });

  it('passes the IPVS table when the active director has every real server, even with the standby’s table empty', () => {
    const c = check('ipvs-table', 'ipvs-table');
    const v = evaluateCheck(
      c,
      answer(c, { 'lvs-master ipvsadm': out(FULL_TABLE), 'lvs-slave ipvsadm': out(HEADER) }),
    );
    expect(v).toMatchObject({
      pass: true,
      evidence: ['lvs-master: tcp 192.168.10.100:80 wlc with web-1 dr w1, web-2 dr w1, web-3 dr w2'],
    });
  });

  it('fails the IPVS table when a real server is missing, naming it', () => {
    const c = check('ipvs-table', 'ipvs-table');
    const partial = `${HEADER}TCP  192.168.10.100:80 wlc\n${rs('192.168.10.21', 1)}\n${rs('192.168.10.23', 2)}\n`;
    const v = evaluateCheck(
      c,
      answer(c, { 'lvs-master ipvsadm': out(partial), 'lvs-slave ipvsadm': out(HEADER) }),
    );
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      'lvs-master: tcp 192.168.10.100:80 lacks web-2 (192.168.10.22:80) (has web-1 dr w1, web-3 dr w2)',
    ]);
  });

  it('fails when IPVS is not in a director’s kernel, with ipvsadm’s message', () => {
    const c = check('kernel', 'ipvs-available');
    const v = evaluateCheck(
      c,
      answer(c, {
        'lvs-master ipvsadm': out(HEADER),
        'lvs-slave ipvsadm': out(
          '',
          2,
          "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n",
        ),
      }),
    );
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      'lvs-master: IP Virtual Server version 1.2.1 (size=4096)',
      "lvs-slave: IPVS is not available: Can't initialize ipvs: Protocol not available",
    ]);
  });

  const ARP_OK =
    '/proc/sys/net/ipv4/conf/all/arp_ignore:1\n/proc/sys/net/ipv4/conf/all/arp_announce:2\n/proc/sys/net/ipv4/conf/lo/arp_ignore:1\n/proc/sys/net/ipv4/conf/lo/arp_announce:2\n';
  const LO_VIP =
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n1: lo    inet 192.168.10.100/32 scope global lo:0\\       valid_lft forever preferred_lft forever\n';
  const LO_ONLY = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n';

  it('fails a real server whose VIP was taken off lo, and one that would answer ARP, with the evidence', () => {
    const c = check('real-server-vip', 'rs-vip-on-lo');
    const v = evaluateCheck(
      c,
      answer(c, {
        'web-1 ip': out(LO_VIP),
        'web-1 grep': out(ARP_OK, 2),
        'web-2 ip': out(LO_ONLY),
        'web-2 grep': out(ARP_OK, 2),
        'web-3 ip': out(LO_VIP),
        'web-3 grep': out(ARP_OK.replace('all/arp_ignore:1', 'all/arp_ignore:0'), 2),
      }),
    );
    expect(v.pass).toBe(false);
    expect(v.evidence).toContain('web-1: 192.168.10.100/32 (lo:0) on lo');
    expect(v.evidence).toContain('web-2: 192.168.10.100/32 not on lo');
    expect(v.evidence).toContain(
      'web-3: answers ARP for the VIP: arp_ignore 0, arp_announce 2 (all); needs arp_ignore 1 and arp_announce 2',
    );
  });

  it('accepts the hidden patch of a 2.4 kernel', () => {
    const c = check('real-server-vip', 'rs-vip-on-lo');
    const hidden = '/proc/sys/net/ipv4/conf/all/hidden:1\n/proc/sys/net/ipv4/conf/lo/hidden:1\n';
    const v = evaluateCheck(
      c,
      answer(c, {
        'web-1 ip': out(LO_VIP),
        'web-1 grep': out(hidden, 2),
        'web-2 ip': out(LO_VIP),
        'web-2 grep': out(hidden, 2),
        'web-3 ip': out(LO_VIP),
        'web-3 grep': out(hidden, 2),
      }),
    );
    expect(v.pass).toBe(true);
    expect(v.evidence).toContain('web-2: hidden 1 (all), 1 (lo)');
  });

  const WATCH =
    'web-1 ping\nweb-1 http\nweb-2 ping\nweb-2 http\nweb-3 ping\nweb-3 http\n220 list watch completed\n';

  it('passes mon when the director that runs it watches every service, the other not answering', () => {
    const c = check('mon-config', 'mon-watch');
    const v = evaluateCheck(
      c,
      answer(c, {
        'lvs-master moncmd': out(WATCH),
        'lvs-slave moncmd': out('', 111, 'could not connect: Connection refused\n'),
      }),
    );
    expect(v.pass).toBe(true);
    expect(v.evidence).toEqual([
      'lvs-master: mon answers list watch with all 6 services (web-1, web-2, web-3)',
      'lvs-slave: mon does not answer: could not connect: Connection refused',
    ]);
  });

  it('fails mon when a service is not watched, or mon answers nowhere', () => {
    const c = check('mon-config', 'mon-watch');
    const partial = evaluateCheck(
      c,
      answer(c, {
        'lvs-master moncmd': out(WATCH.replace('web-2 http\n', '')),
        'lvs-slave moncmd': out('', 111, 'could not connect: Connection refused\n'),
      }),
    );
    expect(partial.pass).toBe(false);
    expect(partial.evidence[0]).toBe('lvs-master: mon answers, but does not watch web-2 http');
    const down = evaluateCheck(
      c,
      answer(c, {
        'lvs-master moncmd': out('', 111, 'could not connect: Connection refused\n'),
        'lvs-slave moncmd': out('', 111, 'could not connect: Connection refused\n'),
      }),
    );
    expect(down.pass).toBe(false);
    expect(down.evidence.at(-1)).toBe('mon is not running, or not on the active director (127.0.0.1:2583)');
  });

  it('passes heartbeat when both run and each sees the other; fails when the peer is dead', () => {
    const c = check('heartbeat', 'heartbeat');
    const running = out('Heartbeat is running on this machine.\n');
    const nodes = out('lvs-master\nlvs-slave\n');
    const ok = evaluateCheck(
      c,
      answer(c, {
        'lvs-master cl_status hbstatus': running,
        'lvs-master cl_status listnodes': nodes,
        'lvs-master cl_status nodestatus': out('active\n'),
        'lvs-master cl_status rscstatus': out('all\n'),
        'lvs-slave cl_status hbstatus': running,
        'lvs-slave cl_status listnodes': nodes,
        'lvs-slave cl_status nodestatus': out('active\n'),
        'lvs-slave cl_status rscstatus': out('none\n'),
      }),
    );
    expect(ok.pass).toBe(true);
    expect(ok.evidence).toEqual([
      'lvs-master: heartbeat runs; nodes lvs-master, lvs-slave; lvs-slave is active, resources: all',
      'lvs-slave: heartbeat runs; nodes lvs-master, lvs-slave; lvs-master is active, resources: none',
    ]);
    const dead = evaluateCheck(
      c,
      answer(c, {
        'lvs-master cl_status hbstatus': running,
        'lvs-master cl_status listnodes': nodes,
        'lvs-master cl_status nodestatus': out('dead\n', 1),
        'lvs-master cl_status rscstatus': out('all\n'),
        'lvs-slave cl_status': out('Heartbeat is stopped on this machine.\n', 1),
      }),
    );
    expect(dead.pass).toBe(false);
    expect(dead.evidence).toEqual([
      'lvs-master: heartbeat runs, but sees lvs-slave as dead, resources: all',
      'lvs-slave: heartbeat is not running',
    ]);
  });

  it('checks the fileset in /proc/mounts on each of its hosts', () => {
    const c = buildStep(seed(), 'fileset')!.checks[0]!;
    const mounted = out('proc /proc proc rw 0 0\n/dev/hda9 /var/www intermezzo rw,fileset=www 0 0\n');
    const v = evaluateCheck(
      c,
      answer(c, { 'web-1 cat': mounted, 'web-2 cat': out('proc /proc proc rw 0 0\n'), 'web-3 cat': mounted }),
    );
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      'web-1: /var/www is /dev/hda9 (intermezzo)',
      'web-2: /var/www is not mounted',
      'web-3: /var/www is /dev/hda9 (intermezzo)',
    ]);
  });

  it('compares a rules file with the generated one, comments aside, and says where it differs', () => {
    const c = check('lvs-alert', 'rules-file');
    const rules = FULL_TABLE; // not the save format: differs at line 1
    const saved =
      '# ipvsadm.rules\n-A -t 192.168.10.100:80 -s wlc\n-a -t 192.168.10.100:80 -r 192.168.10.21:80 -g -w 1\n-a -t 192.168.10.100:80 -r 192.168.10.22:80 -g -w 1\n-a -t 192.168.10.100:80 -r 192.168.10.23:80 -g -w 2\n';
    const v = evaluateCheck(c, answer(c, { 'lvs-master cat': out(saved), 'lvs-slave cat': out(rules) }));
    expect(v.pass).toBe(false);
    expect(v.evidence[0]).toBe('lvs-master: /etc/ipvsadm.rules is as generated (4 lines)');
    expect(v.evidence[1]).toMatch(
      /^lvs-slave: \/etc\/ipvsadm\.rules differs from the generated file at line 1: has 'IP Virtual Server/,
    );
  });

  it('requires authkeys-like files to be private', async () => {
    const { filesPresentCheck } = await import('../../src/build/steps/checks.js');
    const c = filesPresentCheck('x', 'x', { 'lvs-master': ['/etc/ha.d/ha.cf', '/etc/ha.d/authkeys'] }, [
      '/etc/ha.d/authkeys',
    ]);
    const v = evaluateCheck(c, [out('644 root /etc/ha.d/ha.cf\n644 root /etc/ha.d/authkeys\n')]);
    expect(v.pass).toBe(false);
    expect(v.evidence).toEqual([
      'lvs-master: /etc/ha.d/ha.cf (644 root)',
      'lvs-master: /etc/ha.d/authkeys has mode 644; it must be 600 (chmod 600 /etc/ha.d/authkeys)',
    ]);
  });
});
