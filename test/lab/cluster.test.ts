import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { loadInventory } from '../../src/config/load-inventory.js';
import { parseIpvsStats } from '../../src/core/ipvs/index.js';
import { macFor } from '../../src/lab/lab-plan.js';
import { curlVip, eventually, realServersOf, run, ssh } from './lab-client.js';

const lab = inject('lab');

describe('the lab cluster, as lab up leaves it', () => {
  it('shows the VIP with three real servers (DR, weight 1) in ipvsadm -L -n on lb1, over ssh with the lab key', async () => {
    const r = await ssh(lab, 'lb1', 'ipvsadm -L -n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^TCP  ${lab.vip.replaceAll('.', '\\.')}:80 wlc`, 'm'));
    const servers = realServersOf(r.stdout, lab.vip, 80);
    const expected = lab.hosts.filter((h) => h.role === 'real-server').map((h) => `${h.address}:80 Route 1`);
    expect(servers.sort()).toEqual(expected.sort());
  });

  it('keeps lb2 standing by: heartbeat running, no virtual service, no VIP', async () => {
    const r = await ssh(lab, 'lb2', `${lab.stateDir}/bin/director-ctl state; ip -o -4 addr show`);
    expect(r.stdout).toContain('heartbeat=running ipvs_services=0 mon=stopped');
    expect(r.stdout).not.toContain(`${lab.vip}/`);
  });

  it('serves each request through the VIP from the real server IPVS scheduled it to, as its counters show', async () => {
    // Which server wlc picks depends on the connections earlier tests left in the table (an
    // entry lingers for minutes after its connection ended); that each page comes from the
    // server IPVS scheduled the connection to does not.
    const nameOf = new Map(lab.hosts.map((h) => [`${h.address}:80`, h.name]));
    const scheduled = async (): Promise<Map<string, number>> => {
      const r = await ssh(lab, 'lb1', 'ipvsadm -L -n --stats --exact');
      const stats = parseIpvsStats(r.stdout);
      if (!stats.ok) throw new Error(`ipvsadm --stats: ${stats.error.message}`);
      const service = stats.value.services.find(
        (s) => s.id.protocol === 'tcp' && s.id.address === lab.vip && s.id.port === 80,
      );
      return new Map(
        (service?.realServers ?? []).map((rs) => [
          nameOf.get(`${rs.address}:${rs.port}`) ?? rs.address,
          rs.counters.conns,
        ]),
      );
    };
    // The kernel folds its per-CPU counters into what ipvsadm reads every 2 s or so: the
    // connections made just before this test (the lab's settle check) may still be on their
    // way. Counters read the same twice, 3 s apart, are settled.
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const settled = (what: string, enough: (m: Map<string, number>) => boolean) =>
      eventually(
        what,
        async () => {
          const first = await scheduled();
          await new Promise((r) => setTimeout(r, 3_000));
          const second = await scheduled();
          return total(first) === total(second) && enough(second) ? second : undefined;
        },
        30_000,
      );
    const before = await settled('IPVS counters to settle', () => true);
    const pages: string[] = [];
    for (let i = 0; i < 9; i++) pages.push((await curlVip(lab)) ?? 'no answer');
    const after = await settled(
      `IPVS counting ${pages.length} new connections`,
      (now) => total(now) - total(before) >= pages.length,
    );
    for (const page of pages) expect(['web-1', 'web-2', 'web-3']).toContain(page);
    const served = (name: string) => pages.filter((p) => p === name).length;
    for (const name of ['web-1', 'web-2', 'web-3'])
      expect({ name, scheduled: (after.get(name) ?? 0) - (before.get(name) ?? 0) }).toEqual({
        name,
        scheduled: served(name),
      });
  });

  it('answers from the real server directly (DR): the client resolves the VIP to lb1, and each real server holds the VIP on lo hidden from ARP', async () => {
    await curlVip(lab);
    const neigh = await run('ip', ['-n', lab.client.netns, 'neigh', 'show', lab.vip]);
    expect(neigh.stdout).toContain(macFor(lab.hosts.find((h) => h.name === 'lb1')!.address));
    const r = await ssh(
      lab,
      'web-2',
      'ip -o -4 addr show dev lo; sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce; hostname',
    );
    expect(r.stdout).toContain(`${lab.vip}/32`);
    expect(r.stdout).toMatch(/^1\n2\nweb-2$/m);
  });

  it('writes an inventory in the contract shape: cluster lab, lb1 preferred, service web wlc, weight 1, Slack section, approvals', () => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    expect(inv.version).toBe(1);
    expect(inv.slack.team).toBe('T0LAB');
    expect(inv.slack.channels).toEqual([{ id: 'C0LVSOPS', name: 'lvs-ops' }]);
    expect(inv.slack.users.map((u: { id: string }) => u.id)).toEqual(['U0OPERATOR', 'U0APPROVER', 'U0OTHER']);
    const c = inv.clusters[0];
    expect(c.name).toBe('lab');
    expect(c.directors.map((d: { name: string; preferred: boolean }) => [d.name, d.preferred])).toEqual([
      ['lb1', true],
      ['lb2', false],
    ]);
    expect(c.virtualServices).toEqual([
      { name: 'web', vip: lab.vip, port: 80, protocol: 'tcp', scheduler: 'wlc', forwarding: 'dr' },
    ]);
    expect(c.realServers.map((r: { name: string }) => r.name)).toEqual(['web-1', 'web-2', 'web-3']);
    for (const r of c.realServers) expect(r.services).toEqual([{ service: 'web', port: 80, weight: 1 }]);
    expect(c.slack.channel).toBe('C0LVSOPS');
    expect(c.slack.approvers.users).toEqual(['U0APPROVER']);
    expect(c.policy.approval.twoPersonRule).toBe(true);
    expect(c.policy.approval.required).toEqual(
      expect.arrayContaining([
        'remove-real-server',
        'restore-real-server',
        'reweight',
        'drain',
        'force-failback',
      ]),
    );
  });

  it('writes an inventory that lvs-chatops config check accepts', async () => {
    const result = await loadInventory(lab.inventory);
    expect(result.ok ? [] : result.error).toEqual([]);
  });

  it('pins the host keys the hosts really present (ssh-keyscan agrees with the inventory)', async () => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    const c = inv.clusters[0];
    for (const h of [...c.directors, ...c.realServers]) {
      const scan = await run('ssh-keyscan', ['-t', 'ed25519', '-T', '10', h.address]);
      const presented = scan.stdout
        .trim()
        .split('\n')
        .find((l: string) => !l.startsWith('#'));
      expect(presented, h.name).toBe(h.ssh.hostKey);
    }
  });

  it('prints lab status --json in the contract shape, with every host reachable', async () => {
    const out: string[] = [];
    const code = await main(['lab', 'status', '--json', '--state', lab.stateDir], {
      out: (l) => out.push(l),
      err: () => {},
      env: {},
    });
    expect(code).toBe(0);
    const status = JSON.parse(out.join('\n'));
    expect(status.inventory).toBe(lab.inventory);
    expect(status.vip).toBe(lab.vip);
    expect(status.hosts.map((h: { name: string; role: string }) => `${h.name}:${h.role}`)).toEqual([
      'lb1:director',
      'lb2:director',
      'web-1:real-server',
      'web-2:real-server',
      'web-3:real-server',
    ]);
    for (const h of status.hosts) {
      expect(Object.keys(h)).toEqual(expect.arrayContaining(['name', 'role', 'address', 'ssh']));
      expect(h.ssh).toEqual({ user: 'root', port: 22, key: expect.stringMatching(/^\//) });
      expect({ name: h.name, up: h.up, state: h.state }).toEqual({ name: h.name, up: true, state: 'up' });
    }
    expect(status.active).toBe('lb1');
  });

  it("unmounts and mounts the fileset on lb1 with the inventory's argv", async () => {
    const fs = parse(readFileSync(lab.inventory, 'utf8')).clusters[0].filesets[0];
    const mounted = async () =>
      (await ssh(lab, 'lb1', 'cat /proc/mounts')).stdout.includes(` ${fs.mountPoint} ext2 `);
    expect(await mounted()).toBe(true);
    expect((await ssh(lab, 'lb1', fs.unmount.join(' '))).code).toBe(0);
    expect(await mounted()).toBe(false);
    expect((await ssh(lab, 'lb1', fs.mount.join(' '))).code).toBe(0);
    expect(await mounted()).toBe(true);
    expect((await ssh(lab, 'lb1', `cat ${fs.mountPoint}/index.html`)).stdout).toBe('fileset www on lb1\n');
  });

  it("runs mon on the active director, at the inventory's mon address: it lists a ping and an http watch per real server", async () => {
    const mon = parse(readFileSync(lab.inventory, 'utf8')).clusters[0].mon;
    expect(mon).toEqual({
      host: lab.vip,
      port: 2583,
      // Where the preferred director's mon keeps its downtime log (/lvs incident folds it in).
      dtlogFile: join(lab.stateDir, 'lb1', 'log', 'mon-downtime.log'),
    });
    // mon starts with the resource group; give it the time its Perl takes to come up.
    const reply = await eventually(
      'mon to answer on port 2583',
      () => monCommand(mon.host, 'list watch'),
      30_000,
    );
    for (const server of ['web-1', 'web-2', 'web-3']) {
      expect(reply).toContain(`${server} ping`);
      expect(reply).toContain(`${server} http`);
    }
  });
});

/** One command over mon's client protocol (TCP 2583): the reply up to its status line. */
function monCommand(address: string, command: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 2583 });
    let data = '';
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (/^[25]\d\d .*$/m.test(data)) {
        socket.end('quit\n');
        resolve(data);
      }
    });
    socket.on('error', () => resolve(undefined));
  });
}
