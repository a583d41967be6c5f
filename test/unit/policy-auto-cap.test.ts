import { describe, expect, it } from 'vitest';
import { AUTO_CAP_WINDOW_MS, checkAutoCap } from '../../src/core/policy/auto-cap.js';

const now = 1_800_000_000_000;
const minutesAgo = (m: number) => now - m * 60_000;

describe('cap on automatic remediation per real server per hour', () => {
  it('allows actions up to the cap', () => {
    const decision = checkAutoCap({
      recent: [minutesAgo(50), minutesAgo(30), minutesAgo(10)],
      now,
      maxPerHour: 4,
      realServer: 'web-2',
    });
    expect(decision).toEqual({ allowed: true, countInWindow: 3 });
  });

  it('holds the next one back and says when the next is allowed', () => {
    const recent = [minutesAgo(50), minutesAgo(30), minutesAgo(10), minutesAgo(5)];
    const decision = checkAutoCap({ recent, now, maxPerHour: 4, realServer: 'web-2' });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.nextAllowedAt).toBe(minutesAgo(50) + AUTO_CAP_WINDOW_MS);
    expect(decision.message).toContain('web-2 was changed automatically 4 times in the last hour');
    expect(decision.message).toContain('about 10 min');
  });

  it('forgets actions older than an hour', () => {
    const recent = [minutesAgo(61), minutesAgo(90), minutesAgo(120), minutesAgo(30)];
    expect(checkAutoCap({ recent, now, maxPerHour: 2, realServer: 'web-2' }).allowed).toBe(true);
  });

  it('orders the times numerically, whatever order they come in', () => {
    const recent = [minutesAgo(5), minutesAgo(55), minutesAgo(20)];
    const decision = checkAutoCap({ recent, now, maxPerHour: 2, realServer: 'web-1' });
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.nextAllowedAt).toBe(minutesAgo(20) + AUTO_CAP_WINDOW_MS);
  });
});
