import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LvsEvent } from '../../src/core/events/event.js';
import { applyEvent, type Decision, type Incident } from '../../src/core/incidents/index.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
let seq = 0;

function alert(status: LvsEvent['status'], at: number, over: Partial<LvsEvent> = {}): LvsEvent {
  seq++;
  return {
    id: `ev-${seq}`,
    source: 'mon',
    kind: 'alert',
    status,
    cluster: 'lab',
    group: 'web-2',
    service: 'http',
    host: '10.210.1.12',
    target: { vip: '10.210.0.100', port: 80, realServer: '10.210.1.12', realServerPort: 80 },
    summary: status === 'down' ? 'HTTP is DOWN' : 'HTTP is UP',
    at,
    receivedAt: at,
    ...over,
  };
}

function failover(phase: LvsEvent['phase'], at: number, node = 'lb1'): LvsEvent {
  seq++;
  return {
    id: `hb-${seq}`,
    source: 'heartbeat',
    kind: 'failover',
    status: 'info',
    cluster: 'lab',
    node,
    phase,
    summary: `${phase}`,
    at,
    receivedAt: at,
  };
}

/** Applies events in order, keeping the store as the caller would. */
function run(events: LvsEvent[]): { incidents: Incident[]; decisions: Decision[] } {
  let ids = 0;
  const store = new Map<string, Incident>();
  const decisions: Decision[] = [];
  for (const e of events) {
    const d = applyEvent([...store.values()], e, () => `inc-${++ids}`);
    decisions.push(d);
    if (d.type !== 'ignored') store.set(d.incident.id, d.incident);
  }
  return { incidents: [...store.values()], decisions };
}

describe('incident correlation', () => {
  it('opens one incident for a down alert and counts repeats on it', () => {
    const { incidents, decisions } = run([
      alert('down', T0),
      alert('down', T0 + 30_000),
      alert('down', T0 + 60_000),
    ]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.count).toBe(3);
    expect(incidents[0]!.lastSeenAt).toBe(T0 + 60_000);
    expect(decisions.map((d) => d.type)).toEqual(['opened', 'updated', 'updated']);
    expect(incidents[0]!.version).toBe(3);
  });

  it('resolves the same incident on the upalert with the outage duration', () => {
    const { incidents } = run([alert('down', T0), alert('up', T0 + 125_000)]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.state).toBe('resolved');
    expect(incidents[0]!.resolvedAt! - incidents[0]!.openedAt).toBe(125_000);
    expect(incidents[0]!.timeline.at(-1)!.text).toContain('recovered after 2m 5s');
  });

  it('ignores a redelivered event (same id)', () => {
    const first = alert('down', T0);
    const { incidents, decisions } = run([first, { ...first }]);
    expect(incidents[0]!.count).toBe(1);
    expect(decisions[1]!.type).toBe('ignored');
  });

  it('ignores a recovery with no open incident', () => {
    expect(run([alert('up', T0)]).decisions[0]!.type).toBe('ignored');
  });

  it('turns repeated down/up transitions into one flapping incident, not many', () => {
    const events: LvsEvent[] = [];
    for (let i = 0; i < 6; i++) {
      events.push(alert('down', T0 + i * 60_000), alert('up', T0 + i * 60_000 + 20_000));
    }
    const { incidents } = run(events);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.kind).toBe('flapping');
    expect(incidents[0]!.title).toMatch(/^Flapping: /);
  });

  it('opens a new incident when the same service fails long after it recovered', () => {
    const { incidents } = run([alert('down', T0), alert('up', T0 + 1000), alert('down', T0 + 3_600_000)]);
    expect(incidents).toHaveLength(2);
  });

  it('folds real-server alerts that arrive during a director failover into the failover incident', () => {
    const { incidents } = run([
      failover('node-dead', T0, 'lb1'),
      alert('down', T0 + 2000),
      alert('down', T0 + 3000, { group: 'web-3' }),
      failover('takeover-complete', T0 + 8000, 'lb2'),
    ]);
    expect(incidents).toHaveLength(1);
    const [inc] = incidents;
    expect(inc!.kind).toBe('failover');
    expect(inc!.state).toBe('resolved');
    expect(inc!.timeline.filter((t) => t.type === 'folded')).toHaveLength(2);
  });

  it('keeps one failover incident for takeover and the failback that follows it soon after', () => {
    const { incidents } = run([
      failover('shutdown', T0, 'lb1'),
      failover('takeover-complete', T0 + 9000, 'lb2'),
      failover('standby-requested', T0 + 40_000, 'lb2'),
      failover('takeover-complete', T0 + 50_000, 'lb1'),
    ]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.timeline).toHaveLength(4);
    expect(incidents[0]!.state).toBe('resolved');
  });

  it('does not open a failover incident for routine heartbeat lines', () => {
    expect(run([failover('other', T0)]).decisions[0]!.type).toBe('ignored');
  });

  it("shows a service whose dependency is down under the dependency's incident", () => {
    const { incidents } = run([
      alert('down', T0, { service: 'ping', summary: 'unreachable' }),
      alert('down', T0 + 1000, { service: 'http', dependsOn: ['web-2:ping'] }),
    ]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.service).toBe('ping');
    expect(incidents[0]!.timeline.at(-1)!.type).toBe('dependency-down');
  });

  it('never throws and keeps one incident per key, whatever order events come in', () => {
    const arb = fc.array(
      fc.record({
        status: fc.constantFrom('down' as const, 'up' as const, 'info' as const),
        dt: fc.integer({ min: 0, max: 900_000 }),
        group: fc.constantFrom('web-1', 'web-2', 'web-3'),
        failover: fc.boolean(),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(arb, (steps) => {
        let at = T0;
        const events = steps.map((s) => {
          at += s.dt;
          return s.failover ? failover('node-dead', at) : alert(s.status, at, { group: s.group });
        });
        const { incidents } = run(events);
        const open = incidents.filter((i) => i.state === 'open');
        expect(new Set(open.map((i) => i.key)).size).toBe(open.length);
        for (const i of incidents) expect(i.version).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});
