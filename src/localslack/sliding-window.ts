import type { Admission } from './token-bucket.js';

/**
 * At most `limit` calls per key in any 60-second window: Slack's per-method tiers
 * (Tier 1: 1+, Tier 2: 20+, Tier 3: 50+, Tier 4: 100+ per minute).
 */
export class SlidingWindow {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string, limit: number): Admission {
    const now = this.now();
    const recent = (this.calls.get(key) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= limit) {
      this.calls.set(key, recent);
      const oldest = recent[0] ?? now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000)) };
    }
    recent.push(now);
    this.calls.set(key, recent);
    return { ok: true };
  }
}
