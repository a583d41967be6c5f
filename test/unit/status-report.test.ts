import { describe, expect, it } from 'vitest';
import { membersByService, membersOfService } from '../../src/playbooks/refs.js';
import { buildStatusReport } from '../../src/status/build-status-report.js';
import { LAB_YAML, labInventory, labObserved } from './playbook-fixtures.js';

// A second service on the VIP, served by web-3 (also in web) and a real server of its own.
const TWO_SERVICES = LAB_YAML.replace(
  '      - { name: web, vip: 10.210.0.100, port: 80, scheduler: wlc, forwarding: dr }\n',
  '      - { name: web, vip: 10.210.0.100, port: 80, scheduler: wlc, forwarding: dr }\n' +
    '      - { name: api, vip: 10.210.0.100, port: 8080, scheduler: rr, forwarding: nat }\n',
).replace(
  'services: [{ service: web, weight: 1 }]\n    filesets:',
  `services: [{ service: web, weight: 1 }, { service: api, port: 9000, weight: 3 }]
      - name: api-1
        address: 10.210.0.21
        ssh: { hostKey: "SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc" }
        services: [{ service: api, port: 9000, weight: 2 }]
    filesets:`,
);

describe('the status report', () => {
  it('names the same members of every service as the playbooks do', () => {
    const cluster = labInventory(TWO_SERVICES).clusters[0]!;
    const all = membersByService(cluster);
    expect([...all.keys()]).toEqual(['web', 'api']);
    for (const vs of cluster.virtualServices) {
      expect(all.get(vs.name)).toEqual(membersOfService(cluster, vs.name));
    }
    expect(all.get('api')!.map((m) => `${m.realServer.name} ${m.realServer.key} ${m.weight}`)).toEqual([
      'web-3 10.210.0.13:9000 3',
      'api-1 10.210.0.21:9000 2',
    ]);
  });

  it("shows each real server as the active director's table has it, and rows the inventory lacks", () => {
    const cluster = labInventory().clusters[0]!;
    const observed = labObserved({
      lb1: [
        { rip: '10.210.0.11:80', weight: 1, active: 4, inactive: 9 },
        { rip: '10.210.0.12:80', weight: 0, active: 1 },
        { rip: '10.210.0.99:80', weight: 5 },
      ],
      lb2: [],
    });
    const report = buildStatusReport(cluster, observed, { readAt: 1, durationMs: 2 });
    expect(report.active).toMatchObject({ ok: true, name: 'lb1' });
    const [web] = report.services;
    expect(web!.realServers.map((r) => [r.name, r.state, r.weight, r.activeConns, r.inactiveConns])).toEqual([
      ['web-1', 'up', 1, 4, 9],
      ['web-2', 'drained', 0, 1, 0],
      ['web-3', 'removed', null, null, null],
    ]);
    expect(web!.unknown).toEqual(['10.210.0.99:80']);
    expect(report.directors.map((d) => [d.name, d.holdsVips, d.resources])).toEqual([
      ['lb1', ['10.210.0.100'], 'local'],
      ['lb2', [], 'none'],
    ]);
  });
});
