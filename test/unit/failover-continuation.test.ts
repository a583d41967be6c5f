import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/config/inventory.js';
import { directorGuard } from '../../src/playbooks/director-guard.js';
import { continueAfterFailover, memberStates } from '../../src/playbooks/failover-continuation.js';
import type { Plan } from '../../src/playbooks/plan.js';
import { planFor } from '../../src/playbooks/playbooks.js';
import { type Member, memberOf } from '../../src/playbooks/refs.js';
import type { PlaybookTarget } from '../../src/playbooks/target.js';
import { FULL_TABLE, type LabState, labCluster, labObserved } from './playbook-fixtures.js';

const cluster = labCluster();
const directors = cluster.directors.map((d) => d.name);

function members(c: Cluster, rs: string): Member[] {
  const realServer = c.realServers.find((r) => r.name === rs)!;
  return realServer.services.map((s) => memberOf(c, realServer, s.service)!);
}

const plan = (target: PlaybookTarget, state: LabState = {}): Plan =>
  planFor({ cluster, target, observed: labObserved(state) });

const drain = {
  playbook: 'drain',
  realServer: 'web-2',
  members: members(cluster, 'web-2'),
  timeoutMs: 60_000,
  intervalMs: 1_000,
  remove: false,
} as const;
const drained = FULL_TABLE.map((r) => (r.rip === '10.210.0.12:80' ? { ...r, weight: 0, active: 0 } : r));
const waitIndex = (p: Plan) => p.steps.findIndex((s) => s.id === 'wait-drained');

describe('the director guard', () => {
  const p = plan(drain);

  it('sees the same director, a failover under way, and a settled failover', () => {
    const guard = directorGuard(cluster, p)!;
    expect(guard.director).toBe('lb1');
    expect(guard.check(labObserved())).toEqual({ kind: 'same' });
    expect(guard.check(labObserved({ active: 'lb1', heartbeat: { lb1: 'transition' } }))).toMatchObject({
      kind: 'unsettled',
    });
    expect(guard.check(labObserved({ active: null }))).toMatchObject({ kind: 'unsettled' });
    expect(
      guard.check(labObserved({ active: 'lb2', lb1: null, heartbeat: { lb1: 'stopped' } })),
    ).toMatchObject({ kind: 'moved', from: 'lb1', to: 'lb2' });
  });

  it('guards nothing for a plan that moves the VIP on purpose (force-failback)', () => {
    const failback = plan(
      { playbook: 'force-failback', timeoutMs: 60_000, intervalMs: 1_000 },
      { active: 'lb2' },
    );
    expect(directorGuard(cluster, failback)).toBeNull();
  });
});

describe('after a failover in the middle of a job', () => {
  const old = plan(drain);
  const afterFailover: LabState = { active: 'lb2', lb1: null, lb2: drained, heartbeat: { lb1: 'stopped' } };

  it('a drain goes on on lb2 when lb2 carries weight 0: lb2’s steps follow, marked as a continuation', () => {
    const fresh = plan(drain, afterFailover);
    const c = continueAfterFailover({ old, at: waitIndex(old), from: 'lb1', to: 'lb2', fresh, directors });
    expect(c.kind).toBe('continue');
    if (c.kind !== 'continue') return;
    expect(c.note).toBe('lb1 failed over to lb2 during the drain; continued on lb2');
    expect(c.plan.activeDirector).toBe('lb2');
    expect(c.plan.continuedAt).toBe(old.steps.length);
    expect(c.plan.steps.slice(old.steps.length).map((s) => s.id)).toContain('failover-1:drain:web:lb2');
    expect(c.plan.failovers).toEqual([c.note]);
  });

  it('a drain stops when lb2 does not carry weight 0, and runs nothing there', () => {
    const fresh = plan(drain, { ...afterFailover, lb2: FULL_TABLE });
    const c = continueAfterFailover({ old, at: waitIndex(old), from: 'lb1', to: 'lb2', fresh, directors });
    expect(c).toMatchObject({ kind: 'stop' });
    if (c.kind !== 'stop') return;
    expect(c.message).toMatch(/^lb1 failed over to lb2 during the drain; stopped, nothing was run on lb2: /);
    expect(c.message).toContain("Set web-2's weight in web");
  });

  it('a drain with removal that lb2 carries removes on lb2 once it has no connections', () => {
    const withRemove = { ...drain, remove: true } as const;
    const before = plan(withRemove);
    const fresh = plan(withRemove, afterFailover);
    const c = continueAfterFailover({
      old: before,
      at: waitIndex(before),
      from: 'lb1',
      to: 'lb2',
      fresh,
      directors,
    });
    expect(c.kind).toBe('continue');
  });

  it('a weight change caught before lb2 carries it stops: the approver saw lb1’s table', () => {
    const reweight = {
      playbook: 'reweight',
      realServer: 'web-2',
      members: members(cluster, 'web-2'),
      weight: 3,
    } as const;
    const before = plan(reweight);
    const fresh = plan(reweight, { ...afterFailover, lb2: FULL_TABLE });
    const c = continueAfterFailover({ old: before, at: 0, from: 'lb1', to: 'lb2', fresh, directors });
    expect(c).toMatchObject({ kind: 'stop' });
    if (c.kind !== 'stop') return;
    expect(c.message).toContain('during the weight change');
  });

  it('describes each director’s state for the operator', () => {
    const observed = labObserved(afterFailover);
    expect(memberStates(observed, 'lb1', drain.members)).toBe('web is not in its table');
    expect(memberStates(observed, 'lb2', drain.members)).toBe('web-2 weight 0 in web, 0 active');
  });
});
