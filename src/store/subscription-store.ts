import type { Redis } from 'ioredis';
import {
  channelsFor,
  type Subject,
  type Subscription,
  subscriptionSchema,
} from '../core/subscriptions/subscription.js';
import { Keys } from './keys.js';

export type NewSubscription = Omit<Subscription, 'id' | 'createdAt'>;

/** Subscriptions in one Redis hash (id → JSON), shared by every bot process. */
export class SubscriptionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys = new Keys(),
  ) {}

  /** Adds a subscription; an identical one (same channel and filters) is returned instead of a copy. */
  async add(
    input: NewSubscription,
    now = Date.now(),
  ): Promise<{ subscription: Subscription; created: boolean }> {
    const existing = (await this.list()).find(
      (s) =>
        s.channel === input.channel &&
        s.cluster === input.cluster &&
        s.group === input.group &&
        s.service === input.service &&
        s.kind === input.kind,
    );
    if (existing) return { subscription: existing, created: false };
    const n = await this.redis.incr(this.keys.subscriptionSeq());
    const subscription = subscriptionSchema.parse({ ...input, id: `sub-${n}`, createdAt: now });
    await this.redis.hset(this.keys.subscriptions(), subscription.id, JSON.stringify(subscription));
    return { subscription, created: true };
  }

  async remove(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.subscriptions(), id)) === 1;
  }

  /** Removes every subscription of a channel; returns how many. */
  async removeChannel(channel: string): Promise<number> {
    const ids = (await this.list()).filter((s) => s.channel === channel).map((s) => s.id);
    if (ids.length === 0) return 0;
    return this.redis.hdel(this.keys.subscriptions(), ...ids);
  }

  async list(channel?: string): Promise<Subscription[]> {
    const all = await this.redis.hvals(this.keys.subscriptions());
    const subs: Subscription[] = [];
    for (const raw of all) {
      const parsed = subscriptionSchema.safeParse(JSON.parse(raw));
      if (parsed.success && (!channel || parsed.data.channel === channel)) subs.push(parsed.data);
    }
    return subs.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id));
  }

  async channelsFor(subject: Subject, defaultChannel?: string): Promise<string[]> {
    return channelsFor(await this.list(), subject, defaultChannel);
  }
}
