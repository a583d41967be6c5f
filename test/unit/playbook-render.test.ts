import { describe, expect, it } from 'vitest';
import { planFor } from '../../src/playbooks/playbooks.js';
import { memberOf } from '../../src/playbooks/refs.js';
import { displayCommand, renderPlan } from '../../src/playbooks/render-plan.js';
import { FULL_TABLE, labCluster, labObserved } from './playbook-fixtures.js';

const cluster = labCluster();
const web2 = cluster.realServers.find((r) => r.name === 'web-2')!;
const members = [memberOf(cluster, web2, 'web')!];

describe('dry run of a plan (the approval message)', () => {
  const plan = planFor({
    cluster,
    target: {
      playbook: 'drain',
      realServer: 'web-2',
      members,
      timeoutMs: 600_000,
      intervalMs: 2_000,
      remove: true,
    },
    observed: labObserved(),
  });

  it('lists the exact commands and the director each runs on', () => {
    const text = renderPlan(plan, 'mrkdwn');
    expect(text).toContain('`ipvsadm -e -t 10.210.0.100:80 -r 10.210.0.12:80 -g -w 0` on *lb1*');
    expect(text).toContain('`ipvsadm -d -t 10.210.0.100:80 -r 10.210.0.12:80` on *lb1*');
    expect(text).toContain('Changes *lb1* (the active director)');
  });

  it('shows the safety checks with their results, the undo and the snapshot', () => {
    const text = renderPlan(plan, 'text');
    expect(text).toContain('[ok] active director: lb1');
    expect(text).toContain('[ok] capacity floor: web (TCP 10.210.0.100:80): leaves 2 live real servers');
    expect(text).toContain('Undo: /lvs undrain web-2 restores the weight it had (web 1)');
    expect(text).toContain(`Table snapshot ${plan.snapshot.hash}`);
    expect(text).toContain(
      'wait until: web-2 (10.210.0.12:80) has no active connections on lb1 (every 2s, at most 10m)',
    );
    expect(text).not.toContain('*');
  });

  it('says why a plan cannot run, and that the floor may be overridden', () => {
    const blocked = planFor({
      cluster,
      target: { playbook: 'remove-real-server', realServer: 'web-2', members },
      observed: labObserved({ lb1: FULL_TABLE.filter((r) => r.rip === '10.210.0.12:80') }),
    });
    const text = renderPlan(blocked, 'text');
    expect(text).toContain('It cannot run as it stands');
    expect(text).toContain('[FAIL] web (TCP 10.210.0.100:80): would leave 0 live real servers');
    expect(text).toContain('an approver may override the capacity floor');
  });

  it('quotes arguments for display the way a shell user would type them', () => {
    expect(displayCommand(['mount', '-o', 'fileset=www,cache_type=ext3', '/mnt/my www', "it's"])).toBe(
      "mount -o fileset=www,cache_type=ext3 '/mnt/my www' 'it'\\''s'",
    );
  });
});
