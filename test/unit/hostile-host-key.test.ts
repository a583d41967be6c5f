import { describe, expect, it } from 'vitest';
import { applyEvent, type Incident } from '../../src/core/incidents/index.js';
import type { AuditRecord } from '../../src/queues/job-audit.js';
import { HostKeyMismatchError } from '../../src/ssh/index.js';
import { hostKeyEvent } from '../../src/workers/remediation-events.js';

// What a changed SSH host key becomes once the worker refused it (test/integration/worker-retries
// shows the refusal against a real sshd): a security incident of the cluster and the host, that
// every job meeting the same key joins, and that a different key makes news again.

const PINNED = 'SHA256:w8Rvka0StN+LQ2Lr3jbYdk/qycToKy3QxMLh0xkDPLc';
const PRESENTED = 'SHA256:Zm9yZ2VkLWtleS1mb3ItaG9zdGlsZS10ZXN0cy0xMjM0NQ';

function record(id: string): AuditRecord {
  return { id, cluster: 'lab', playbook: 'drain' } as AuditRecord;
}

function ids(): () => string {
  let n = 0;
  return () => `lab-${++n}`;
}

describe('a changed SSH host key', () => {
  it('opens a security incident naming the host, both keys and the stopped job', () => {
    const error = new HostKeyMismatchError('lb2', '10.200.0.2', PRESENTED, [PINNED]);
    const event = hostKeyEvent(record('j7'), error, Date.UTC(2026, 10, 25, 12));
    expect(event).toMatchObject({ kind: 'security', status: 'down', cluster: 'lab', host: 'lb2' });
    const decision = applyEvent([], event, ids());
    expect(decision.type).toBe('opened');
    const incident = (decision as { incident: Incident }).incident;
    expect(incident.kind).toBe('security');
    expect(incident.title).toContain('Security:');
    expect(incident.title).toContain(PRESENTED);
    expect(incident.title).toContain(PINNED);
    expect(incident.title).toContain('Job j7 (drain) stopped; nothing was run on lb2');
  });

  it('is one incident for every job that meets the same key, and news again for another key', () => {
    const at = Date.UTC(2026, 10, 25, 12);
    const first = new HostKeyMismatchError('lb2', '10.200.0.2', PRESENTED, [PINNED]);
    const opened = applyEvent([], hostKeyEvent(record('j7'), first, at), ids());
    const incident = (opened as { incident: Incident }).incident;
    const again = applyEvent([incident], hostKeyEvent(record('j8'), first, at + 60_000), ids());
    // The same key seen by the next job: the same event id, so the same incident, unchanged.
    expect(again.type).toBe('ignored');
    const other = new HostKeyMismatchError('lb2', '10.200.0.2', 'SHA256:b3RoZXIta2V5', [PINNED]);
    const news = applyEvent([incident], hostKeyEvent(record('j9'), other, at + 120_000), ids());
    expect(news.type).toBe('updated');
    expect((news as { incident: Incident }).incident.id).toBe(incident.id);
  });

  it('is a final error naming the presented key, so the worker does not retry it', () => {
    const error = new HostKeyMismatchError('lb2', '10.200.0.2', PRESENTED, [PINNED]);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(PRESENTED);
  });
});
