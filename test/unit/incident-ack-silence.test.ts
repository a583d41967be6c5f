import { describe, expect, it } from 'vitest';
import { type LvsEvent, lvsEventSchema } from '../../src/core/events/event.js';
import { actionEvent, applyEvent, type Incident, incidentKey } from '../../src/core/incidents/index.js';
import { renderIncident } from '../../src/notifiers/slack/render-incident.js';
import { silenceEndJobId } from '../../src/queues/silence-queue.js';
import { silenceCovers, silenceTarget } from '../../src/store/silence-store.js';

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

function apply(incident: Incident | undefined, event: LvsEvent): Incident {
  const d = applyEvent(incident ? [incident] : [], event, () => 'lab-1');
  if (d.type === 'ignored') throw new Error(`ignored: ${d.reason}`);
  return d.incident;
}

function opened(): Incident {
  return apply(undefined, alert('down', T0));
}

function ack(
  incident: Incident,
  at: number,
  over: { by?: string; monTold?: boolean; comment?: string } = {},
) {
  seq++;
  return actionEvent(
    incident,
    {
      type: 'ack',
      incident: incident.id,
      by: over.by ?? 'U0OPERATOR',
      monTold: over.monTold ?? true,
      ...(over.comment && { comment: over.comment }),
    },
    `ack-${seq}`,
    at,
  );
}

function actionIds(incident: Incident): string[] {
  const actions = renderIncident(incident, T0 + 120_000).blocks.find((b) => b.type === 'actions') as
    | { elements: { action_id: string }[] }
    | undefined;
  return actions?.elements.map((e) => e.action_id) ?? [];
}

function text(incident: Incident): string {
  return JSON.stringify(renderIncident(incident, T0 + 120_000).blocks);
}

describe('acknowledging an incident', () => {
  it('records who acknowledged it, when, the comment and whether mon was told', () => {
    const acked = apply(opened(), ack(opened(), T0 + 60_000, { comment: 'on it', monTold: false }));
    expect(acked.ack).toEqual({ by: 'U0OPERATOR', at: T0 + 60_000, comment: 'on it', monTold: false });
    expect(acked.timeline.at(-1)).toMatchObject({ type: 'acknowledged' });
    expect(acked.timeline.at(-1)!.text).toContain('acknowledged by <@U0OPERATOR>: on it (mon was not told)');
    expect(acked.version).toBe(2);
  });

  it('shows the ack on the message, and the Ack button gives way (to a retry when mon was not told)', () => {
    const incident = opened();
    expect(actionIds(incident)).toContain('lvs_ack');
    const told = apply(incident, ack(incident, T0 + 60_000));
    expect(text(told)).toMatch(/Acknowledged by <@U0OPERATOR> at <!date\^\d+\^\{time\}\|12:01 UTC>/);
    expect(actionIds(told)).not.toContain('lvs_ack');
    const untold = apply(incident, ack(incident, T0 + 60_000, { monTold: false }));
    expect(text(untold)).toContain('mon was not told');
    expect(actionIds(untold)).toContain('lvs_ack');
    expect(text(untold)).toContain('Retry ack in mon');
  });

  it('is cleared when the incident resolves, and stays cleared when it reopens', () => {
    const acked = apply(opened(), ack(opened(), T0 + 60_000));
    const resolved = apply(acked, alert('up', T0 + 90_000));
    expect(resolved.state).toBe('resolved');
    expect(resolved.ack).toBeUndefined();
    const reopened = apply(resolved, alert('down', T0 + 120_000));
    expect(reopened.state).toBe('open');
    expect(reopened.ack).toBeUndefined();
    expect(actionIds(reopened)).toContain('lvs_ack');
  });

  it('is cleared when an acked incident reopens after resolving', () => {
    const resolved = apply(opened(), alert('up', T0 + 30_000));
    const reopened = apply(resolved, alert('down', T0 + 40_000));
    const acked = apply(reopened, ack(reopened, T0 + 50_000));
    expect(acked.ack?.by).toBe('U0OPERATOR');
    expect(apply(acked, alert('up', T0 + 60_000)).ack).toBeUndefined();
  });

  it('is refused on a resolved incident and on an incident it does not name', () => {
    const resolved = apply(opened(), alert('up', T0 + 30_000));
    expect(applyEvent([resolved], ack(resolved, T0 + 40_000), () => 'x').type).toBe('ignored');
    const other = { ...opened(), id: 'lab-9' };
    const d = applyEvent([opened()], ack(other, T0 + 40_000), () => 'x');
    expect(d).toMatchObject({ type: 'ignored' });
  });

  it('is an ordinary event: the stream parses it back with its action', () => {
    const event = ack(opened(), T0 + 1);
    const parsed = lvsEventSchema.parse(JSON.parse(JSON.stringify(event)));
    expect(parsed.action).toEqual({ type: 'ack', incident: 'lab-1', by: 'U0OPERATOR', monTold: true });
    expect(parsed.status).toBe('info');
  });

  it('lands on the incident key of every kind of incident', () => {
    const alertIncident = opened();
    const hostIncident = apply(undefined, alert('down', T0, { group: undefined, service: undefined }));
    const failover = apply(undefined, {
      ...alert('info', T0),
      source: 'heartbeat',
      kind: 'failover',
      node: 'lb1',
      phase: 'node-dead',
      group: undefined,
      service: undefined,
      host: undefined,
    });
    const security = apply(undefined, {
      ...alert('down', T0),
      kind: 'security',
      source: 'security',
      node: 'lb2',
      group: undefined,
      service: undefined,
      host: undefined,
    });
    for (const incident of [alertIncident, hostIncident, failover, security]) {
      const event = ack(incident, T0 + 5000);
      expect(incidentKey(event)).toBe(incident.key);
      expect(apply(incident, event).ack?.by).toBe('U0OPERATOR');
    }
  });
});

describe('silencing an incident', () => {
  const silence = (incident: Incident, at: number, untilResolved = false) =>
    actionEvent(
      incident,
      {
        type: 'silence',
        incident: incident.id,
        by: 'U0OPERATOR',
        target: 'web-2:http',
        until: at + 3_600_000,
        untilResolved,
        reason: 'deploying',
      },
      `silence-${++seq}`,
      at,
    );

  it('shows the silence with its end and offers Unsilence instead of the menu', () => {
    const incident = opened();
    expect(actionIds(incident)).toContain('lvs_silence');
    const silenced = apply(incident, silence(incident, T0 + 60_000));
    expect(silenced.silence).toMatchObject({
      target: 'web-2:http',
      until: T0 + 3_660_000,
      reason: 'deploying',
    });
    expect(text(silenced)).toContain('web-2:http silenced in mon by <@U0OPERATOR> until <!date^');
    expect(actionIds(silenced)).toContain('lvs_unsilence');
    expect(actionIds(silenced)).not.toContain('lvs_silence');
    expect(silenced.timeline.at(-1)!.type).toBe('silenced');
  });

  it('says "until resolved" with the hard end, and keeps Unsilence after the incident resolved', () => {
    const silenced = apply(opened(), silence(opened(), T0 + 60_000, true));
    expect(text(silenced)).toContain('until resolved (at the latest <!date^');
    const resolved = apply(silenced, alert('up', T0 + 90_000));
    expect(actionIds(resolved)).toEqual(['lvs_unsilence']);
  });

  it('ends with an unsilence of the same target, saying why', () => {
    const silenced = apply(opened(), silence(opened(), T0 + 60_000));
    const end = (target: string) =>
      actionEvent(
        silenced,
        { type: 'unsilence', incident: silenced.id, target, why: 'expired' },
        `unsilence-${++seq}`,
        T0 + 3_660_000,
      );
    expect(applyEvent([silenced], end('web-2'), () => 'x').type).toBe('ignored');
    const ended = apply(silenced, end('web-2:http'));
    expect(ended.silence).toBeUndefined();
    expect(ended.timeline.at(-1)!.text).toBe('web-2:http enabled in mon again (its time was up)');
    expect(actionIds(ended)).toContain('lvs_silence');
  });

  it('offers every menu choice within Slack option value limits', () => {
    const menu = (
      renderIncident(opened(), T0).blocks.find((b) => b.type === 'actions') as {
        elements: { action_id: string; options?: { value: string }[] }[];
      }
    ).elements.find((e) => e.action_id === 'lvs_silence')!;
    expect(menu.options!.map((o) => o.value)).toEqual([
      '30m lab-1',
      '1h lab-1',
      '4h lab-1',
      'resolved lab-1',
      'custom lab-1',
    ]);
  });
});

describe('what a silence covers', () => {
  it('a service silence covers that service of the group; a watch silence covers all of its services', () => {
    const incident = opened();
    expect(silenceTarget('web-2', 'http')).toBe('web-2:http');
    expect(silenceTarget('web-2')).toBe('web-2');
    expect(silenceCovers({ group: 'web-2', service: 'http' }, incident)).toBe(true);
    expect(silenceCovers({ group: 'web-2' }, incident)).toBe(true);
    expect(silenceCovers({ group: 'web-2', service: 'ping' }, incident)).toBe(false);
    expect(silenceCovers({ group: 'web-3' }, incident)).toBe(false);
  });

  it("names each silence's end job uniquely, without the ':' BullMQ refuses in ids", () => {
    const a = silenceEndJobId({ cluster: 'lab', target: 'web-2:http', at: 1 });
    expect(a).not.toContain(':');
    expect(a).not.toBe(silenceEndJobId({ cluster: 'lab', target: 'web-2:http', at: 2 }));
    expect(a).not.toBe(silenceEndJobId({ cluster: 'lab', target: 'web-2', at: 1 }));
  });
});
