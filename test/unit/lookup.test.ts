import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  allSshTargets,
  findCluster,
  findDirector,
  findFileset,
  findHost,
  findRealServer,
  findVirtualService,
  sshTargetFor,
} from '../../src/config/lookup.js';
import { LookupError } from '../../src/config/lookup-error.js';
import type { SshTarget } from '../../src/ssh/target.js';
import { brokenCopy, EXAMPLE, loadOk } from './inventory-edit.js';

const seedOnly = loadOk(EXAMPLE);

// A second cluster, `edge`, that also has a real server web-1 (names are unique per cluster).
const edge = parse(EXAMPLE).clusters[0];
edge.name = 'edge';
edge.directors = [{ name: 'lb-edge', address: '10.9.0.1', ssh: { hostKey: edge.directors[0].ssh.hostKey } }];
delete edge.heartbeat;
delete edge.mon;
edge.virtualServices = [
  { name: 'api', vip: '10.9.0.100', port: 443 },
  { name: 'api-http', vip: '10.9.0.100', port: 80 },
];
edge.realServers = [
  {
    name: 'web-1',
    address: '10.9.0.21',
    ssh: { hostKey: edge.realServers[0].ssh.hostKey },
    services: [{ service: 'api' }],
  },
  {
    name: 'api-2',
    address: '10.9.0.22',
    ssh: { hostKey: edge.realServers[0].ssh.hostKey },
    services: [{ service: 'api' }, { service: 'api-http' }],
  },
];
edge.filesets = [];
edge.policy = { auto: [] };
const twoClusters = loadOk(brokenCopy([['clusters', 1], edge]));

function failure<T>(result: { ok: true; value: T } | { ok: false; error: LookupError }): LookupError {
  if (result.ok) throw new Error('expected the lookup to fail');
  expect(result.error).toBeInstanceOf(LookupError);
  return result.error;
}

describe('finding a real server', () => {
  it('finds one by name or by address', () => {
    const byName = findRealServer(seedOnly, 'web-2');
    const byAddress = findRealServer(seedOnly, '192.168.10.22');
    expect(byName.ok && [byName.value.cluster.name, byName.value.realServer.name]).toEqual(['seed', 'web-2']);
    expect(byAddress.ok && byAddress.value.realServer.name).toBe('web-2');
  });

  it('says an unknown name is not in the inventory and names the closest ones', () => {
    const error = failure(findRealServer(seedOnly, 'web-9'));
    expect(error.message).toBe('web-9 is not in the inventory; did you mean web-1, web-2, web-3?');
    expect(error.code).toBe('NOT_IN_INVENTORY');
    expect(error.suggestions).toEqual(['web-1', 'web-2', 'web-3']);
    expect(error.retryable).toBe(false);
  });

  it('lists the known ones when nothing is close', () => {
    expect(failure(findRealServer(seedOnly, 'database')).message).toBe(
      'database is not in the inventory; known: web-1, web-2, web-3',
    );
  });

  it('says when the name is a director, not a real server', () => {
    expect(failure(findRealServer(seedOnly, 'lvs-master')).message).toBe(
      'lvs-master is a director, not a real server',
    );
  });

  it('asks which cluster when two clusters have the name, and finds it within one', () => {
    const error = failure(findRealServer(twoClusters, 'web-1'));
    expect(error.code).toBe('AMBIGUOUS');
    expect(error.message).toBe('web-1 could be web-1 in seed or web-1 in edge; say which cluster');
    const inEdge = findRealServer(twoClusters, 'web-1', { cluster: 'edge' });
    expect(inEdge.ok && inEdge.value.realServer.address).toBe('10.9.0.21');
  });

  it('says an unknown cluster is unknown', () => {
    expect(failure(findRealServer(twoClusters, 'web-1', { cluster: 'egde' })).message).toBe(
      'cluster egde is not in the inventory; did you mean edge?',
    );
    expect(failure(findRealServer(seedOnly, 'web-9', { cluster: 'seed' })).message).toMatch(
      /^web-9 is not in cluster seed; did you mean/,
    );
  });
});

describe('finding a virtual service', () => {
  it('finds one by name, VIP:PORT, or a VIP with one service', () => {
    for (const query of ['web', '192.168.10.100:80', '192.168.10.100']) {
      const found = findVirtualService(seedOnly, query);
      expect(found.ok && found.value.virtualService.name, query).toBe('web');
    }
  });

  it('asks for the port when a VIP has several services', () => {
    const error = failure(findVirtualService(twoClusters, '10.9.0.100'));
    expect(error.message).toBe(
      '10.9.0.100 could be api (10.9.0.100:443) or api-http (10.9.0.100:80); give the name',
    );
    const found = findVirtualService(twoClusters, '10.9.0.100:80');
    expect(found.ok && found.value.virtualService.name).toBe('api-http');
  });

  it('lists the services with their endpoints when a VIP:PORT is not one', () => {
    expect(failure(findVirtualService(seedOnly, '192.168.10.100:81')).message).toBe(
      '192.168.10.100:81 is not in the inventory; known: web (192.168.10.100:80)',
    );
  });

  it('finds IPv6 services written in any IPv6 form', () => {
    const v6 = loadOk(
      brokenCopy(
        [['clusters', 0, 'virtualServices', 0, 'vip'], '2001:db8::100'],
        ...[0, 1, 2].map((i): [(string | number)[], unknown] => [
          ['clusters', 0, 'realServers', i, 'address'],
          `2001:db8::2${i}`,
        ]),
        [
          ['clusters', 0, 'realServers', 1, 'ssh', 'hostKey'],
          'SHA256:USJrkP2LKWdP6+2Fh+HV1bL4kqamll0bySv9iuurees',
        ],
      ),
    );
    const found = findVirtualService(v6, '[2001:0db8:0::100]:80');
    expect(found.ok && found.value.virtualService.name).toBe('web');
    const rs = findRealServer(v6, '2001:DB8::21');
    expect(rs.ok && rs.value.realServer.name).toBe('web-2');
  });
});

describe('finding directors, filesets and hosts', () => {
  it('finds a director by name, heartbeat node name or address', () => {
    for (const query of ['lvs-slave', 'LVS-Slave', '192.168.10.12']) {
      const found = findDirector(seedOnly, query);
      expect(found.ok && found.value.director.name, query).toBe('lvs-slave');
    }
    expect(failure(findDirector(seedOnly, 'lvs-save')).message).toMatch(/did you mean lvs-slave\?/);
    expect(failure(findDirector(seedOnly, 'web-1')).message).toBe('web-1 is a real server, not a director');
  });

  it('finds a fileset', () => {
    const found = findFileset(seedOnly, 'www');
    expect(found.ok && found.value.fileset.mountPoint).toBe('/var/www');
    expect(failure(findFileset(seedOnly, 'wwww')).message).toBe(
      'wwww is not in the inventory; did you mean www?',
    );
  });

  it('finds a host of either kind and says which', () => {
    const director = findHost(seedOnly, 'lvs-master');
    const realServer = findHost(seedOnly, '192.168.10.23');
    expect(director.ok && director.value.role).toBe('director');
    expect(realServer.ok && [realServer.value.role, realServer.value.host.name]).toEqual([
      'real-server',
      'web-3',
    ]);
  });

  it('finds a cluster', () => {
    expect(findCluster(twoClusters, 'edge').ok).toBe(true);
  });
});

describe('SSH targets', () => {
  it('gives what the SSH executor needs for a host: address, port, user, key file and pin', () => {
    expect(sshTargetFor(seedOnly, 'seed', 'web-2')).toEqual({
      ok: true,
      value: {
        name: 'web-2',
        host: '192.168.10.22',
        port: 22,
        user: 'root',
        privateKey: '/etc/lvs-chatops/id_ed25519',
        hostKey:
          '192.168.10.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcII64mZatcYeqWCMOntOvhm5xgTWzqK0pacXm3kFJS',
      },
    });
  });

  it("fits the SSH executor's SshTarget as it is (checked by the type checker)", () => {
    const found = sshTargetFor(seedOnly, 'seed', 'lvs-master');
    const target: SshTarget | undefined = found.ok ? found.value : undefined;
    expect(target?.name).toBe('lvs-master');
  });

  it('refuses a host of another cluster', () => {
    expect(failure(sshTargetFor(twoClusters, 'edge', 'web-3')).message).toMatch(
      /^web-3 is not in cluster edge/,
    );
  });

  it('lists every host of every cluster, directors first', () => {
    expect(allSshTargets(twoClusters).map((t) => `${t.cluster}/${t.role}/${t.target.name}`)).toEqual([
      'seed/director/lvs-master',
      'seed/director/lvs-slave',
      'seed/real-server/web-1',
      'seed/real-server/web-2',
      'seed/real-server/web-3',
      'edge/director/lb-edge',
      'edge/real-server/web-1',
      'edge/real-server/api-2',
    ]);
  });
});
