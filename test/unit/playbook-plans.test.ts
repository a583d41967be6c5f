import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/config/inventory.js';
import { canRun, type Plan } from '../../src/playbooks/plan.js';
import { planFor, readsFor } from '../../src/playbooks/playbooks.js';
import { type Member, memberOf } from '../../src/playbooks/refs.js';
import type { PlaybookTarget } from '../../src/playbooks/target.js';
import { FULL_TABLE, type LabState, labCluster, labObserved, put } from './playbook-fixtures.js';

const cluster = labCluster();

function members(c: Cluster, rs: string): Member[] {
  const realServer = c.realServers.find((r) => r.name === rs)!;
  return realServer.services.map((s) => memberOf(c, realServer, s.service)!);
}

function plan(target: PlaybookTarget, state: LabState = {}, c = cluster): Plan {
  return planFor({ cluster: c, target, observed: labObserved(state) });
}

const argvs = (p: Plan) => p.steps.flatMap((s) => s.actions.map((a) => `${a.host}: ${a.argv.join(' ')}`));

describe('remove-real-server plan', () => {
  const target = {
    playbook: 'remove-real-server',
    realServer: 'web-2',
    members: members(cluster, 'web-2'),
  } as const;

  it('runs ipvsadm -d on the active director only, then saves the rules on both directors', () => {
    const p = plan(target);
    expect(p.activeDirector).toBe('lb1');
    expect(p.blockers).toEqual([]);
    expect(argvs(p)).toEqual([
      'lb1: ipvsadm -d -t 10.210.0.100:80 -r 10.210.0.12:80',
      'lb1: tee /etc/ha.d/ipvsadm.rules.lvs-chatops.tmp',
      'lb1: mv -f /etc/ha.d/ipvsadm.rules.lvs-chatops.tmp /etc/ha.d/ipvsadm.rules',
      'lb2: tee /etc/ha.d/ipvsadm.rules.lvs-chatops.tmp',
      'lb2: mv -f /etc/ha.d/ipvsadm.rules.lvs-chatops.tmp /etc/ha.d/ipvsadm.rules',
    ]);
    const persist = p.steps.filter((s) => s.id.startsWith('persist'));
    expect(persist.every((s) => s.onlyAfterChange && !s.required)).toBe(true);
    expect(persist[1]!.actions[0]!.stdinFrom).toEqual({ kind: 'ipvs-rules', host: 'lb1' });
  });

  it('changes the standby too when it has the service loaded and syncStandby is on', () => {
    const p = plan(target, { lb2: FULL_TABLE });
    const removes = p.steps.filter((s) => s.id.startsWith('remove:'));
    expect(removes.map((s) => [s.id, s.required])).toEqual([
      ['remove:web:lb1', true],
      ['remove:web:lb2', false],
    ]);
  });

  it('leaves the standby alone when syncStandby is off, and saves rules on the active director only', () => {
    const off = structuredClone(cluster);
    off.ipvs.syncStandby = false;
    const p = plan({ ...target, members: members(off, 'web-2') }, { lb2: FULL_TABLE }, off);
    expect(argvs(p).filter((a) => a.startsWith('lb2'))).toEqual([]);
  });

  it('follows a failover: lb2 is changed when it holds the VIP', () => {
    const p = plan(target, { active: 'lb2' });
    expect(p.activeDirector).toBe('lb2');
    expect(argvs(p)[0]).toBe('lb2: ipvsadm -d -t 10.210.0.100:80 -r 10.210.0.12:80');
  });

  it('is already done when the real server is not in the table: nothing to run twice', () => {
    const p = plan(target, { lb1: FULL_TABLE.filter((r) => r.rip !== '10.210.0.12:80') });
    expect(p.alreadyDone).toBe(true);
    expect(p.doneWhenPlanned).toEqual(['remove:web:lb1']);
  });

  it('is blocked by the capacity floor when it would remove the last live server, unless overridden', () => {
    const p = plan(target, { lb1: [{ rip: '10.210.0.12:80', weight: 1 }] });
    expect(p.blockers).toHaveLength(1);
    expect(p.blockers[0]).toMatchObject({ code: 'CAPACITY_FLOOR', overridable: true });
    expect(p.blockers[0]!.message).toContain('0 live real servers');
    expect(canRun(p, false)).toBe(false);
    expect(canRun(p, true)).toBe(true);
    expect(p.safety.find((s) => s.name === 'capacity floor')?.state).toBe('fail');
  });

  it('is blocked when no director holds the VIP', () => {
    const p = plan(target, { active: null, lb1: FULL_TABLE });
    expect(p.blockers[0]).toMatchObject({ code: 'NO_ACTIVE_DIRECTOR', overridable: false });
    expect(p.steps).toEqual([]);
    expect(canRun(p, true)).toBe(false);
  });

  it('is blocked when the active director cannot be read', () => {
    const p = plan(target, { unreadable: ['addresses@lb1'] });
    expect(p.blockers[0]?.code).toBe('NO_ACTIVE_DIRECTOR');
  });

  it('reports a standby with no table loaded as normal, and a different one as drift', () => {
    expect(plan(target).safety.find((s) => s.name === 'drift')).toMatchObject({ state: 'pass' });
    const drift = plan(target, { lb2: FULL_TABLE.map((r) => ({ ...r, weight: 2 })) }).safety.find(
      (s) => s.name === 'drift',
    );
    expect(drift?.state).toBe('warn');
    expect(drift?.detail).toContain('weight 1 → 2');
  });

  it('needs heartbeat, addresses and table of both directors', () => {
    expect(readsFor(cluster, target).map((r) => `${r.kind}@${r.host}`)).toEqual([
      'heartbeat@lb1',
      'addresses@lb1',
      'ipvs-table@lb1',
      'heartbeat@lb2',
      'addresses@lb2',
      'ipvs-table@lb2',
    ]);
  });
});

describe('restore-real-server plan', () => {
  const target = {
    playbook: 'restore-real-server',
    realServer: 'web-2',
    members: members(cluster, 'web-2'),
    weight: null,
  } as const;

  it("adds the real server back with the inventory's weight and forwarding", () => {
    const p = plan(target, { lb1: FULL_TABLE.filter((r) => r.rip !== '10.210.0.12:80') });
    expect(argvs(p)[0]).toBe('lb1: ipvsadm -a -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 1');
    expect(p.alreadyDone).toBe(false);
  });

  it('puts back the weight a drain kept (undrain)', () => {
    const p = plan({ ...target, weight: 3 }, { lb1: FULL_TABLE.filter((r) => r.rip !== '10.210.0.12:80') });
    expect(argvs(p)[0]).toBe('lb1: ipvsadm -a -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 3');
  });

  it('corrects the weight with ipvsadm -e when the server is still in the table, drained', () => {
    const p = plan(target, {
      lb1: FULL_TABLE.map((r) => (r.rip === '10.210.0.12:80' ? { ...r, weight: 0 } : r)),
    });
    expect(argvs(p)[0]).toBe('lb1: ipvsadm -e -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 1');
  });

  it('is already done when the real server is in the table as the inventory says', () => {
    expect(plan(target).alreadyDone).toBe(true);
  });
});

describe('reweight plan', () => {
  it('keeps the forwarding the table has (ipvsadm -e would reset it)', () => {
    const p = plan(
      { playbook: 'reweight', realServer: 'web-2', members: members(cluster, 'web-2'), weight: 5 },
      { lb1: FULL_TABLE.map((r) => ({ ...r, forward: 'Masq' as const })) },
    );
    expect(argvs(p)[0]).toBe('lb1: ipvsadm -e -t 10.210.0.100:80 -r 10.210.0.12:80 -m -w 5');
    expect(p.steps[0]!.rollback[0]!.argv.join(' ')).toBe(
      'ipvsadm -e -t 10.210.0.100:80 -r 10.210.0.12:80 -m -w 1',
    );
    expect(p.undo).toBe('/lvs weight web-2 1 sets it back');
  });

  it('is blocked when the real server is not in the table, and says how to put it back', () => {
    const p = plan(
      { playbook: 'reweight', realServer: 'web-2', members: members(cluster, 'web-2'), weight: 5 },
      { lb1: FULL_TABLE.filter((r) => r.rip !== '10.210.0.12:80') },
    );
    expect(p.blockers[0]).toMatchObject({ code: 'NOT_IN_TABLE' });
    expect(p.blockers[0]!.message).toContain('/lvs restore web-2');
  });
});

describe('drain plan', () => {
  const target = {
    playbook: 'drain',
    realServer: 'web-2',
    members: members(cluster, 'web-2'),
    timeoutMs: 300_000,
    intervalMs: 2_000,
    remove: false,
  } as const;

  it('sets weight 0, saves the rules, then waits for the active connections to end', () => {
    const p = plan(target, {
      lb1: FULL_TABLE.map((r) => (r.rip === '10.210.0.12:80' ? { ...r, weight: 3 } : r)),
    });
    expect(p.steps.map((s) => s.id)).toEqual([
      'drain:web:lb1',
      'persist:drained:lb1',
      'persist:drained:lb2',
      'wait-drained',
    ]);
    expect(argvs(p)[0]).toBe('lb1: ipvsadm -e -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 0');
    const wait = p.steps.at(-1)!.wait!;
    expect(wait).toMatchObject({ timeoutMs: 300_000, intervalMs: 2_000 });
    expect(wait.check).toMatchObject({ kind: 'no-active-connections', director: 'lb1' });
    expect(wait.onTimeout).toContain('/lvs undrain web-2 restores its weight (web 3)');
  });

  it('keeps the weight it had, for undrain, and never a 0 it finds', () => {
    const weighted = plan(target, {
      lb1: FULL_TABLE.map((r) => (r.rip === '10.210.0.12:80' ? { ...r, weight: 3 } : r)),
    });
    expect(weighted.remember).toEqual([{ realServer: 'web-2', service: 'web', weight: 3 }]);
    const drained = plan(target, {
      lb1: FULL_TABLE.map((r) => (r.rip === '10.210.0.12:80' ? { ...r, weight: 0 } : r)),
    });
    expect(drained.remember).toEqual([]);
  });

  it('removes the server after the wait when asked', () => {
    const p = plan({ ...target, remove: true });
    expect(p.steps.map((s) => s.id)).toEqual([
      'drain:web:lb1',
      'persist:drained:lb1',
      'persist:drained:lb2',
      'wait-drained',
      'remove:web:lb1',
      'persist:removed:lb1',
      'persist:removed:lb2',
    ]);
    expect(p.steps.find((s) => s.id === 'drain:web:lb1')!.rollback).toEqual([]);
  });

  it('is already done when asked to remove a server that is already out', () => {
    const p = plan(
      { ...target, remove: true },
      { lb1: FULL_TABLE.filter((r) => r.rip !== '10.210.0.12:80') },
    );
    expect(p.alreadyDone).toBe(true);
  });

  it('is refused by the floor when draining the last live server', () => {
    const p = plan(target, {
      lb1: [
        { rip: '10.210.0.12:80', weight: 1 },
        { rip: '10.210.0.13:80', weight: 0 },
      ],
    });
    expect(p.blockers.map((b) => b.code)).toEqual(['CAPACITY_FLOOR']);
  });
});

describe('force-failback plan', () => {
  const target = { playbook: 'force-failback', timeoutMs: 90_000, intervalMs: 2_000 } as const;

  it('runs hb_takeover local on the preferred director and waits for the VIP to come back', () => {
    const p = plan(target, { active: 'lb2' });
    expect(p.blockers).toEqual([]);
    expect(argvs(p)).toEqual(['lb1: /usr/share/heartbeat/hb_takeover local']);
    const step = p.steps[0]!;
    expect(step.wait?.check).toEqual({
      kind: 'holds-vips',
      director: 'lb1',
      others: ['lb2'],
      vips: ['10.210.0.100'],
    });
    expect(step.verify[0]).toMatchObject({ kind: 'holds-resources', director: 'lb1', heartbeat: true });
    expect(step.wait?.onTimeout).toContain('did not take the resources back within 1m30s');
  });

  it('is already done when the preferred director holds the VIP, its resources and its table', () => {
    expect(plan(target).alreadyDone).toBe(true);
  });

  it("is blocked while the preferred director's heartbeat is stopped", () => {
    const p = plan(target, { active: 'lb2', heartbeat: { lb1: 'stopped' } });
    expect(p.blockers[0]).toMatchObject({ code: 'HEARTBEAT_STOPPED' });
    expect(p.blockers[0]!.message).toContain('start it there first');
  });

  it('is blocked during a failover in progress', () => {
    const p = plan(target, { active: 'lb2', heartbeat: { lb1: 'transition' } });
    expect(p.blockers[0]?.code).toBe('FAILOVER_IN_PROGRESS');
  });
});

describe('remount-fileset plan', () => {
  const fileset = cluster.filesets[0]!;
  const target = { playbook: 'remount-fileset', fileset, hosts: ['lb1'], force: false } as const;
  const mounted = '/dev/root / hostfs ro 0 0\n/dev/loop0 /srv/www ext2 rw,relatime 0 0\n';

  function observed(mounts: string, users: string) {
    const o = labObserved();
    put(o, { kind: 'mounts', host: 'lb1' }, { stdout: mounts, stderr: '', code: 0 });
    put(
      o,
      { kind: 'mount-users', host: 'lb1', mountPoint: '/srv/www' },
      users === '' ? { stdout: '', stderr: '', code: 1 } : { stdout: users, stderr: '/srv/www: ', code: 0 },
    );
    return o;
  }

  it("unmounts and mounts with the inventory's argv, verified in /proc/mounts", () => {
    const p = planFor({ cluster, target, observed: observed(mounted, '') });
    expect(p.blockers).toEqual([]);
    expect(argvs(p)).toEqual([
      'lb1: umount /srv/www',
      'lb1: mount -t ext2 -o loop /srv/images/www.img /srv/www',
    ]);
    expect(p.steps[1]!.verify).toEqual([
      { kind: 'mounted', host: 'lb1', mountPoint: '/srv/www', type: 'ext2' },
    ]);
  });

  it('is refused while the mount point is busy, naming the processes', () => {
    const p = planFor({ cluster, target, observed: observed(mounted, '  812  977') });
    expect(p.blockers[0]).toMatchObject({ code: 'MOUNT_POINT_BUSY', overridable: false });
    expect(p.blockers[0]!.message).toContain('pids 812 977');
    expect(p.blockers[0]!.message).toContain('--force');
  });

  it('goes ahead on a busy mount point when forced, with a warning', () => {
    const p = planFor({ cluster, target: { ...target, force: true }, observed: observed(mounted, '  812') });
    expect(p.blockers).toEqual([]);
    expect(p.safety.find((s) => s.name === 'mount point')?.state).toBe('warn');
  });

  it('only mounts when nothing is mounted there', () => {
    const p = planFor({ cluster, target, observed: observed('/dev/root / hostfs ro 0 0\n', '') });
    expect(argvs(p)).toEqual(['lb1: mount -t ext2 -o loop /srv/images/www.img /srv/www']);
  });
});

describe('save-rules plan', () => {
  it("saves the active director's rules on every director that keeps them", () => {
    const p = plan({ playbook: 'save-rules' }, { active: 'lb2' });
    expect(p.steps.map((s) => [s.id, s.required, s.onlyAfterChange])).toEqual([
      ['persist:lb2', true, false],
      ['persist:lb1', true, false],
    ]);
    expect(p.steps[1]!.actions[0]!.stdinFrom).toEqual({ kind: 'ipvs-rules', host: 'lb2' });
  });
});
