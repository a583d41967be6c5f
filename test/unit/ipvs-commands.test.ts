import { describe, expect, it } from 'vitest';
import {
  addRealServerCommand,
  addServiceCommand,
  deleteRealServerCommand,
  deleteServiceCommand,
  editRealServerCommand,
  editServiceCommand,
  listCommand,
  parseIpAddress,
  restoreCommand,
  saveCommand,
  zeroCommand,
} from '../../src/core/ipvs/index.js';
import { ipvsErrorCase } from './ipvs-fixtures.js';

const web = { protocol: 'tcp', address: '10.220.0.100', port: 80 } as const;

function argv<T extends { ok: boolean }>(r: T): string[] {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return (r as unknown as { value: { argv: string[] } }).value.argv;
}

describe('ipvsadm commands as argv', () => {
  it('builds the same argv the capture script ran against the real director', () => {
    expect(argv(addRealServerCommand(web, { address: '10.220.1.11', forwarding: 'nat', weight: 1 }))).toEqual(
      ipvsErrorCase('add-server-exists').argv,
    );
    expect(argv(deleteRealServerCommand(web, { address: '198.51.100.99', port: 80 }))).toEqual(
      ipvsErrorCase('delete-server-missing').argv,
    );
    expect(
      argv(editRealServerCommand(web, { address: '198.51.100.99', forwarding: 'nat', weight: 1 })),
    ).toEqual(ipvsErrorCase('edit-server-missing').argv);
    expect(argv(deleteServiceCommand({ protocol: 'tcp', address: '192.0.2.99', port: 80 }))).toEqual(
      ipvsErrorCase('delete-service-missing').argv,
    );
    expect(argv(addServiceCommand(web, { scheduler: 'wlc' }))).toEqual(
      ipvsErrorCase('add-service-exists').argv,
    );
    expect(argv(listCommand({ service: { protocol: 'tcp', address: '192.0.2.99', port: 80 } }))).toEqual(
      ipvsErrorCase('list-service-missing').argv,
    );
    expect(argv(zeroCommand({ protocol: 'tcp', address: '192.0.2.99', port: 80 }))).toEqual(
      ipvsErrorCase('zero-service-missing').argv,
    );
  });

  it('writes IPv6 in brackets, firewall marks with -f (and -6), SCTP with its long option', () => {
    expect(
      argv(
        addServiceCommand(
          { protocol: 'tcp', address: '2001:DB8:0::100', port: 443 },
          { scheduler: 'sed', persistence: { timeout: 1800, netmask: '64' } },
        ),
      ),
    ).toEqual(['ipvsadm', '-A', '-t', '[2001:db8::100]:443', '-s', 'sed', '-p', '1800', '-M', '64']);
    expect(
      argv(addServiceCommand({ protocol: 'fwm', fwmark: 2, family: 'ipv6' }, { scheduler: 'rr' })),
    ).toEqual(['ipvsadm', '-A', '-f', '2', '-6', '-s', 'rr']);
    expect(
      argv(addRealServerCommand({ protocol: 'fwm', fwmark: 1 }, { address: '198.51.100.31', weight: 5 })),
    ).toEqual(['ipvsadm', '-a', '-f', '1', '-r', '198.51.100.31:0', '-g', '-w', '5']);
    expect(argv(deleteServiceCommand({ protocol: 'sctp', address: '192.0.2.40', port: 2905 }))).toEqual([
      'ipvsadm',
      '-D',
      '--sctp-service',
      '192.0.2.40:2905',
    ]);
  });

  it('writes persistence, engine, ops and scheduler flags as ipvsadm takes them', () => {
    expect(
      argv(
        editServiceCommand(
          { protocol: 'udp', address: '192.0.2.20', port: 5060 },
          {
            scheduler: 'sh',
            persistence: { timeout: 60, engine: 'sip' },
            ops: true,
            schedFlags: ['sh-port'],
          },
        ),
      ),
    ).toEqual([
      'ipvsadm',
      '-E',
      '-u',
      '192.0.2.20:5060',
      '-s',
      'sh',
      '-p',
      '60',
      '--pe',
      'sip',
      '-o',
      '-b',
      'sh-port',
    ]);
    expect(argv(addServiceCommand({ ...web, port: 0 }, { scheduler: 'wrr', persistence: {} }))).toEqual([
      'ipvsadm',
      '-A',
      '-t',
      '10.220.0.100:0',
      '-s',
      'wrr',
      '-p',
      '360',
    ]);
  });

  it('lists with --stats, --rate and --exact, and saves and restores numerically', () => {
    expect(argv(listCommand())).toEqual(['ipvsadm', '-L', '-n']);
    expect(argv(listCommand({ view: 'stats', exact: true }))).toEqual([
      'ipvsadm',
      '-L',
      '-n',
      '--stats',
      '--exact',
    ]);
    expect(argv(listCommand({ view: 'rate' }))).toEqual(['ipvsadm', '-L', '-n', '--rate']);
    expect(saveCommand()).toEqual({ op: 'save', argv: ['ipvsadm', '-S', '-n'] });
    expect(restoreCommand()).toEqual({ op: 'restore', argv: ['ipvsadm', '-R'] });
  });

  it('drains with weight 0 and keeps the real server in the service', () => {
    const r = editRealServerCommand(web, { address: '10.220.1.12', forwarding: 'nat', weight: 0 });
    expect(r.ok && r.value).toEqual({
      op: 'edit-server',
      argv: ['ipvsadm', '-e', '-t', '10.220.0.100:80', '-r', '10.220.1.12:80', '-m', '-w', '0'],
    });
  });
});

describe('values ipvsadm would refuse are refused before anything runs', () => {
  const cases = [
    [
      'a VIP that is not an address',
      () => addServiceCommand({ ...web, address: '999.0.0.1' }, { scheduler: 'rr' }),
      'IPVS_BAD_ADDRESS',
    ],
    [
      'a host name instead of an address',
      () => deleteServiceCommand({ ...web, address: 'www.example.com' }),
      'IPVS_BAD_ADDRESS',
    ],
    [
      'shell metacharacters in an address',
      () => addRealServerCommand(web, { address: '10.0.0.1;reboot' }),
      'IPVS_BAD_ADDRESS',
    ],
    ['port 70000', () => addServiceCommand({ ...web, port: 70000 }, { scheduler: 'rr' }), 'IPVS_BAD_PORT'],
    [
      'port 0 without persistence',
      () => addServiceCommand({ ...web, port: 0 }, { scheduler: 'rr' }),
      'IPVS_BAD_PORT',
    ],
    [
      'weight 65536',
      () => addRealServerCommand(web, { address: '10.0.0.1', weight: 65536 }),
      'IPVS_BAD_WEIGHT',
    ],
    ['weight -1', () => editRealServerCommand(web, { address: '10.0.0.1', weight: -1 }), 'IPVS_BAD_WEIGHT'],
    ['weight 1.5', () => editRealServerCommand(web, { address: '10.0.0.1', weight: 1.5 }), 'IPVS_BAD_WEIGHT'],
    ['an unknown scheduler', () => addServiceCommand(web, { scheduler: 'nosuch' }), 'IPVS_BAD_SCHEDULER'],
    [
      'an unknown scheduler flag',
      () => addServiceCommand(web, { scheduler: 'sh', schedFlags: ['x'] }),
      'IPVS_BAD_SCHED_FLAGS',
    ],
    ['firewall mark 0', () => deleteServiceCommand({ protocol: 'fwm', fwmark: 0 }), 'IPVS_BAD_FWMARK'],
    [
      'persistence of 0 seconds',
      () => addServiceCommand(web, { scheduler: 'rr', persistence: { timeout: 0 } }),
      'IPVS_BAD_PERSISTENCE',
    ],
    [
      'an IPv4 netmask that is not one',
      () => addServiceCommand(web, { scheduler: 'rr', persistence: { netmask: '255.255.0' } }),
      'IPVS_BAD_NETMASK',
    ],
    [
      'an IPv6 prefix of 129',
      () =>
        addServiceCommand(
          { ...web, address: '2001:db8::1' },
          { scheduler: 'rr', persistence: { netmask: '129' } },
        ),
      'IPVS_BAD_NETMASK',
    ],
    [
      'dr forwarding to another port',
      () => addRealServerCommand(web, { address: '10.0.0.1', port: 8080, forwarding: 'dr' }),
      'IPVS_BAD_PORT',
    ],
    [
      'an IPv6 real server behind an IPv4 VIP (nat)',
      () => addRealServerCommand(web, { address: '2001:db8::1', forwarding: 'nat' }),
      'IPVS_BAD_ADDRESS',
    ],
    [
      'an unknown forwarding method',
      () => addRealServerCommand(web, { address: '10.0.0.1', forwarding: 'bridge' as 'dr' }),
      'IPVS_BAD_FORWARDING',
    ],
  ] as const;

  for (const [what, build, code] of cases) {
    it(`refuses ${what} (${code}) with a message naming the field`, () => {
      const r = build();
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.message.startsWith(`${r.error.field}:`)).toBe(true);
      }
    });
  }
});

describe('IP addresses', () => {
  it('are written the way ipvsadm prints them, so they compare equal', () => {
    const canon = (t: string) => {
      const r = parseIpAddress(t);
      return r.ok ? r.value.address : r.error.code;
    };
    expect(canon('2001:DB8:0:0:0:0:0:100')).toBe('2001:db8::100');
    expect(canon('2001:db8:1:0:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:0:ffff:ffff:ffff:ffff');
    expect(canon('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canon('::')).toBe('::');
    expect(canon('::1')).toBe('::1');
    expect(canon('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(canon('10.0.0.1')).toBe('10.0.0.1');
    expect(canon('010.0.0.1')).toBe('IPVS_BAD_ADDRESS');
    expect(canon('1:2:3:4:5:6:7:8:9')).toBe('IPVS_BAD_ADDRESS');
    expect(canon('1::2::3')).toBe('IPVS_BAD_ADDRESS');
  });
});
