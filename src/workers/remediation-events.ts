import type { LvsEvent } from '../core/events/event.js';
import type { AuditRecord } from '../queues/job-audit.js';
import type { HostKeyMismatchError } from '../ssh/errors/host-key-mismatch-error.js';

/**
 * The events a remediation job appends to the event stream, for the alert pipeline to turn
 * into incidents and notifications.
 *
 * A host-key mismatch is a `security` event (status down): the host presented another key
 * than the inventory pins, so either it was reinstalled or something is in the middle. Its
 * incident is keyed by cluster and host (src/core/incidents), so every job that meets the
 * same key joins one incident. The id carries the presented key: a new key is news again.
 */
export function hostKeyEvent(record: AuditRecord, error: HostKeyMismatchError, at: number): LvsEvent {
  return {
    id: `security:host-key:${record.cluster}:${error.target}:${error.presented}`.slice(0, 200),
    source: 'security',
    kind: 'security',
    status: 'down',
    cluster: record.cluster,
    host: error.target,
    summary:
      `${error.target} (${error.address}) presented SSH host key ${error.presented}, but the inventory pins ` +
      `${error.pinned.join(', ')}. Job ${record.id} (${record.playbook}) stopped; nothing was run on ${error.target}.`,
    detail: error.message,
    at,
    receivedAt: at,
  };
}

/** A run that finished (`job` events open no incident; subscriptions with kind=job see them). */
export function jobEvent(record: AuditRecord, at: number): LvsEvent {
  const request = record.request;
  const realServer = 'realServer' in request ? request.realServer : undefined;
  return {
    id: `job:${record.id}:${record.status}:${record.attempts.length}`,
    source: 'job',
    kind: 'job',
    status: record.status === 'failed' || record.status === 'timed-out' ? 'down' : 'info',
    cluster: record.cluster,
    ...(realServer !== undefined && { host: realServer }),
    summary: `${record.id} ${record.playbook}: ${record.summary ?? record.status}`.slice(0, 4000),
    at,
    receivedAt: at,
  };
}

/**
 * The end of an automatic run, as a note on the incident it acted for (an info event of the
 * incident's mon group and service, so it shows in the incident's thread): nobody clicked
 * anything, so nobody would otherwise hear that the removal failed, or that it was done.
 * Undefined for runs someone asked for (their own message shows the end).
 */
export function autoRunNote(record: AuditRecord, at: number): LvsEvent | undefined {
  const by = record.requestedBy;
  if (by.via !== 'auto' || by.group === undefined) return undefined;
  const request = record.request;
  const realServer = 'realServer' in request ? request.realServer : undefined;
  const failed = record.status !== 'done' && record.status !== 'already-done';
  return {
    id: `${by.eventId ?? record.id}:auto-end:${record.id}:${record.status}`.slice(0, 200),
    source: 'job',
    kind: 'alert',
    status: 'info',
    cluster: record.cluster,
    group: by.group,
    ...(by.monService !== undefined && { service: by.monService }),
    ...(realServer !== undefined && { host: realServer }),
    summary:
      `${failed ? ':warning: ' : ''}automatic ${record.playbook} (job ${record.id}) ${record.status}: ${
        record.summary ?? ''
      }${failed ? `. Nothing more is tried automatically for this alert; see /lvs job ${record.id}` : ''}`.slice(
        0,
        4000,
      ),
    at,
    receivedAt: at,
  };
}
