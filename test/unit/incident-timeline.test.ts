import { describe, expect, it } from 'vitest';
import { assembleTimeline, jobsOfIncident, timelineText } from '../../src/bot/commands/incident-timeline.js';
import type { Cluster } from '../../src/config/inventory.js';
import type { Incident } from '../../src/core/incidents/index.js';
import type { AuditRecord } from '../../src/queues/job-audit.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;
const cluster = {
  name: 'lab',
  realServers: [
    { name: 'web-2', address: '10.200.0.12' },
    { name: 'web-3', address: '10.200.0.13' },
  ],
} as unknown as Cluster;

const incident = {
  id: 'lab-3',
  key: 'lab/alert/web-2/http',
  cluster: 'lab',
  kind: 'outage',
  state: 'resolved',
  title: 'web-2 http down',
  group: 'web-2',
  service: 'http',
  host: '10.200.0.12',
  target: { realServer: '10.200.0.12', vip: '10.200.0.100', port: 80 },
  openedAt: T0,
  lastSeenAt: T0 + 20 * MIN,
  resolvedAt: T0 + 20 * MIN,
  count: 2,
  transitions: [],
  lastStatus: 'up',
  summary: 'refused',
  timeline: [
    { at: T0, type: 'opened', text: 'web-2 http down: refused' },
    { at: T0 + 10 * MIN, type: 'note', text: 'escalated to @lvs-oncall in #lvs-ops' },
    { at: T0 + 20 * MIN, type: 'resolved', text: 'recovered after 20m' },
  ],
  version: 4,
  seenEventIds: [],
  ack: { by: 'U0OPERATOR', at: T0 + 11 * MIN, comment: 'looking', monTold: true },
} as unknown as Incident;

function job(id: string, realServer: string, queuedAt: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    queue: 'changes.lab',
    kind: 'run',
    playbook: 'remove-real-server',
    cluster: 'lab',
    request: { playbook: 'remove-real-server', cluster: 'lab', realServer, services: ['web'] },
    requestedBy: { user: 'U0OPERATOR', via: 'slack', channel: 'C0LVSOPS' },
    approval: { by: 'U0APPROVER', at: queuedAt - 5_000, snapshot: { lines: [], hash: 'h' }, override: false },
    queuedAt,
    status: 'done',
    summary: `removed ${realServer} from web`,
    startedAt: queuedAt + 1000,
    finishedAt: queuedAt + 3000,
    attempts: [],
    plan: null,
    acting: true,
    steps: [
      {
        id: 's1',
        title: 'remove',
        required: true,
        state: 'done',
        acted: true,
        startedAt: queuedAt + 1000,
        endedAt: queuedAt + 2000,
        note: null,
        commands: [
          {
            host: 'lb1',
            argv: ['ipvsadm', '-d', '-t', '10.200.0.100:80', '-r', '10.200.0.12:80'],
            startedAt: queuedAt + 1500,
            durationMs: 20,
            exitCode: 0,
            signal: null,
            outcome: 'ok',
            note: null,
            stdout: '',
            stderr: '',
          },
        ],
        checks: [],
      },
    ],
    recheck: null,
    cancel: null,
    log: [],
    ...over,
  } as AuditRecord;
}

describe('the incident timeline', () => {
  it("takes the jobs on the incident's real server within its span (and a little after), not others", () => {
    const records = [
      job('j1', 'web-2', T0 - MIN),
      job('j2', 'web-2', T0 + 12 * MIN),
      job('j3', 'web-3', T0 + 12 * MIN),
      job('j4', 'web-2', T0 + 30 * MIN),
      job('j5', 'web-2', T0 + 60 * MIN),
      job('j6', 'web-2', T0 + 12 * MIN, { cluster: 'other' }),
    ];
    expect(jobsOfIncident(records, incident, cluster, T0 + 90 * MIN).map((r) => r.id)).toEqual(['j2', 'j4']);
  });

  it('orders alerts, the ack, jobs with their approver and output, mon lines and the resolution by time', () => {
    const t = assembleTimeline({
      incident,
      jobs: [job('j2', 'web-2', T0 + 12 * MIN)],
      downtime: {
        read: true,
        host: 'lb1',
        skipped: 0,
        entries: [
          {
            upAt: (T0 + 20 * MIN) / 1000,
            group: 'web-2',
            service: 'http',
            failedAt: (T0 - 30_000) / 1000,
            downSeconds: 1230,
            interval: 10,
            summary: '10.200.0.12',
          },
        ],
      },
      now: T0 + 30 * MIN,
    });
    expect(t.lines.map((l) => l.what)).toEqual([
      'mon',
      'alert',
      'note',
      'ack',
      'approval',
      'job',
      'output',
      'job',
      'resolved',
    ]);
    const text = t.lines.map((l) => l.text).join('\n');
    expect(text).toContain('acknowledged by <@U0OPERATOR>: looking (mon was told)');
    expect(text).toContain('j2 approved by <@U0APPROVER>');
    expect(text).toContain('asked by <@U0OPERATOR>');
    expect(text).toContain('ipvsadm -d -t 10.200.0.100:80 -r 10.200.0.12:80` on lb1: exit 0');
    expect(text).toContain('downtime log: web-2/http down 20m 30s');
    expect(t.duration).toBe('Outage: 20m');
    expect(t.notes).toEqual([]);
  });

  it("says why mon's log is missing instead of failing", () => {
    const t = assembleTimeline({
      incident,
      jobs: [],
      downtime: { read: false, why: 'lb1: connect ECONNREFUSED' },
      now: T0,
    });
    expect(t.notes).toEqual(["mon's downtime log was not read: lb1: connect ECONNREFUSED"]);
  });

  it('a long timeline keeps its start and end and counts what it left out', () => {
    const many = {
      ...incident,
      timeline: Array.from({ length: 300 }, (_, i) => ({
        at: T0 + i * 1000,
        type: 'repeat',
        text: `alert ${i}`,
      })),
    } as unknown as Incident;
    const chunks = timelineText(assembleTimeline({ incident: many, jobs: [], now: T0 }), 40);
    const all = chunks.join('\n');
    expect(all).toContain('alert 0');
    expect(all).toContain('alert 299');
    expect(all).toMatch(/… 26\d more entries not shown/);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(3000);
  });
});
