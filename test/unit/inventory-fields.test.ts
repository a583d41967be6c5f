import { describe, expect, it } from 'vitest';
import { brokenCopy, C0, DELETE, errorsOf, expectError, loadOk } from './inventory-edit.js';

// Each value an operator can get wrong, in a copy of examples/inventory.yml: the error names
// the key and says what is expected.

const RS0 = [...C0, 'realServers', 0] as const;
const VS0 = [...C0, 'virtualServices', 0] as const;

describe('inventory fields: addresses and ports', () => {
  it.each([
    ['192.168.10.300', /'192\.168\.10\.300' is not an IPv4 or IPv6 address/],
    ['192.168.010.21', /not an IPv4 or IPv6 address/],
    ['web-1.example.net', /not an IPv4 or IPv6 address/],
    ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
    ['', /not an IPv4 or IPv6 address/],
  ])('refuses the real server address %j', (address, message) => {
    expectError(
      errorsOf(brokenCopy([[...RS0, 'address'], address])),
      'clusters.0.realServers.0.address',
      message,
    );
  });

  it('refuses a VIP that is not an address', () => {
    expectError(
      errorsOf(brokenCopy([[...VS0, 'vip'], '192.168.10'])),
      'clusters.0.virtualServices.0.vip',
      /not an IPv4/,
    );
  });

  it('accepts IPv6 and writes it canonically', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...VS0, 'vip'], '2001:0DB8:0:0::100'],
        ...[0, 1, 2].map((i): [(string | number)[], unknown] => [
          [...C0, 'realServers', i, 'address'],
          `2001:db8::2${i}`,
        ]),
        [[...C0, 'realServers', 1, 'ssh', 'hostKey'], 'SHA256:USJrkP2LKWdP6+2Fh+HV1bL4kqamll0bySv9iuurees'],
      ),
    );
    expect(inventory.clusters[0]?.virtualServices[0]?.vip).toBe('2001:db8::100');
    expect(inventory.clusters[0]?.realServers[0]?.ssh.host).toBe('2001:db8::20');
  });

  it.each([
    [0, /a port is 1 to 65535/],
    [65536, /a port is 1 to 65535/],
    [80.5, /a port is a whole number/],
    ['80', /expected a number, got the text '80'/],
  ])('refuses the service port %j', (port, message) => {
    expectError(errorsOf(brokenCopy([[...VS0, 'port'], port])), 'clusters.0.virtualServices.0.port', message);
  });

  it('refuses an SSH port out of range in the defaults', () => {
    expectError(
      errorsOf(brokenCopy([['defaults', 'ssh', 'port'], 70000])),
      'defaults.ssh.port',
      /1 to 65535/,
    );
  });
});

describe('inventory fields: the IPVS table', () => {
  it.each([
    [-1, /a weight is 0 to 65535/],
    [65536, /a weight is 0 to 65535/],
    [1.5, /a weight is a whole number/],
  ])('refuses the weight %j', (weight, message) => {
    expectError(
      errorsOf(brokenCopy([[...RS0, 'services', 0, 'weight'], weight])),
      'clusters.0.realServers.0.services.0.weight',
      message,
    );
  });

  it('accepts weight 0 (a real server that takes no new connections) and fills weight 1 when left out', () => {
    const inventory = loadOk(
      brokenCopy(
        [[...RS0, 'services', 0, 'weight'], 0],
        [[...C0, 'realServers', 1, 'services', 0, 'weight'], DELETE],
      ),
    );
    expect(inventory.clusters[0]?.realServers.map((r) => r.services[0]?.weight)).toEqual([0, 1, 2]);
  });

  it('accepts every scheduler ipvsadm knows', () => {
    for (const scheduler of [
      'rr',
      'wrr',
      'lc',
      'wlc',
      'lblc',
      'lblcr',
      'dh',
      'sh',
      'sed',
      'nq',
      'fo',
      'ovf',
      'mh',
      'twos',
    ]) {
      expect(
        loadOk(brokenCopy([[...VS0, 'scheduler'], scheduler])).clusters[0]?.virtualServices[0]?.scheduler,
      ).toBe(scheduler);
    }
  });

  it('refuses a scheduler ipvsadm does not know, listing those it does', () => {
    expectError(
      errorsOf(brokenCopy([[...VS0, 'scheduler'], 'least-conn'])),
      'clusters.0.virtualServices.0.scheduler',
      /'least-conn' is not a scheduler ipvsadm knows \(rr wrr lc wlc .* twos\)/,
    );
  });

  it('refuses a forwarding method other than dr, nat or tun', () => {
    expectError(
      errorsOf(brokenCopy([[...VS0, 'forwarding'], 'route'])),
      'clusters.0.virtualServices.0.forwarding',
      /'route' is not a forwarding method: dr \(-g\), nat \(-m\) or tun \(-i\)/,
    );
    expectError(
      errorsOf(brokenCopy([[...RS0, 'services', 0, 'forwarding'], 'masq'])),
      'clusters.0.realServers.0.services.0.forwarding',
      /'masq' is not a forwarding method/,
    );
  });

  it("gives each real server its service's forwarding and port unless it says otherwise", () => {
    const inventory = loadOk(brokenCopy([[...RS0, 'services', 0, 'forwarding'], 'tun']));
    expect(inventory.clusters[0]?.realServers.map((r) => r.services[0])).toEqual([
      { service: 'web', port: 80, weight: 1, forwarding: 'tun' },
      { service: 'web', port: 80, weight: 1, forwarding: 'dr' },
      { service: 'web', port: 80, weight: 2, forwarding: 'dr' },
    ]);
  });

  it('reads persistence as a duration of whole seconds', () => {
    const inventory = loadOk(brokenCopy([[...VS0, 'persistence'], '6m']));
    expect(inventory.clusters[0]?.virtualServices[0]?.persistence).toBe(360_000);
    expectError(
      errorsOf(brokenCopy([[...VS0, 'persistence'], '1500ms'])),
      'clusters.0.virtualServices.0.persistence',
      /whole seconds/,
    );
  });
});

describe('inventory fields: durations', () => {
  it('refuses a bare number, since its unit is unknown', () => {
    expectError(
      errorsOf(brokenCopy([['defaults', 'ssh', 'commandTimeout'], 60])),
      'defaults.ssh.commandTimeout',
      /'60' has no unit; write 60s, 60m/,
    );
  });

  it('refuses text that is not a duration', () => {
    expectError(
      errorsOf(brokenCopy([[...C0, 'policy', 'approval', 'expiry'], '15 minutes'])),
      'clusters.0.policy.approval.expiry',
      /'15 minutes' is not a duration/,
    );
  });

  it('refuses a zero expiry', () => {
    expectError(
      errorsOf(brokenCopy([[...C0, 'policy', 'approval', 'expiry'], '0s'])),
      'clusters.0.policy.approval.expiry',
      /longer than 0/,
    );
  });

  it('reads every duration as milliseconds', () => {
    const inventory = loadOk(brokenCopy([[...C0, 'policy', 'maxSilence'], '1h30m']));
    const cluster = inventory.clusters[0];
    expect(cluster?.policy.maxSilence).toBe(5_400_000);
    expect(cluster?.heartbeat).toEqual({
      autoFailback: true,
      keepalive: 2000,
      deadtime: 30_000,
      interface: 'eth0',
    });
    expect(cluster?.directors[0]?.ssh).toMatchObject({ connectTimeout: 10_000, commandTimeout: 60_000 });
  });
});

describe('inventory fields: Slack ids', () => {
  it.each([
    [['slack', 'team'], 'TEAM-SEED', 'slack.team', /a Slack team id \(T…/],
    [
      ['slack', 'channels', 0, 'id'],
      '#lvs-ops',
      'slack.channels.0.id',
      /a Slack channel id \(C… or G….*not a #name/,
    ],
    [['slack', 'users', 0, 'id'], 'operator', 'slack.users.0.id', /a Slack user id \(U… or W…/],
    [[...C0, 'slack', 'channel'], 'lvs-ops', 'clusters.0.slack.channel', /a Slack channel id/],
    [
      [...C0, 'slack', 'approvers', 'users', 0],
      'C0LVSOPS',
      'clusters.0.slack.approvers.users.0',
      /a Slack user id/,
    ],
    [
      [...C0, 'slack', 'approvers', 'usergroups'],
      ['U0APPROVER'],
      'clusters.0.slack.approvers.usergroups.0',
      /a Slack user group id \(S…/,
    ],
  ])('refuses %j = %j', (at, value, path, message) => {
    expectError(errorsOf(brokenCopy([at, value])), path, message);
  });

  it('accepts private channels (G…), enterprise users (W…) and user groups (S…)', () => {
    const inventory = loadOk(
      brokenCopy(
        [['slack', 'channels', 2], { id: 'G0PRIVATE', name: 'lvs-private' }],
        [[...C0, 'slack', 'commandChannels', 2], 'G0PRIVATE'],
        [[...C0, 'slack', 'operators', 'users', 2], 'W0ENTERPRISE'],
        [[...C0, 'slack', 'approvers', 'usergroups'], ['S0LVSADMIN']],
      ),
    );
    expect(inventory.clusters[0]?.slack.approvers).toEqual({
      users: ['U0APPROVER'],
      usergroups: ['S0LVSADMIN'],
    });
  });
});

describe('inventory fields: pinned host keys', () => {
  const HOST_KEY = [...C0, 'directors', 0, 'ssh', 'hostKey'];
  const PATH = 'clusters.0.directors.0.ssh.hostKey';

  it.each([
    ['SHA256:tooshort', /43 base64 characters/],
    // 43 characters, but the last one sets bits past the 32-byte hash.
    ['SHA256:d7ob13ybw4gEICWxyqzO2Ht/CbeVVrMsr9XTdfKWLrl', /43 base64 characters/],
    ['16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /an MD5 fingerprint cannot be pinned/],
    [
      '192.168.10.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILK/inJGQxj1wXirJFOBg3mv',
      /truncated|not valid base64/,
    ],
    [
      '192.168.10.11 ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILK/inJGQxj1wXirJFOBg3mvrZ+TBq7SY4TSxVliF5Z7',
      /not a ssh-rsa key/,
    ],
    ['192.168.10.11 ssh-dss AAAAB3NzaC1kc3M=', /DSA host keys are refused/],
    [
      '@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILK/inJGQxj1wXirJFOBg3mvrZ+TBq7SY4TSxVliF5Z7',
      /does not pin a host key/,
    ],
    ['', /no host key is pinned/],
  ])('refuses the pin %j', (pin, message) => {
    expectError(errorsOf(brokenCopy([HOST_KEY, pin])), PATH, message);
  });

  it('refuses a host without a pinned key (never trust on first use)', () => {
    expectError(errorsOf(brokenCopy([HOST_KEY, DELETE])), PATH, /required/);
  });

  it('accepts a public key line without hosts, and two pins while a key is rotated', () => {
    const pub =
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILK/inJGQxj1wXirJFOBg3mvrZ+TBq7SY4TSxVliF5Z7 root@lvs-master';
    const two = `${pub}\nSHA256:q85igpDZfACyAM0w9H7+Smkj4yGWMqV3p+kxwQbz5M4\n`;
    expect(loadOk(brokenCopy([HOST_KEY, pub])).clusters[0]?.directors[0]?.ssh.hostKey).toBe(pub);
    expect(loadOk(brokenCopy([HOST_KEY, two])).clusters[0]?.directors[0]?.ssh.hostKey).toBe(two.trim());
  });
});

describe('inventory fields: unknown keys and missing ones', () => {
  it('names an unknown key and the known one it is closest to', () => {
    const errors = errorsOf(brokenCopy([[...C0, 'directors', 0, 'prefered'], true]));
    expectError(
      errors,
      'clusters.0.directors.0.prefered',
      /unknown key 'prefered'; did you mean preferred\?/,
    );
  });

  it('names unknown keys at every level, including in an escalation step', () => {
    const errors = errorsOf(
      brokenCopy(
        [['colour'], 'blue'],
        [['defaults', 'ssh', 'identityFile'], '/root/.ssh/id'],
        [[...C0, 'policy', 'escalation', 'then', 'notify'], 'C0ONCALL'],
      ),
    );
    expectError(errors, 'colour', /unknown key 'colour'/);
    expectError(errors, 'defaults.ssh.identityFile', /unknown key 'identityFile'/);
    expectError(errors, 'clusters.0.policy.escalation.then.notify', /unknown key 'notify'/);
  });

  it('says which required key is missing', () => {
    const errors = errorsOf(brokenCopy([[...RS0, 'address'], DELETE], [['version'], DELETE]));
    expectError(errors, 'clusters.0.realServers.0.address', /^required$/);
    expectError(errors, 'version', /^required$/);
  });

  it('refuses another inventory version', () => {
    expectError(errorsOf(brokenCopy([['version'], 2])), 'version', /reads inventory version 1, not 2/);
  });

  it('refuses names that could be taken for an address or break a Slack command', () => {
    expectError(
      errorsOf(brokenCopy([[...C0, 'name'], 'my cluster'])),
      'clusters.0.name',
      /a name is letters, digits/,
    );
    expectError(
      errorsOf(brokenCopy([[...RS0, 'name'], '10.0.0.1'])),
      'clusters.0.realServers.0.name',
      /a name may not be an address/,
    );
  });

  it('refuses relative paths', () => {
    expectError(
      errorsOf(brokenCopy([['defaults', 'ssh', 'key'], 'id_ed25519'])),
      'defaults.ssh.key',
      /absolute path/,
    );
  });
});
