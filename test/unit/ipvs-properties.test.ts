import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addRealServerCommand,
  addServiceCommand,
  classifyIpvsadmResult,
  diffIpvsTables,
  formatSaveRules,
  type IpvsTable,
  parseIpAddress,
  parseIpvsList,
  parseIpvsListing,
  parseIpvsRate,
  parseIpvsSave,
  parseIpvsStats,
  type RealServer,
  SCHED_FLAGS,
  SCHEDULERS,
  type ServiceId,
  serviceKey,
  type VirtualService,
} from '../../src/core/ipvs/index.js';
import { anyText } from '../support/any-text.js';
import { fixtureMutation } from './ipvs-fixture-mutation.js';
import { ipvsFixture } from './ipvs-fixtures.js';

const FIXTURES = [
  'mixed-list.txt',
  'mixed-stats.txt',
  'mixed-stats-exact.txt',
  'mixed-rate.txt',
  'mixed-save.txt',
  'mixed-list-one-service.txt',
  'empty-list.txt',
].map((name) => ipvsFixture(name));

const PARSERS = [parseIpvsListing, parseIpvsList, parseIpvsStats, parseIpvsRate, parseIpvsSave];

function expectTyped(r: { ok: boolean; error?: { code: string; message: string } }): void {
  if (!r.ok) {
    expect(typeof r.error?.code).toBe('string');
    expect(typeof r.error?.message).toBe('string');
  }
}

describe('ipvsadm parsers on input they did not expect', () => {
  it('return a typed result for any string, never throwing', () => {
    fc.assert(
      fc.property(anyText(400), (text) => {
        for (const parse of PARSERS) expectTyped(parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('return a typed result for random edits of real captures, never throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fixtureMutation(), (fixture, mutate) => {
        const text = mutate(fixture);
        for (const parse of PARSERS) expectTyped(parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('classify any exit code and stderr without throwing', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: -1, max: 300 })), fc.string(), (exitCode, stderr) => {
        const o = classifyIpvsadmResult('delete-server', { exitCode, stderr });
        expect(['ok', 'already-done', 'failed']).toContain(o.kind);
      }),
    );
  });
});

// ---- builder → save format → parser round trip on random tables

const v4 = fc.ipV4();
const v6 = fc.ipV6().filter((a) => !a.includes('%'));

function canon(address: string): string {
  const r = parseIpAddress(address);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.address;
}

interface Plan {
  id: ServiceId;
  input: Parameters<typeof addServiceCommand>[0];
  options: Parameters<typeof addServiceCommand>[1];
  servers: { address: string; port: number; forwarding: 'dr' | 'nat' | 'tun'; weight: number }[];
}

const serviceArb: fc.Arbitrary<Plan> = fc
  .record({
    kind: fc.constantFrom('tcp', 'udp', 'sctp', 'fwm'),
    family: fc.constantFrom('ipv4', 'ipv6'),
    address4: v4,
    address6: v6,
    port: fc.integer({ min: 0, max: 65535 }),
    fwmark: fc.integer({ min: 1, max: 0xffffffff }),
    scheduler: fc.constantFrom(...SCHEDULERS),
    persistent: fc.boolean(),
    timeout: fc.integer({ min: 1, max: 31 * 86400 }),
    mask4: fc.option(v4),
    prefix: fc.option(fc.integer({ min: 1, max: 128 })),
    engine: fc.boolean(),
    ops: fc.boolean(),
    flags: fc.subarray([...SCHED_FLAGS]),
    servers: fc.uniqueArray(
      fc.record({
        a4: v4,
        a6: v6,
        port: fc.integer({ min: 0, max: 65535 }),
        forwarding: fc.constantFrom('dr', 'nat', 'tun'),
        weight: fc.integer({ min: 0, max: 65535 }),
      }),
      { maxLength: 6, selector: (s) => `${canon(s.a4)} ${canon(s.a6)}` },
    ),
  })
  .map((r): Plan => {
    const family = r.family as 'ipv4' | 'ipv6';
    const persistent = r.persistent || (r.kind !== 'fwm' && r.port === 0);
    const netmask =
      family === 'ipv4' ? (r.mask4 ?? undefined) : r.prefix === null ? undefined : String(r.prefix);
    const id: ServiceId =
      r.kind === 'fwm'
        ? { protocol: 'fwm', family, fwmark: r.fwmark }
        : {
            protocol: r.kind as 'tcp',
            family,
            address: canon(family === 'ipv4' ? r.address4 : r.address6),
            port: r.port,
          };
    const input: Plan['input'] =
      id.protocol === 'fwm'
        ? { protocol: 'fwm', fwmark: id.fwmark, family }
        : { protocol: id.protocol, address: family === 'ipv4' ? r.address4 : r.address6, port: id.port };
    return {
      id,
      input,
      options: {
        scheduler: r.scheduler,
        persistence: persistent
          ? {
              timeout: r.timeout,
              ...(netmask === undefined ? {} : { netmask }),
              ...(r.engine ? { engine: 'sip' } : {}),
            }
          : null,
        ops: r.ops,
        schedFlags: r.flags,
      },
      // A service holds a real server (address and port) once: ipvsadm refuses a second -a.
      // The generator drew them unique as pairs of IPv4 and IPv6 addresses, of which one is used.
      servers: r.servers
        .map((s) => ({
          address: family === 'ipv4' ? s.a4 : s.a6,
          port: id.protocol === 'fwm' || s.forwarding === 'nat' ? s.port : id.port,
          forwarding: s.forwarding as 'dr' | 'nat' | 'tun',
          weight: s.weight,
        }))
        .filter(
          (s, i, all) =>
            all.findIndex((o) => canon(o.address) === canon(s.address) && o.port === s.port) === i,
        ),
    };
  });

const tableArb = fc.uniqueArray(serviceArb, { maxLength: 5, selector: (p) => serviceKey(p.id) });

function expectedTable(plans: Plan[]): IpvsTable {
  return {
    version: null,
    connectionTableSize: null,
    services: plans.map((p): VirtualService => {
      const persistence = p.options.persistence
        ? {
            timeout: p.options.persistence.timeout ?? 360,
            netmask:
              p.options.persistence.netmask === undefined
                ? p.id.family === 'ipv6'
                  ? '128'
                  : '255.255.255.255'
                : p.id.family === 'ipv6'
                  ? p.options.persistence.netmask
                  : canon(p.options.persistence.netmask),
            engine: p.options.persistence.engine ?? null,
          }
        : null;
      return {
        id: p.id,
        scheduler: p.options.scheduler,
        schedFlags: p.options.schedFlags ?? [],
        persistence,
        ops: p.options.ops ?? false,
        stats: null,
        rates: null,
        realServers: p.servers.map(
          (s): RealServer => ({
            family: p.id.family,
            address: canon(s.address),
            port: s.port,
            forwarding: s.forwarding,
            weight: s.weight,
            activeConns: null,
            inactiveConns: null,
            stats: null,
            rates: null,
            tunnel: s.forwarding === 'tun' ? { type: 'ipip', port: null, checksum: null } : null,
          }),
        ),
      };
    }),
  };
}

describe('a table written with the command builders reads back the same', () => {
  it('as -S -n lines (the argv of -A and -a without "ipvsadm"), parsed into the same table', () => {
    fc.assert(
      fc.property(tableArb, (plans) => {
        const lines: string[] = [];
        for (const p of plans) {
          const add = addServiceCommand(p.input, p.options);
          if (!add.ok) throw new Error(add.error.message);
          lines.push(add.value.argv.slice(1).join(' '));
          for (const s of p.servers) {
            const rs = addRealServerCommand(p.input, s);
            if (!rs.ok) throw new Error(rs.error.message);
            lines.push(rs.value.argv.slice(1).join(' '));
          }
        }
        const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
        const parsed = parseIpvsSave(text);
        if (!parsed.ok) throw new Error(`${parsed.error.message}\n${text}`);
        expect(parsed.value).toEqual(expectedTable(plans));
        // …and written back as ipvsadm -S prints it, which names the tunnel type of -i servers.
        expect(formatSaveRules(parsed.value)).toBe(
          text.replace(/ -i (-w \d+)\n/g, ' -i $1 --tun-type ipip\n'),
        );
        expect(diffIpvsTables(parsed.value, expectedTable(plans))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
