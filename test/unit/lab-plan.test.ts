import { describe, expect, it } from 'vitest';
import { labOptionsSchema } from '../../src/lab/lab-options.js';
import { labLinks, labNamespaces, macFor, planLab } from '../../src/lab/lab-plan.js';

const plan = (input = {}) => planLab(labOptionsSchema.parse(input));

describe('the lab plan', () => {
  it('gives the default lab the fixed names and addresses (docs/interfaces.md) on 10.210.0.0/23', () => {
    const p = plan();
    expect(p.prefix).toBe('lvc');
    expect(p.stateDir).toBe('/run/lvs-chatops-lab');
    expect(p.paths.inventory).toBe('/run/lvs-chatops-lab/inventory.yml');
    expect(p.vip).toBe('10.210.0.100');
    expect(p.directors.map((d) => [d.name, d.frontAddress, d.backAddress, d.preferred])).toEqual([
      ['lb1', '10.210.0.1', '10.210.1.1', true],
      ['lb2', '10.210.0.2', '10.210.1.2', false],
    ]);
    expect(p.realServers.map((r) => [r.name, r.address, r.netns])).toEqual([
      ['web-1', '10.210.0.11', 'lvc-web-1'],
      ['web-2', '10.210.0.12', 'lvc-web-2'],
      ['web-3', '10.210.0.13', 'lvc-web-3'],
    ]);
    expect(p.client).toEqual({ netns: 'lvc-client', hostLink: 'lvc-cl', address: '10.210.0.50' });
    expect(p.virtualService).toEqual({
      name: 'web',
      port: 80,
      protocol: 'tcp',
      scheduler: 'wlc',
      forwarding: 'dr',
      weight: 1,
    });
    expect(p.front.hostAddress).toBe('10.210.0.254');
  });

  it('lets two labs run side by side: another prefix and subnet share no name, address or MAC', () => {
    const a = plan();
    const b = plan({ prefix: 'lvt', subnet: '10.210.2.0/23', stateDir: '/run/lvs-chatops-lab-test' });
    const names = (p: ReturnType<typeof plan>) => [
      ...labLinks(p),
      ...labNamespaces(p),
      ...p.directors.map((d) => d.umid),
    ];
    const addresses = (p: ReturnType<typeof plan>) => [
      p.vip,
      p.front.hostAddress,
      p.back.hostAddress,
      ...p.directors.flatMap((d) => [d.frontAddress, d.backAddress, d.frontMac, d.backMac]),
      ...p.realServers.map((r) => r.address),
    ];
    expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
    expect(addresses(a).filter((x) => addresses(b).includes(x))).toEqual([]);
  });

  it('keeps every link name within the kernel limit of 15 characters, for the longest prefix', () => {
    for (const link of labLinks(plan({ prefix: 'abcdef' }))) expect(link.length).toBeLessThanOrEqual(15);
  });

  it('spells the interface address in its MAC, locally administered', () => {
    expect(macFor('10.210.0.1')).toBe('02:00:0a:d2:00:01');
  });

  it('refuses options that would break the lab, saying why', () => {
    const problems = (input: object) =>
      labOptionsSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(problems({ subnet: '10.210.1.0/23' })).toEqual([expect.stringContaining('third octet is even')]);
    expect(problems({ subnet: '10.210.0.0/24' })).toEqual([expect.stringContaining('/23')]);
    expect(problems({ stateDir: '/tmp/lab' })).toEqual([expect.stringContaining('StrictModes')]);
    expect(problems({ prefix: 'toolongprefix' })).toEqual([expect.stringContaining('1 to 6')]);
    expect(problems({ filesetMountPoint: '/var/www' })).toEqual([expect.stringContaining('/srv')]);
    expect(problems({ heartbeat: { keepaliveMs: 1000, deadtimeMs: 2000 } })).toEqual([
      expect.stringContaining('twice the keepalive'),
    ]);
    expect(problems({ monEnv: { LVS_CHATOPS_URL: 'http://x y' } })).toEqual([
      expect.stringContaining('spaces'),
    ]);
  });
});
