import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/incidents/index.js';
import { escapeMrkdwn, renderIncident } from '../../src/notifiers/slack/render-incident.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'lab-7',
    key: 'lab/alert/web-2/http',
    cluster: 'lab',
    kind: 'outage',
    state: 'open',
    title: 'web-2:http (10.210.1.12) down behind 10.210.0.100:80',
    group: 'web-2',
    service: 'http',
    target: { protocol: 'tcp', vip: '10.210.0.100', port: 80, realServer: '10.210.1.12', realServerPort: 80 },
    openedAt: T0,
    lastSeenAt: T0 + 60_000,
    count: 3,
    transitions: [T0],
    lastStatus: 'down',
    summary: 'HTTP is DOWN <connection refused>',
    timeline: [],
    version: 3,
    seenEventIds: [],
    ...over,
  };
}

function allText(blocks: Record<string, unknown>[]): string {
  return JSON.stringify(blocks);
}

describe('incident message', () => {
  it('says what, where and since when, and offers actions for the named real server', () => {
    const msg = renderIncident(incident(), T0 + 5 * 60_000);
    const text = allText(msg.blocks);
    expect(msg.text).toContain('Open: web-2:http');
    expect(text).toContain('open for 5m');
    expect(text).toContain('10.210.0.100:80');
    expect(text).toContain('10.210.1.12:80');
    const actions = msg.blocks.find((b) => b.type === 'actions') as {
      elements: { action_id: string; value: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      'lvs_ack',
      'lvs_silence',
      'lvs_remove',
      'lvs_drain',
    ]);
    expect(JSON.parse(actions.elements[2]!.value)).toEqual({
      incident: 'lab-7',
      cluster: 'lab',
      server: '10.210.1.12',
      vip: '10.210.0.100:80',
    });
  });

  it('turns into a resolved message with the outage duration and no buttons', () => {
    const msg = renderIncident(incident({ state: 'resolved', resolvedAt: T0 + 125_000 }), T0 + 200_000);
    expect(allText(msg.blocks)).toContain('resolved after 2m 5s');
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(msg.text).toMatch(/^Resolved: /);
  });

  it('escapes text that came from the alert so it cannot mention or link', () => {
    expect(escapeMrkdwn('<!channel> & <http://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;http://x|y&gt;');
    expect(allText(renderIncident(incident()).blocks)).not.toContain('<connection refused>');
  });

  it('stays inside Block Kit limits with a huge summary', () => {
    const msg = renderIncident(incident({ summary: 'x'.repeat(10_000), title: 'y'.repeat(5000) }));
    for (const b of msg.blocks) {
      const t = (b as { text?: { text: string } }).text?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });
});
