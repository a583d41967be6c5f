import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../src/localslack/sliding-window.js';
import { TokenBucket } from '../../src/localslack/token-bucket.js';

describe('chat.postMessage per-channel limit', () => {
  it('allows a burst, then one call per second, and says how long to wait', () => {
    let now = 1_000_000;
    const bucket = new TokenBucket(1, 3, () => now);
    expect([bucket.take('C1'), bucket.take('C1'), bucket.take('C1')].every((a) => a.ok)).toBe(true);
    expect(bucket.take('C1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.take('C2')).toEqual({ ok: true });
    now += 1000;
    expect(bucket.take('C1')).toEqual({ ok: true });
    expect(bucket.take('C1').ok).toBe(false);
    now += 10_000;
    expect([bucket.take('C1'), bucket.take('C1'), bucket.take('C1')].every((a) => a.ok)).toBe(true);
    expect(bucket.take('C1').ok).toBe(false);
  });
});

describe('per-method tier limit', () => {
  it('allows the tier per minute and then asks to wait until the oldest call leaves the window', () => {
    let now = 0;
    const window = new SlidingWindow(() => now);
    for (let i = 0; i < 20; i++) {
      expect(window.take('conversations.list', 20).ok).toBe(true);
      now += 1000;
    }
    expect(window.take('conversations.list', 20)).toEqual({ ok: false, retryAfterSeconds: 40 });
    now = 60_000;
    expect(window.take('conversations.list', 20).ok).toBe(true);
  });
});
