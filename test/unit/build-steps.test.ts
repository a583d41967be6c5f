import { describe, expect, it } from 'vitest';
import { type BuildStep, buildStep, buildSteps, STEP_IDS } from '../../src/build/steps/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { brokenCopy, C0, DELETE, EXAMPLE, loadOk } from './inventory-edit.js';

const seed = (): Cluster => loadOk(EXAMPLE).clusters[0]!;
const edited = (...edits: Parameters<typeof brokenCopy>): Cluster =>
  loadOk(brokenCopy(...edits)).clusters[0]!;

function step(cluster: Cluster, id: string, options = {}): BuildStep {
  const s = buildStep(cluster, id, options);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

const lines = (s: BuildStep, key: 'modern' | 'classic') => s.commands.flatMap((c) => c[key] ?? []);

describe('the guided build’s steps', () => {
  it('follows the parts of docs/howto.md in order, 0 to 14, then the final check', () => {
    const steps = buildSteps(seed());
    expect(steps.map((s) => s.id)).toEqual([...STEP_IDS]);
    expect(steps.map((s) => s.section)).toEqual([
      '0',
      '1',
      '2',
      '2, 7',
      '3',
      '4',
      '5, 7',
      '6',
      '7',
      '8-9',
      '10',
      '11-13',
      '14',
      'end',
    ]);
    for (const s of steps) {
      expect(s.what.length).toBeGreaterThan(40);
      expect(s.why.length).toBeGreaterThan(20);
    }
  });

  it('shows ifconfig eth0:0 and route add -host beside ip addr, with the inventory’s VIP and device', () => {
    const s = step(seed(), 'director-vip');
    expect(lines(s, 'classic')).toContain(
      'ifconfig eth0:0 192.168.10.100 netmask 255.255.255.255 broadcast 192.168.10.100 up',
    );
    expect(lines(s, 'classic')).toContain('route add -host 192.168.10.100 dev eth0:0');
    expect(lines(s, 'modern')).toContain(
      'ip addr replace 192.168.10.100/32 brd 192.168.10.100 dev eth0 label eth0:0',
    );
    expect(s.apply?.actions).toEqual([
      {
        host: 'lvs-master',
        what: 'put the VIP 192.168.10.100 on eth0 (label eth0:0)',
        argv: [
          'ip',
          'addr',
          'replace',
          '192.168.10.100/32',
          'brd',
          '192.168.10.100',
          'dev',
          'eth0',
          'label',
          'eth0:0',
        ],
      },
    ]);
    expect(s.files.map((f) => f.ok && f.file.kind)).toEqual(['hosts']);
  });

  it('turns ip_forward on only where NAT is used', () => {
    expect(
      step(seed(), 'director-vip').checks[0]!.probes.some((p) =>
        p.argv.includes('/proc/sys/net/ipv4/ip_forward'),
      ),
    ).toBe(false);
    const nat = step(edited([[...C0, 'virtualServices', 0, 'forwarding'], 'nat']), 'director-vip');
    expect(nat.apply!.actions[0]!.argv).toEqual(['sysctl', '-w', 'net.ipv4.ip_forward=1']);
    expect(nat.checks[0]!.probes.some((p) => p.argv.includes('/proc/sys/net/ipv4/ip_forward'))).toBe(true);
  });

  it('keeps the hidden patch for 2.4 beside arp_ignore/arp_announce, and sets ARP before the VIP', () => {
    const s = step(seed(), 'real-server-vip');
    expect(lines(s, 'classic')).toContain('echo 1 > /proc/sys/net/ipv4/conf/all/hidden');
    expect(lines(s, 'classic')).toContain(
      'ifconfig lo:0 192.168.10.100 netmask 255.255.255.255 broadcast 192.168.10.100 up',
    );
    expect(lines(s, 'modern')[0]).toBe(
      'sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2',
    );
    const web2 = s.apply!.actions.filter((a) => a.host === 'web-2');
    expect(web2.map((a) => a.argv[0])).toEqual(['sysctl', 'ip']);
    expect(s.files.map((f) => f.ok && f.file.kind)).toEqual(['arp-sysctl', 'lo-networkd', 'ifcfg-lo']);
  });

  it('replaces lilo with the boot loader in use, and keeps the HOWTO’s kernel build as the classic way', () => {
    const s = step(seed(), 'kernel');
    expect(lines(s, 'classic').join('\n')).toMatch(/lilo/);
    expect(s.commands[0]!.note).toMatch(/lilo is gone.*GRUB: update-grub/);
    expect(s.apply).toBeUndefined();
  });

  it('says InterMezzo left Linux and that the remount playbook runs the inventory’s argv', () => {
    const s = step(seed(), 'fileset');
    expect(s.what).toMatch(/InterMezzo left Linux with 2\.6/);
    expect(s.what).toMatch(/remount runs them and checks \/proc\/mounts/);
    expect(s.commands[0]!.note).toMatch(/still InterMezzo in the inventory/);
    expect(s.apply!.actions.find((a) => a.host === 'web-1' && a.argv[0] === 'sh')?.argv).toEqual([
      'sh',
      '-c',
      'mp=$1; shift; mountpoint -q "$mp" || exec "$@"',
      'sh',
      '/var/www',
      ...[
        'mount',
        '-t',
        'intermezzo',
        '-o',
        'fileset=www,cache_type=ext3,prestodev=/dev/intermezzo0',
        '/dev/hda9',
        '/var/www',
      ],
    ]);
  });

  it('starts mon on the preferred director when mon follows the VIP; checks a mon outside the inventory without an Apply', () => {
    const onVip = step(edited([[...C0, 'mon', 'host'], '192.168.10.100']), 'mon-config');
    expect(onVip.apply!.actions.at(-1)).toMatchObject({
      host: 'lvs-master',
      argv: ['systemctl', 'restart', 'mon'],
    });
    const outside = step(edited([[...C0, 'mon', 'host'], '192.168.10.5']), 'mon-config');
    expect(outside.apply).toBeUndefined();
    expect(outside.checks[0]!.probes).toEqual([
      {
        host: 'lvs-master',
        argv: ['moncmd', '-s', '192.168.10.5', '-p', '2583', 'list watch'],
        okCodes: expect.any(Array),
      },
    ]);
  });

  it('marks mon.cgi optional', () => {
    expect(step(seed(), 'mon-cgi').optional).toBe(true);
  });

  it('blocks the heartbeat steps without a standby director, saying what to add', () => {
    const single = edited([[...C0, 'directors', 1], DELETE]);
    expect(step(single, 'heartbeat').blocked).toMatch(
      /add the standby director under clusters\[seed\]\.directors/,
    );
    expect(step(single, 'heartbeat').apply).toBeUndefined();
    expect(step(single, 'failover').blocked).toMatch(/two directors/);
  });

  it('blocks the mon steps without a mon section, saying what to add', () => {
    const noMon = edited([[...C0, 'mon'], DELETE]);
    expect(step(noMon, 'mon-install').blocked).toMatch(/add clusters\[seed\]\.mon with host/);
    expect(step(noMon, 'mon-config').blocked).toMatch(/add clusters\[seed\]\.mon with host/);
  });

  it('writes heartbeat’s files on both directors, authkeys as a secret made when Apply runs, then starts heartbeat preferred first', () => {
    const s = step(seed(), 'heartbeat');
    expect(s.apply!.secretMadeAtApply).toBe(true);
    const withSecret = step(seed(), 'heartbeat', { gen: { authSecret: 'the-real-secret-0123' } });
    expect(withSecret.apply!.secretMadeAtApply).toBeUndefined();
    const auth = withSecret.apply!.actions.filter((a) => a.argv.at(-1) === '/etc/ha.d/authkeys');
    expect(auth.map((a) => a.host)).toEqual(['lvs-master', 'lvs-slave']);
    for (const a of auth) {
      expect(a.secret).toBe(true);
      expect(a.argv).toEqual(['install', '-D', '-m', '0600', '/proc/self/fd/0', '/etc/ha.d/authkeys']);
      expect(a.stdin).toContain('1 sha1 the-real-secret-0123');
    }
    const starts = withSecret.apply!.actions.filter((a) => a.argv[0] === 'systemctl');
    expect(starts.map((a) => [a.host, ...a.argv])).toEqual([
      ['lvs-master', 'systemctl', 'restart', 'heartbeat'],
      ['lvs-slave', 'systemctl', 'restart', 'heartbeat'],
    ]);
  });

  it('uses the service control it is given (sysv: the init scripts)', async () => {
    const { SYSV } = await import('../../src/build/steps/index.js');
    const s = step(seed(), 'mon-config', { services: SYSV });
    expect(s.apply!.actions.at(-1)).toMatchObject({
      host: 'lvs-master',
      argv: ['/etc/init.d/mon', 'restart'],
    });
  });

  it('never runs a check that changes anything: every probe is a read', () => {
    const readers = new Set(['ipvsadm', 'grep', 'ip', 'cat', 'stat', 'moncmd', 'cl_status']);
    for (const s of buildSteps(seed())) {
      for (const c of s.checks) {
        for (const p of c.probes) {
          expect(readers.has(p.argv[0]!), `${s.id}/${c.id}: ${p.argv.join(' ')}`).toBe(true);
          if (p.argv[0] === 'ipvsadm') expect(p.argv).toEqual(['ipvsadm', '-L', '-n']);
          if (p.argv[0] === 'ip') expect(['show']).toContain(p.argv.includes('show') ? 'show' : p.argv[2]);
          if (p.argv[0] === 'moncmd') expect(p.argv.at(-1)).toBe('list watch');
        }
      }
    }
  });

  it('ends with every check of the build together', () => {
    const s = step(seed(), 'working-order');
    expect(s.checks.map((c) => c.id)).toEqual([
      'vip-on-director',
      'ipvs-table',
      'rs-vip-on-lo',
      'mon-watch',
      'heartbeat',
      'fileset-www',
    ]);
  });
});
