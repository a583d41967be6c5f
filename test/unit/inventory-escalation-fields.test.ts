import { describe, expect, it } from 'vitest';
import { brokenCopy, C0, EXAMPLE, errorsOf, expectError, loadOk } from './inventory-edit.js';

describe('inventory: reminders and the downtime log', () => {
  it('reminds of open incidents every 4 hours unless the policy says otherwise', () => {
    expect(loadOk(EXAMPLE).clusters[0]?.policy.remindEvery).toBe(4 * 3_600_000);
    const inventory = loadOk(brokenCopy([[...C0, 'policy', 'remindEvery'], '90m']));
    expect(inventory.clusters[0]?.policy.remindEvery).toBe(5_400_000);
  });

  it('refuses a reminder interval of zero or nonsense, saying what a duration looks like', () => {
    expectError(
      errorsOf(brokenCopy([[...C0, 'policy', 'remindEvery'], '0s'])),
      'clusters.0.policy.remindEvery',
      /longer than 0/,
    );
    expectError(
      errorsOf(brokenCopy([[...C0, 'policy', 'remindEvery'], 'often'])),
      'clusters.0.policy.remindEvery',
      /duration/,
    );
  });

  it("reads mon's downtime log where mon puts it by default, or at the absolute path given", () => {
    expect(loadOk(EXAMPLE).clusters[0]?.mon?.dtlogFile).toBe('/var/log/mon/downtime.log');
    const moved = loadOk(brokenCopy([[...C0, 'mon', 'dtlogFile'], '/srv/mon/log/dt.log']));
    expect(moved.clusters[0]?.mon?.dtlogFile).toBe('/srv/mon/log/dt.log');
    expectError(
      errorsOf(brokenCopy([[...C0, 'mon', 'dtlogFile'], 'downtime.log'])),
      'clusters.0.mon.dtlogFile',
      /absolute path/,
    );
  });
});
