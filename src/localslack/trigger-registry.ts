import type { IdFactory } from './id-factory.js';

interface TriggerRecord {
  user: string;
  channel?: string;
  issuedAt: number;
  used: boolean;
}

export type Redemption =
  | { ok: true; user: string; channel?: string }
  | { ok: false; error: 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id' };

/**
 * trigger_ids handed to the app with each slash command and interaction. As in Slack, each
 * may open one view, within 3 seconds of being issued.
 */
export class TriggerRegistry {
  private readonly triggers = new Map<string, TriggerRecord>();

  constructor(
    private readonly ids: IdFactory,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(user: string, channel?: string): string {
    const id = this.ids.triggerId();
    this.triggers.set(id, { user, issuedAt: this.now(), used: false, ...(channel ? { channel } : {}) });
    return id;
  }

  redeem(id: string): Redemption {
    const record = this.triggers.get(id);
    if (!record) return { ok: false, error: 'invalid_trigger_id' };
    if (record.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (this.now() - record.issuedAt > this.ttlMs) return { ok: false, error: 'expired_trigger_id' };
    record.used = true;
    return { ok: true, user: record.user, ...(record.channel ? { channel: record.channel } : {}) };
  }
}
