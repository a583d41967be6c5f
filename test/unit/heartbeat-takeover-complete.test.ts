import { describe, expect, it } from 'vitest';
import { classifyHaMessage, parseHaLog } from '../../src/core/heartbeat/index.js';
import { applyEvent, type Incident } from '../../src/core/incidents/index.js';
import { heartbeatBody } from '../../src/ingest/halog/heartbeat-body.js';
import { normalizeHeartbeat } from '../../src/ingest/normalize/normalize-heartbeat.js';
import { heartbeatFixture } from './heartbeat-fixtures.js';
import { brokenCopy, loadOk } from './inventory-edit.js';

const reference = new Date('2026-11-26T00:00:00Z');
const DIRECTORS = ['clusters', 0, 'directors'];

/** The example inventory with its directors' heartbeat node names set to the log's. */
function inventoryFor(master: string, slave: string) {
  return loadOk(brokenCopy([[...DIRECTORS, 0, 'node'], master], [[...DIRECTORS, 1, 'node'], slave]));
}

/**
 * The lines of a real ha-log from the first line containing `from` to the first after it
 * containing `to`, as the follower on `node` posts them and the ingest applies them: the
 * failover incidents they leave.
 */
function incidentsAfter(file: string, from: string, to: string, node: string, nodes: [string, string]) {
  const text = heartbeatFixture(file);
  const at = text.indexOf(from);
  expect(at, from).toBeGreaterThanOrEqual(0);
  const start = text.lastIndexOf('\n', at) + 1;
  const end = text.indexOf('\n', text.indexOf(to, start));
  expect(end, to).toBeGreaterThan(start);
  const chunk = text.slice(start, end);
  const inventory = inventoryFor(...nodes);
  const store = new Map<string, Incident>();
  let ids = 0;
  const { lines, errors } = parseHaLog(chunk, { reference });
  expect(errors).toEqual([]);
  for (const [i, line] of lines.entries()) {
    const raw = chunk.split('\n').filter((l) => l.trim() !== '')[i]!;
    const body = heartbeatBody(
      line,
      raw,
      { offset: start + i, inode: 1, fingerprint: 'f' },
      { node, cluster: 'seed', file: '/var/log/ha-log', agent: 'test' },
    );
    if (!body) continue;
    const event = normalizeHeartbeat(body, { inventory, receivedAt: Date.parse('2026-11-25T13:00:00Z') });
    const d = applyEvent([...store.values()], event, () => `inc-${++ids}`);
    if (d.type !== 'ignored') store.set(d.incident.id, d.incident);
  }
  return [...store.values()];
}

describe('a standby takeover ends the failover incident (heartbeat 3.0.6)', () => {
  it('classifies the daemon lines that say the resources changed hands', () => {
    expect(classifyHaMessage('Standby resource acquisition done [foreign].')).toEqual({
      kind: 'takeover-complete',
      node: null,
      which: 'foreign',
    });
    expect(classifyHaMessage('Standby resource acquisition done [all].')).toMatchObject({
      kind: 'takeover-complete',
      which: 'all',
    });
    expect(classifyHaMessage('Other node completed standby takeover of foreign resources.')).toMatchObject({
      kind: 'takeover-complete',
      which: 'foreign',
    });
  });

  it('does not take routine resource lines for a takeover (startup, the child before the daemon)', () => {
    for (const line of [
      'local resource transition completed.',
      'remote resource transition completed.',
      'Initial resource acquisition complete (T_RESOURCES(us))',
      'Local Resource acquisition completed.',
      // The child's line; the daemon's `Standby resource acquisition done` follows it.
      'all HA resource acquisition completed (standby).',
      'local HA resource acquisition completed (standby).',
    ]) {
      expect(classifyHaMessage(line).kind, line).not.toBe('takeover-complete');
    }
  });

  it('hb_takeover on hb1: the incident hb2 going standby opened is resolved once hb1 holds all resources', () => {
    const [incident, ...more] = incidentsAfter(
      'ha-log-lab-hb1.txt',
      'info: hb2 wants to go standby [all]',
      'Standby resource acquisition done [all].',
      'hb1',
      ['hb1', 'hb2'],
    );
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ kind: 'failover', state: 'resolved', phase: 'takeover-complete' });
    expect(incident!.timeline.at(-1)?.text).toBe('lvs-master: takeover complete');
  });

  it('hb_standby on hb2 (hb2 log): resolved once hb2 has acquired what hb1 gave up', () => {
    const [incident] = incidentsAfter(
      'ha-log-lab-hb2.txt',
      'hb1 wants to go standby [all]',
      'Standby resource acquisition done [all].',
      'hb2',
      ['hb1', 'hb2'],
    );
    expect(incident).toMatchObject({ state: 'resolved', phase: 'takeover-complete', lastStatus: 'up' });
  });

  it('failback seen from the director that gave up (lb2): resolved when the other node completed', () => {
    const [incident] = incidentsAfter(
      'ha-log-two-directors-lb2.txt',
      'lb2 wants to go standby [foreign]',
      'Other node completed standby takeover of foreign resources.',
      'lb2',
      ['lb1', 'lb2'],
    );
    expect(incident).toMatchObject({ state: 'resolved', phase: 'takeover-complete' });
    expect(incident!.timeline.map((t) => t.text)).toContain(
      'lvs-slave: releasing resources: vip::10.201.0.100/24/vec0 vip::10.201.1.100/24/vec1 ipvs-rules',
    );
  });
});
