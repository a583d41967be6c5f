import { z } from 'zod';

export const subscriptionKindSchema = z.enum(['alert', 'failover', 'job']);
export type SubscriptionKind = z.infer<typeof subscriptionKindSchema>;

/** A channel's wish to hear about some clusters, groups, services or kinds. Unset = any. */
export const subscriptionSchema = z.object({
  id: z.string().min(1),
  channel: z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'a Slack channel id (C…, G… or D…)'),
  cluster: z.string().min(1).optional(),
  group: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  kind: subscriptionKindSchema.optional(),
  /** Who added it and when; absent on subscriptions stored before they were recorded. */
  createdBy: z.string().optional(),
  createdAt: z.number().int().nonnegative().optional(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** What a notification is about, for matching. */
export interface Subject {
  cluster: string;
  kind: SubscriptionKind;
  group?: string;
  service?: string;
}

export function matches(sub: Subscription, subject: Subject): boolean {
  if (sub.cluster && sub.cluster !== subject.cluster) return false;
  if (sub.kind && sub.kind !== subject.kind) return false;
  if (sub.group && sub.group !== subject.group) return false;
  if (sub.service && sub.service !== subject.service) return false;
  return true;
}

/**
 * The channels that hear about a subject: every matching subscription, plus the cluster's
 * default channel from the inventory. Each channel once, in a stable order.
 */
export function channelsFor(
  subs: readonly Subscription[],
  subject: Subject,
  defaultChannel?: string,
): string[] {
  const channels = new Set<string>();
  if (defaultChannel) channels.add(defaultChannel);
  for (const s of subs) if (matches(s, subject)) channels.add(s.channel);
  return [...channels];
}

/** The clusters a subscription hears about: the one it names, or every cluster when it names none. */
export function coveredClusters(sub: { cluster?: string }, clusters: readonly string[]): string[] {
  return sub.cluster === undefined ? [...clusters] : clusters.filter((c) => c === sub.cluster);
}
