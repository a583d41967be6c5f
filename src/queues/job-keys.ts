/**
 * Redis keys of the remediation jobs, in the project's scheme (`PREFIX:{tag}:…`, src/store/keys.ts).
 * Per-job records share the `{jobs}` tag, so a job is found by its id alone; what belongs to
 * a cluster (drained weights, the automatic-action log) shares the cluster's tag.
 */
export class JobKeys {
  constructor(readonly prefix = 'lvs') {}

  /** INCR: job numbers (`j42`). */
  sequence(): string {
    return `${this.prefix}:{jobs}:seq`;
  }
  /** The audit record of a job (JSON). */
  audit(jobId: string): string {
    return `${this.prefix}:{jobs}:audit:${jobId}`;
  }
  /** Job id → the BullMQ queue it is in. */
  queueOf(): string {
    return `${this.prefix}:{jobs}:queue-of`;
  }
  /** Every job, scored by the time it was queued (`/lvs jobs`). */
  recent(): string {
    return `${this.prefix}:{jobs}:recent`;
  }
  /** Pub/sub channel of cancellation requests, heard by every worker. */
  cancelChannel(): string {
    return `${this.prefix}:{jobs}:cancel`;
  }
  /** Set by `/lvs cancel` for a running job: the worker that holds it stops at the next step. */
  cancelRequest(jobId: string): string {
    return `${this.prefix}:{jobs}:cancel:${jobId}`;
  }
  /** An automatic job already queued for this event (a resent alert acts once). */
  autoEvent(eventId: string): string {
    return `${this.prefix}:{jobs}:auto-event:${eventId}`;
  }
  /** The weight a real server had in a virtual service before a drain (for `/lvs undrain`). */
  drainedWeight(cluster: string, realServer: string, service: string): string {
    return `${this.prefix}:{${cluster}}:drained:${realServer}:${service}`;
  }
  /** Times of automatic actions on a real server (sorted set), for the per-hour cap. */
  autoActions(cluster: string, realServer: string): string {
    return `${this.prefix}:{${cluster}}:auto-actions:${realServer}`;
  }
}
