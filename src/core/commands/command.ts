/** A `/lvs` command, parsed and shape-checked (names are resolved against the inventory later). */
export interface SubscriptionFilter {
  cluster?: string;
  group?: string;
  service?: string;
  kind?: 'alert' | 'failover' | 'job';
}

export type Command =
  | { name: 'help'; topic?: string }
  | { name: 'status'; cluster?: string; vip?: string }
  | { name: 'drain'; server: string; vip?: string; timeoutMs?: number; remove: boolean }
  | { name: 'undrain'; server: string; vip?: string }
  | { name: 'remove'; server: string; vip?: string }
  | { name: 'restore'; server: string; vip?: string }
  | { name: 'weight'; server: string; weight: number; vip?: string }
  | { name: 'failback'; cluster?: string }
  | { name: 'remount'; fileset: string; host?: string; force: boolean }
  | { name: 'subscribe'; channel?: string; filter: SubscriptionFilter }
  | { name: 'unsubscribe'; channel?: string; id?: string }
  | { name: 'subscriptions' }
  | { name: 'jobs'; all: boolean }
  | { name: 'job'; id: string }
  | { name: 'cancel'; id: string }
  | { name: 'build'; cluster?: string }
  | { name: 'incidents' }
  | { name: 'incident'; id: string }
  | { name: 'ack'; id: string; comment?: string }
  | { name: 'silence'; group: string; service?: string; durationMs: number; reason?: string }
  | { name: 'unsilence'; group: string; service?: string };
