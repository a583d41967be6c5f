import { z } from 'zod';

/**
 * The `notify` queue (BullMQ) and its jobs. A job names what to deliver, never the content:
 * the worker reads the incident's current version from the incident store, so a job that
 * waited (a paced channel, a restart) delivers the latest state, and one for a version
 * already delivered does nothing.
 */
export const NOTIFY_QUEUE = 'notify';

/**
 * BullMQ's key prefix of the notify queue: a hash tag of its own, so that all its keys share
 * one Redis Cluster slot (BullMQ's scripts touch several at once) and notifications do not
 * crowd the slot of the remediation queues. It was `PREFIX:bull` before (docs/redis.md).
 */
export function notifyPrefix(prefix: string): string {
  return `${prefix}:{notify}`;
}

export const incidentJobSchema = z.object({
  cluster: z.string().min(1),
  incidentId: z.string().min(1),
  channel: z.string().min(1),
  /** The version that asked for this delivery; a delivered version at or above it is a no-op. */
  version: z.number().int().positive(),
});
export type IncidentJob = z.infer<typeof incidentJobSchema>;

export const digestJobSchema = z.object({
  cluster: z.string().min(1),
  channel: z.string().min(1),
});
export type DigestJob = z.infer<typeof digestJobSchema>;

export const webhookJobSchema = z.object({
  cluster: z.string().min(1),
  incidentId: z.string().min(1),
  url: z.url(),
  version: z.number().int().positive(),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

export const NOTIFY_JOB_NAMES = { incident: 'incident', digest: 'digest', webhook: 'webhook' } as const;

/** Retries for 5xx and timeouts: about 1 s, 2 s, 4 s … up to about 35 minutes in all. */
export const NOTIFY_ATTEMPTS = 12;
export const NOTIFY_BACKOFF = { type: 'exponential', delay: 1000, jitter: 0.3 } as const;
