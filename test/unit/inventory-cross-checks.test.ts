import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLAYBOOK_NAMES } from '../../src/config/inventory.js';
import { brokenCopy, C0, DELETE, EXAMPLE, errorsOf, expectError, loadOk } from './inventory-edit.js';

// Each test breaks one thing in a copy of examples/inventory.yml and checks that the error
// names the key an operator must fix.

const exampleCluster = (parse(EXAMPLE) as { clusters: Record<string, unknown>[] }).clusters[0];

describe('inventory cross-checks: names are unique', () => {
  it('refuses two clusters with one name', () => {
    const errors = errorsOf(brokenCopy([['clusters', 1], exampleCluster]));
    expectError(errors, 'clusters.1.name', /'seed' is already the name of clusters\.0/);
  });

  it('refuses a real server named like a director (one namespace per cluster)', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 0, 'name'], 'lvs-slave']));
    expectError(
      errors,
      'clusters.0.realServers.0.name',
      /'lvs-slave' is already the name of clusters\.0\.directors\.1/,
    );
  });

  it('refuses two real servers with one name', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 2, 'name'], 'web-1']));
    expectError(
      errors,
      'clusters.0.realServers.2.name',
      /'web-1' is already the name of clusters\.0\.realServers\.0/,
    );
  });

  it('refuses two virtual services with one name', () => {
    const errors = errorsOf(
      brokenCopy([[...C0, 'virtualServices', 1], { name: 'web', vip: '192.168.10.100', port: 443 }]),
    );
    expectError(errors, 'clusters.0.virtualServices.1.name', /'web' is already the name/);
  });

  it('refuses two filesets with one name', () => {
    const errors = errorsOf(
      brokenCopy([
        [...C0, 'filesets', 1],
        { name: 'www', hosts: ['web-1'], mountPoint: '/srv', device: '/dev/sdb1' },
      ]),
    );
    expectError(errors, 'clusters.0.filesets.1.name', /'www' is already the name/);
  });

  it('refuses two virtual services on one VIP, port and protocol', () => {
    const errors = errorsOf(
      brokenCopy([[...C0, 'virtualServices', 1], { name: 'web-again', vip: '192.168.10.100', port: 80 }]),
    );
    expectError(
      errors,
      'clusters.0.virtualServices.1.vip',
      /tcp 192\.168\.10\.100:80 is already virtual service web/,
    );
  });

  it('accepts one VIP on two ports, and one port over tcp and udp', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...C0, 'virtualServices', 1], { name: 'web-tls', vip: '192.168.10.100', port: 443 }],
        [
          [...C0, 'virtualServices', 2],
          { name: 'web-quic', vip: '192.168.10.100', port: 443, protocol: 'udp' },
        ],
      ),
    );
    expect(inventory.clusters[0]?.virtualServices.map((s) => s.name)).toEqual(['web', 'web-tls', 'web-quic']);
  });
});

describe('inventory cross-checks: real servers and their services', () => {
  it('refuses a real server serving a virtual service that is not defined, suggesting the close one', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 2, 'services', 0, 'service'], 'wbe']));
    expectError(
      errors,
      'clusters.0.realServers.2.services.0.service',
      /no virtual service 'wbe' in cluster seed; did you mean web\?/,
    );
  });

  it('refuses a real server that serves no virtual service', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 0, 'services'], []]));
    expectError(errors, 'clusters.0.realServers.0.services', /serves at least one virtual service/);
  });

  it('refuses one RIP:port twice in one virtual service', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 1, 'address'], '192.168.10.21']));
    expectError(
      errors,
      'clusters.0.realServers.1.services.0.service',
      /192\.168\.10\.21:80 is already a real server of web \(web-1\)/,
    );
  });

  it('accepts one RIP on two ports of a nat service', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...C0, 'virtualServices', 0, 'forwarding'], 'nat'],
        [[...C0, 'realServers', 1, 'address'], '192.168.10.21'],
        [[...C0, 'realServers', 1, 'ssh', 'hostKey'], 'SHA256:USJrkP2LKWdP6+2Fh+HV1bL4kqamll0bySv9iuurees'],
        [[...C0, 'realServers', 1, 'services', 0, 'port'], 8080],
      ),
    );
    const web2 = inventory.clusters[0]?.realServers[1];
    expect(web2?.services[0]).toEqual({ service: 'web', port: 8080, weight: 1, forwarding: 'nat' });
  });

  it('refuses another port than the service port with dr forwarding (ipvsadm would force it)', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 0, 'services', 0, 'port'], 8080]));
    expectError(
      errors,
      'clusters.0.realServers.0.services.0.port',
      /with dr forwarding a real server is reached on the service's port 80/,
    );
  });

  it('refuses an IPv6 real server behind an IPv4 VIP with dr', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'realServers', 0, 'address'], '2001:db8::21']));
    expectError(
      errors,
      'clusters.0.realServers.0.address',
      /IPv6 real server cannot serve the IPv4 VIP of web/,
    );
  });
});

describe('inventory cross-checks: directors', () => {
  it('refuses two preferred directors', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'directors', 1, 'preferred'], true]));
    expectError(
      errors,
      'clusters.0.directors.1.preferred',
      /only one director may be preferred, and lvs-master already is/,
    );
  });

  it('refuses a director pair with no preferred director', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'directors', 0, 'preferred'], DELETE]));
    expectError(
      errors,
      'clusters.0.directors',
      /no director is preferred; mark exactly one with preferred: true/,
    );
  });

  it('takes a single director as the preferred one', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...C0, 'directors', 1], DELETE],
        [[...C0, 'directors', 0, 'preferred'], DELETE],
        [[...C0, 'heartbeat'], DELETE],
      ),
    );
    expect(inventory.clusters[0]?.directors).toMatchObject([{ name: 'lvs-master', preferred: true }]);
  });

  it('refuses a heartbeat deadtime of at most twice keepalive, as heartbeat itself does', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'heartbeat', 'deadtime'], '4s']));
    expectError(errors, 'clusters.0.heartbeat.deadtime', /longer than 4s/);
  });

  it('refuses a known_hosts line written for another address', () => {
    const line =
      '192.168.10.99 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAsIGG1DirMqRiBeY9adzIrZ/rZp5Yf2ruEI/i70UQXR';
    const errors = errorsOf(brokenCopy([[...C0, 'directors', 1, 'ssh', 'hostKey'], line]));
    expectError(errors, 'clusters.0.directors.1.ssh.hostKey', /is for 192\.168\.10\.99, not lvs-slave/);
  });

  it('accepts a known_hosts line written for a host name, or for [address]:port', () => {
    const blob = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAsIGG1DirMqRiBeY9adzIrZ/rZp5Yf2ruEI/i70UQXR';
    loadOk(brokenCopy([[...C0, 'directors', 1, 'ssh', 'hostKey'], `lvs-slave.example.net ${blob}`]));
    loadOk(brokenCopy([[...C0, 'directors', 1, 'ssh', 'hostKey'], `[192.168.10.12]:2222 ${blob}`]));
  });
});

describe('inventory cross-checks: mon and filesets', () => {
  it('refuses a mon host that is neither a director nor an address', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'mon', 'host'], 'lvs-mastr']));
    expectError(
      errors,
      'clusters.0.mon.host',
      /'lvs-mastr' is neither a director of cluster seed nor an address; did you mean lvs-master\?/,
    );
  });

  it('reaches mon on the director it names, or on the address given', () => {
    expect(loadOk(EXAMPLE).clusters[0]?.mon).toEqual({
      host: 'lvs-master',
      address: '192.168.10.11',
      port: 2583,
      dtlogFile: '/var/log/mon/downtime.log',
    });
    const inventory = loadOk(brokenCopy([[...C0, 'mon', 'host'], '192.168.10.5']));
    expect(inventory.clusters[0]?.mon?.address).toBe('192.168.10.5');
  });

  it('refuses a fileset on a host the cluster does not have', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'filesets', 0, 'hosts', 2], 'web-9']));
    expectError(
      errors,
      'clusters.0.filesets.0.hosts.2',
      /'web-9' is not a director or real server of cluster seed; did you mean web-1, web-2, web-3\?/,
    );
  });

  it('refuses an empty mount argv and an empty argument', () => {
    const errors = errorsOf(
      brokenCopy(
        [[...C0, 'filesets', 0, 'mount'], []],
        [
          [...C0, 'filesets', 0, 'unmount'],
          ['umount', ''],
        ],
      ),
    );
    expectError(errors, 'clusters.0.filesets.0.mount', /at least the command/);
    expectError(errors, 'clusters.0.filesets.0.unmount.1', /an argument may not be empty/);
  });

  it('refuses a fileset with neither mount nor a device to build it from', () => {
    const errors = errorsOf(
      brokenCopy([[...C0, 'filesets', 0, 'mount'], DELETE], [[...C0, 'filesets', 0, 'device'], DELETE]),
    );
    expectError(errors, 'clusters.0.filesets.0.mount', /give the mount argv, or a device/);
  });

  it('builds mount and unmount from device, type, options and mount point when they are left out', () => {
    const inventory = loadOk(
      brokenCopy([[...C0, 'filesets', 0, 'mount'], DELETE], [[...C0, 'filesets', 0, 'unmount'], DELETE]),
    );
    expect(inventory.clusters[0]?.filesets[0]).toMatchObject({
      mount: [
        'mount',
        '-t',
        'intermezzo',
        '-o',
        'fileset=www,cache_type=ext3,prestodev=/dev/intermezzo0',
        '/dev/hda9',
        '/var/www',
      ],
      unmount: ['umount', '/var/www'],
    });
  });
});

describe('inventory cross-checks: Slack and policy', () => {
  it('refuses a command channel that slack.channels does not list', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'slack', 'commandChannels', 1], 'C0NOTLISTED']));
    expectError(
      errors,
      'clusters.0.slack.commandChannels.1',
      /channel C0NOTLISTED is not listed in slack\.channels/,
    );
  });

  it('refuses an escalation channel that slack.channels does not list', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'policy', 'escalation', 'then', 'channel'], 'C0NOPE']));
    expectError(errors, 'clusters.0.policy.escalation.then.channel', /C0NOPE is not listed/);
  });

  it('refuses a policy that asks approval when nobody may approve', () => {
    const errors = errorsOf(
      brokenCopy(
        [[...C0, 'slack', 'approvers'], DELETE],
        [[...C0, 'policy', 'approval', 'required'], ['remove-real-server']],
      ),
    );
    expectError(
      errors,
      'clusters.0.slack.approvers',
      /nobody may approve, yet policy\.approval\.required asks approval for remove-real-server/,
    );
  });

  it('asks for approvers under the default policy too (approval on every table change)', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'slack', 'approvers'], DELETE], [[...C0, 'policy'], DELETE]));
    expectError(errors, 'clusters.0.slack.approvers', /the default policy asks approval/);
  });

  it('needs no approvers when policy.approval.notRequired names every playbook', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...C0, 'slack', 'approvers'], DELETE],
        [[...C0, 'policy', 'approval', 'notRequired'], [...PLAYBOOK_NAMES]],
      ),
    );
    expect(inventory.clusters[0]?.slack.approvers).toEqual({ users: [], usergroups: [] });
  });

  it('needs no approvers when the policy asks no approval', () => {
    const inventory = loadOk(
      brokenCopy([[...C0, 'slack', 'approvers'], DELETE], [[...C0, 'policy', 'approval', 'required'], []]),
    );
    expect(inventory.clusters[0]?.slack.approvers).toEqual({ users: [], usergroups: [] });
  });

  it('refuses a two-person rule that no request could ever pass', () => {
    const errors = errorsOf(
      brokenCopy([[...C0, 'slack', 'operators', 'users'], ['U0APPROVER']], [[...C0, 'policy', 'auto'], []]),
    );
    expectError(
      errors,
      'clusters.0.slack.approvers',
      /U0APPROVER is the only approver and the only operator/,
    );
  });

  it('lets a single approver approve automatic actions under the two-person rule', () => {
    loadOk(brokenCopy([[...C0, 'slack', 'operators', 'users'], ['U0APPROVER']]));
  });

  it('refuses an unknown playbook name in the policy, suggesting the close one', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'policy', 'approval', 'required', 0], 'remove-realserver']));
    expectError(
      errors,
      'clusters.0.policy.approval.required.0',
      /'remove-realserver' is not a playbook; did you mean remove-real-server\?/,
    );
  });

  it('refuses an auto entry for a virtual service that is not defined', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'policy', 'auto', 0, 'service'], 'www']));
    expectError(
      errors,
      'clusters.0.policy.auto.0.service',
      /no virtual service 'www' in this cluster; did you mean web\?/,
    );
  });

  it('refuses an auto entry that does nothing', () => {
    const errors = errorsOf(
      brokenCopy(
        [[...C0, 'policy', 'auto', 0, 'onDown'], DELETE],
        [[...C0, 'policy', 'auto', 0, 'onUp'], DELETE],
      ),
    );
    expectError(errors, 'clusters.0.policy.auto.0', /needs onDown or onUp/);
  });

  it('refuses a Slack id listed twice', () => {
    const errors = errorsOf(brokenCopy([['slack', 'channels', 1, 'id'], 'C0LVSOPS']));
    expectError(errors, 'slack.channels.1.id', /'C0LVSOPS' is already the name of slack\.channels\.0/);
  });
});
