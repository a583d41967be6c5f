import { describe, expect, it } from 'vitest';
import { checkCapacityFloor, type ServingServer } from '../../src/core/policy/capacity-floor.js';

const three: ServingServer[] = [
  { key: '10.0.0.11:80', label: 'web-1', weight: 1 },
  { key: '10.0.0.12:80', label: 'web-2', weight: 1 },
  { key: '10.0.0.13:80', label: 'web-3', weight: 1 },
];
const defaults = { minServers: 1, minWeightFraction: 0.5 };

describe('capacity floor', () => {
  it('lets one of three equal real servers go: two stay, two thirds of the weight', () => {
    const check = checkCapacityFloor({
      floor: defaults,
      configuredWeight: 3,
      serving: three,
      changes: [{ kind: 'take-out', key: '10.0.0.12:80' }],
    });
    expect(check.ok).toBe(true);
    expect(check.after).toEqual({ servers: 2, weight: 2 });
    expect(check.summary).toContain('67% of the weight');
  });

  it('refuses to take out a second one: a third of the weight is under the default 50 %', () => {
    const serving = three.filter((s) => s.label !== 'web-1');
    const check = checkCapacityFloor({
      floor: defaults,
      configuredWeight: 3,
      serving,
      changes: [{ kind: 'take-out', key: '10.0.0.12:80' }],
    });
    expect(check.ok).toBe(false);
    expect(check.summary).toContain('less than 50% of the weight');
    expect(check.summary).toContain('override');
  });

  it('refuses to take out the last live real server even when the weight floor is 0', () => {
    const check = checkCapacityFloor({
      floor: { minServers: 1, minWeightFraction: 0 },
      configuredWeight: 3,
      serving: [{ key: '10.0.0.13:80', label: 'web-3', weight: 1 }],
      changes: [{ kind: 'take-out', key: '10.0.0.13:80' }],
    });
    expect(check.ok).toBe(false);
    expect(check.after.servers).toBe(0);
    expect(check.summary).toContain('fewer than 1 live real server');
  });

  it('counts a drained server (weight 0) as out of service', () => {
    const check = checkCapacityFloor({
      floor: { minServers: 3, minWeightFraction: 0 },
      configuredWeight: 3,
      serving: three,
      changes: [{ kind: 'set-weight', key: '10.0.0.11:80', weight: 0 }],
    });
    expect(check.ok).toBe(false);
    expect(check.after).toEqual({ servers: 2, weight: 2 });
  });

  it('never refuses putting a real server back, even when the service is below its floor', () => {
    const check = checkCapacityFloor({
      floor: { minServers: 3, minWeightFraction: 1 },
      configuredWeight: 3,
      serving: [],
      changes: [{ kind: 'put-in', key: '10.0.0.11:80', label: 'web-1', weight: 1 }],
    });
    expect(check.ok).toBe(true);
    expect(check.summary).toContain('does not go down');
  });

  it('measures the weight fraction against the inventory total, so repeated removals cannot creep down', () => {
    // Heavier servers: web-3 alone carries 4 of 6.
    const serving = [
      { key: 'a', label: 'web-1', weight: 1 },
      { key: 'b', label: 'web-2', weight: 1 },
      { key: 'c', label: 'web-3', weight: 4 },
    ];
    const takeHeavy = checkCapacityFloor({
      floor: defaults,
      configuredWeight: 6,
      serving,
      changes: [{ kind: 'take-out', key: 'c' }],
    });
    expect(takeHeavy.ok).toBe(false);
    const takeLight = checkCapacityFloor({
      floor: defaults,
      configuredWeight: 6,
      serving,
      changes: [{ kind: 'take-out', key: 'a' }],
    });
    expect(takeLight.ok).toBe(true);
  });

  it('treats a weight cut like a removal of that much weight', () => {
    const serving = [
      { key: 'a', label: 'web-1', weight: 10 },
      { key: 'b', label: 'web-2', weight: 10 },
    ];
    const cut = (weight: number) =>
      checkCapacityFloor({
        floor: defaults,
        configuredWeight: 20,
        serving,
        changes: [{ kind: 'set-weight', key: 'a', weight }],
      }).ok;
    expect(cut(0)).toBe(true); // 10 of 20 is exactly 50 %
    expect(cut(5)).toBe(true);
    expect(
      checkCapacityFloor({
        floor: { minServers: 1, minWeightFraction: 0.8 },
        configuredWeight: 20,
        serving,
        changes: [{ kind: 'set-weight', key: 'a', weight: 5 }],
      }).ok,
    ).toBe(false);
  });
});
