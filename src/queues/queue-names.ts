/**
 * The BullMQ queues of remediation jobs.
 *
 * Table-changing jobs of one cluster must run one at a time across every worker process.
 * BullMQ's open-source edition has no groups, so there were two ways: a Redis lock taken by
 * the processor, or a queue per cluster capped with `setGlobalConcurrency(1)`. We use the
 * queue per cluster:
 * - order is kept: approved changes run in the order they were queued, where a lock that is
 *   busy sends a job back to be delayed and retried in no particular order;
 * - nothing polls: a waiting job starts the moment the previous one ends, which matters for
 *   the alert → removal latency, where a lock retry would add its delay;
 * - a crashed worker frees the slot through BullMQ's own stalled-job recovery (its lock
 *   expires, the job goes back to wait and another worker resumes it); a separate lock would
 *   need its own expiry, tuned against drains that legitimately run for many minutes;
 * - what is pending is visible: the cluster queue's waiting jobs are its pending changes.
 * The cost: a worker must know the clusters (it reads the inventory anyway) and runs one
 * BullMQ Worker per cluster, and a long drain holds its cluster's queue (that is the point).
 *
 * Everything else (dry runs, remounts) goes to one shared queue with ordinary concurrency.
 */

/** Table-changing and rules-saving runs of one cluster: one at a time, globally. */
export function changesQueueName(cluster: string): string {
  return `changes.${cluster}`;
}

/** Dry runs (plans for approval) and remounts. */
export const TASKS_QUEUE = 'tasks';

/**
 * BullMQ's key prefix: under the project's prefix, with a hash tag, so that every key of a
 * queue lands in one Redis Cluster slot (BullMQ's Lua scripts touch several at once).
 */
export function bullPrefix(prefix: string): string {
  return `${prefix}:{jobs}`;
}
