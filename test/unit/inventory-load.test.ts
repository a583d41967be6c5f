import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatInventoryError } from '../../src/config/inventory-error.js';
import { loadInventory, parseInventory, validateInventory } from '../../src/config/load-inventory.js';
import { brokenCopy, C0, EXAMPLE, EXAMPLE_PATH, errorsOf, expectError, loadOk } from './inventory-edit.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/inventory/${name}`, import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'lvs-inventory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs `read` as the user nobody when the tests run as root (as they do in CI), since root
 * reads a file whatever its mode says. Only the effective uid changes, so root takes it back
 * after; glibc changes it in every thread, libuv's file reads included.
 */
async function unprivileged<T>(read: () => Promise<T>): Promise<T> {
  const seteuid = process.seteuid;
  if (process.getuid?.() !== 0 || seteuid === undefined) return read();
  seteuid('nobody');
  try {
    return await read();
  } finally {
    seteuid(0);
  }
}

/** The 1-based line of the nth line of `text` containing `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  const lines = text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  const line = lines[nth - 1];
  if (line === undefined) throw new Error(`${needle} is not ${nth} times in the text`);
  return line;
}

describe('loading examples/inventory.yml', () => {
  it('loads the HOWTO cluster: two directors, one VIP on TCP 80 with wlc, three real servers, DR, a fileset', async () => {
    const result = await loadInventory(EXAMPLE_PATH);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [seed] = result.value.clusters;
    expect(seed?.name).toBe('seed');
    expect(seed?.directors.map((d) => [d.name, d.node, d.preferred])).toEqual([
      ['lvs-master', 'LVS-Master', true],
      ['lvs-slave', 'LVS-Slave', false],
    ]);
    expect(seed?.virtualServices).toEqual([
      { name: 'web', vip: '192.168.10.100', port: 80, protocol: 'tcp', scheduler: 'wlc', forwarding: 'dr' },
    ]);
    expect(
      seed?.realServers.map((r) => [r.name, r.address, r.services[0]?.weight, r.services[0]?.forwarding]),
    ).toEqual([
      ['web-1', '192.168.10.21', 1, 'dr'],
      ['web-2', '192.168.10.22', 1, 'dr'],
      ['web-3', '192.168.10.23', 2, 'dr'],
    ]);
    expect(seed?.filesets.map((f) => [f.name, f.type, f.hosts])).toEqual([
      ['www', 'intermezzo', ['web-1', 'web-2', 'web-3']],
    ]);
  });

  it('flattens the escalation chain into steps, each after the previous one', () => {
    expect(loadOk(EXAMPLE).clusters[0]?.policy.escalation).toEqual([
      { after: 600_000, channel: 'C0LVSOPS', mention: { users: ['U0APPROVER'], usergroups: [] } },
      { after: 1_200_000, channel: 'C0ONCALL', mention: { users: ['U0APPROVER'], usergroups: [] } },
    ]);
  });

  it('round-trips: the normalized inventory, written back as YAML, loads to itself', () => {
    const inventory = loadOk(EXAMPLE);
    const asJson = JSON.parse(JSON.stringify(inventory));
    // Durations are milliseconds in the normalized form; the schema reads them back as `NNNms`.
    const withUnits = JSON.parse(
      JSON.stringify(asJson, (key, value) =>
        [
          'connectTimeout',
          'commandTimeout',
          'keepalive',
          'deadtime',
          'expiry',
          'after',
          'maxSilence',
          'remindEvery',
        ].includes(key)
          ? `${value}ms`
          : value,
      ),
    );
    // The two places where the YAML and the normalized form differ in shape: mon's resolved
    // address, and the escalation chain (flattened). Take those from the file.
    const original = parse(EXAMPLE);
    withUnits.clusters.forEach((cluster: Record<string, Record<string, unknown>>, i: number) => {
      cluster.mon = original.clusters[i].mon;
      (cluster.policy as Record<string, unknown>).escalation = original.clusters[i].policy.escalation;
    });
    const again = validateInventory(withUnits);
    expect(again.ok && again.value).toEqual(inventory);
  });
});

describe('defaults', () => {
  it('fills every default into a minimal inventory', async () => {
    const result = await loadInventory(fixture('minimal.yml'));
    if (!result.ok) throw new Error(result.error.map(formatInventoryError).join('\n'));
    const [small] = result.value.clusters;
    expect(small?.directors[0]).toEqual({
      name: 'lb',
      address: '10.1.0.1',
      preferred: true,
      node: 'lb',
      ssh: {
        host: '10.1.0.1',
        port: 22,
        user: 'root',
        key: '/etc/lvs-chatops/id_ed25519',
        hostKey: 'SHA256:d7ob13ybw4gEICWxyqzO2Ht/CbeVVrMsr9XTdfKWLrk',
        connectTimeout: 10_000,
        commandTimeout: 60_000,
      },
    });
    expect(small?.virtualServices[0]).toEqual({
      name: 'web',
      vip: '10.1.0.100',
      port: 80,
      protocol: 'tcp',
      scheduler: 'wlc',
      forwarding: 'dr',
    });
    expect(small?.realServers[0]?.services).toEqual([
      { service: 'web', port: 80, weight: 1, forwarding: 'dr' },
    ]);
    expect(small?.ipvs).toEqual({ syncStandby: true, rulesFile: '/etc/ipvsadm.rules' });
    expect(small?.filesets).toEqual([]);
    expect(small?.heartbeat).toBeUndefined();
    expect(small?.mon).toBeUndefined();
    expect(small?.slack).toEqual({
      channel: 'C0MIN',
      commandChannels: ['C0MIN'],
      operators: { users: [], usergroups: [] },
      approvers: { users: ['U0BOSS'], usergroups: [] },
    });
    expect(small?.policy).toEqual({
      approval: {
        // Every manual change needs an approval by default; the ones that can take a service
        // down need the target's name typed.
        required: [
          'remove-real-server',
          'restore-real-server',
          'reweight',
          'drain',
          'force-failback',
          'remount-fileset',
          'save-rules',
          'build-step',
        ],
        notRequired: [],
        typedConfirmation: ['force-failback', 'remount-force', 'capacity-override'],
        twoPersonRule: true,
        expiry: 900_000,
      },
      capacityFloor: { minServers: 1, minWeightFraction: 0.5 },
      auto: [],
      escalation: [{ after: 600_000, channel: 'C0MIN', mention: { users: ['U0BOSS'], usergroups: [] } }],
      remindEvery: 14_400_000,
      maxSilence: 86_400_000,
    });
    expect(result.value.slack).toEqual({
      team: 'T0MIN',
      channels: [{ id: 'C0MIN', name: 'lvs' }],
      users: [],
      usergroups: [],
    });
  });

  it('lets a host override the SSH defaults, and connect to another address than its own', () => {
    const inventory = loadOk(
      brokenCopy(
        [['defaults', 'ssh', 'user'], 'lvsops'],
        [[...C0, 'realServers', 0, 'ssh', 'host'], '10.0.0.21'],
        [[...C0, 'realServers', 0, 'ssh', 'port'], 2222],
        [[...C0, 'realServers', 0, 'ssh', 'commandTimeout'], '2m'],
      ),
    );
    const [web1, web2] = inventory.clusters[0]?.realServers ?? [];
    expect(web1?.ssh).toMatchObject({
      host: '10.0.0.21',
      port: 2222,
      user: 'lvsops',
      commandTimeout: 120_000,
    });
    expect(web2?.ssh).toMatchObject({
      host: '192.168.10.22',
      port: 22,
      user: 'lvsops',
      commandTimeout: 60_000,
    });
  });
});

describe("the lab's inventory (docs/interfaces.md, the lab's fixed names)", () => {
  it('loads the shape lab up writes, and finds its hosts for SSH', async () => {
    const result = await loadInventory(fixture('lab-shape.yml'));
    if (!result.ok) throw new Error(result.error.map(formatInventoryError).join('\n'));
    const [lab] = result.value.clusters;
    expect(lab?.directors.filter((d) => d.preferred).map((d) => d.name)).toEqual(['lb1']);
    expect(lab?.realServers.map((r) => [r.name, r.services[0]?.weight])).toEqual([
      ['web-1', 1],
      ['web-2', 1],
      ['web-3', 1],
    ]);
    expect(lab?.realServers[0]?.ssh).toMatchObject({
      host: '10.200.1.11',
      port: 2201,
      key: '/run/lvslab/keys/id_lab',
    });
    expect(lab?.policy.approval).toEqual({
      required: ['remove-real-server', 'restore-real-server', 'reweight', 'drain', 'force-failback'],
      notRequired: [],
      typedConfirmation: ['force-failback', 'remount-force', 'capacity-override'],
      twoPersonRule: true,
      expiry: 900_000,
    });
  });
});

describe('every error at once, with its line', () => {
  it('lists each mistake of a file broken in ten places, in file order, each with its line', async () => {
    const file = fixture('broken-everywhere.yml');
    const text = readFileSync(file, 'utf8');
    const result = await loadInventory(file);
    if (result.ok) throw new Error('expected errors');
    const errors = result.error;
    // path, message, and the line it must point at (the nth line containing the text).
    const expected: [string, RegExp, string, number?][] = [
      ['defaults.ssh.commandTimeout', /has no unit/, 'commandTimeout: 60'],
      ['clusters.0.directors.1.preferred', /only one director may be preferred/, 'preferred: true', 2],
      ['clusters.0.virtualServices.0.scheduler', /'wlcc' is not a scheduler/, 'scheduler: wlcc'],
      ['clusters.0.realServers.1.address', /not an IPv4 or IPv6 address/, '192.168.10.300'],
      ['clusters.0.realServers.1.services.0.weight', /0 to 65535/, 'weight: 70000'],
      ['clusters.0.realServers.2.name', /'web-1' is already the name/, 'name: web-1', 2],
      ['clusters.0.realServers.2.services.0.service', /no virtual service 'wbe'/, 'service: wbe'],
      ['clusters.0.mon.host', /'lvs-mastr' is neither a director/, 'host: lvs-mastr'],
      // approvers is missing: the error points at the section it belongs in.
      ['clusters.0.slack.approvers', /nobody may approve/, '    slack:'],
      ['clusters.0.slack.operator', /unknown key 'operator'; did you mean operators\?/, 'operator:'],
    ];
    for (const [path, message, needle, nth] of expected) {
      expect(expectError(errors, path, message).line, path).toBe(lineOf(text, needle, nth));
    }
    expect(errors).toHaveLength(expected.length);
    const lines = errors.map((e) => e.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('renders each error as path.to.key: message (line N)', () => {
    const [error] = errorsOf(brokenCopy([[...C0, 'virtualServices', 0, 'port'], 0]));
    expect(error && formatInventoryError(error)).toMatch(
      /^clusters\.0\.virtualServices\.0\.port: a port is 1 to 65535 \(line \d+\)$/,
    );
  });
});

describe('files that are not an inventory', () => {
  it('says a missing file is missing', async () => {
    const result = await loadInventory(join(scratch, 'nope.yml'));
    expect(!result.ok && result.error).toEqual([
      { path: '', message: expect.stringMatching(/nope\.yml: no such file; give the path of an inventory/) },
    ]);
  });

  it('says a directory is a directory', async () => {
    const result = await loadInventory(scratch);
    expect(!result.ok && result.error[0]?.message).toMatch(/is a directory/);
  });

  it('says an unreadable file is unreadable', async () => {
    // Its own directory, open to everyone: the refusal must be the file's mode, not the path's.
    const dir = mkdtempSync(join(tmpdir(), 'lvs-inventory-modes-'));
    try {
      chmodSync(dir, 0o755);
      const file = join(dir, 'secret.yml');
      writeFileSync(file, EXAMPLE);
      chmodSync(file, 0o644);
      expect((await unprivileged(() => loadInventory(file))).ok).toBe(true);
      chmodSync(file, 0o000);
      const result = await unprivileged(() => loadInventory(file));
      expect(!result.ok && result.error[0]?.message).toMatch(/secret\.yml: permission denied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports YAML syntax errors with their line', () => {
    const result = parseInventory('version: 1\nslack:\n  team: [T0X\nclusters: []\n', 'inv.yml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error[0]?.message).toMatch(/^inv\.yml is not valid YAML: /);
    expect(result.error[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a key written twice', () => {
    const result = parseInventory(EXAMPLE.replace('version: 1\n', 'version: 1\nversion: 1\n'));
    expect(!result.ok && result.error[0]).toMatchObject({
      message: expect.stringMatching(/unique/),
      line: expect.any(Number),
    });
  });

  it('says an empty file is empty', () => {
    for (const text of ['', '# only a comment\n', '---\n']) {
      const result = parseInventory(text, 'inv.yml');
      expect(!result.ok && result.error).toEqual([
        { path: '', message: 'inv.yml is empty; start from examples/inventory.yml' },
      ]);
    }
  });

  it('refuses a document that is a list or a scalar', () => {
    expect(!parseInventory('- a\n- b\n').ok && errorsOf('- a\n- b\n')[0]?.message).toMatch(
      /expected a mapping/,
    );
    expect(errorsOf('hello\n')[0]?.message).toMatch(/expected a mapping/);
  });

  it('refuses an alias that refers to itself, and an alias bomb', () => {
    expect(errorsOf('a: &x\n  b: *x\n')[0]?.message).toMatch(/refers to itself/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const n of ['b', 'c', 'd', 'e', 'f', 'g'])
      bomb.push(
        `${n}: &${n} [${Array(9)
          .fill(`*${bomb.length === 1 ? 'a' : String.fromCharCode(n.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    expect(errorsOf(`${bomb.join('\n')}\n`)[0]?.message).toMatch(/cannot be read as data/);
  });
});

describe('inventories built by programs (the lab writes one)', () => {
  it('checks a plain object the same way, without lines', () => {
    const raw = parse(EXAMPLE);
    raw.clusters[0].realServers[0].address = 'nowhere';
    const result = validateInventory(raw);
    expect(!result.ok && result.error).toEqual([
      { path: 'clusters.0.realServers.0.address', message: "'nowhere' is not an IPv4 or IPv6 address" },
    ]);
  });
});
