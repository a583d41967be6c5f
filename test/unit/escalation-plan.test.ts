import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  episodeStart,
  escalationText,
  mentionOf,
  nextDueAt,
  reminderDueAt,
  reminderText,
  scheduleStart,
  shouldEscalate,
  shouldRemind,
  stepDueAt,
} from '../../src/bot/escalation/escalation-plan.js';
import type { EscalationStep, SlackDirectory } from '../../src/config/inventory.js';
import type { Incident } from '../../src/core/incidents/index.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;
/** When the due step runs, in the cases where no silence is in play. */
const NOW = T0 + 30 * MIN;

const steps: EscalationStep[] = [
  { after: 10 * MIN, channel: 'C0LVSOPS', mention: { users: [], usergroups: ['S0ONCALL'] } },
  { after: 20 * MIN, channel: 'C0MANAGERS', mention: { users: ['U0BOSS'], usergroups: [] } },
];
const directory: SlackDirectory = {
  team: 'T0LAB',
  channels: [
    { id: 'C0LVSOPS', name: 'lvs-ops' },
    { id: 'C0MANAGERS', name: 'managers' },
  ],
  users: [{ id: 'U0BOSS', name: 'boss' }],
  usergroups: [{ id: 'S0ONCALL', name: 'lvs-oncall' }],
};

function incident(over: Partial<Incident> & { ack?: unknown } = {}): Incident {
  return {
    id: 'lab-7',
    key: 'lab/alert/web-2/http',
    cluster: 'lab',
    kind: 'outage',
    state: 'open',
    title: 'web-2 http down',
    group: 'web-2',
    service: 'http',
    openedAt: T0,
    lastSeenAt: T0,
    count: 1,
    transitions: [T0],
    lastStatus: 'down',
    summary: 'connection refused',
    timeline: [{ at: T0, type: 'opened', text: 'web-2 http down' }],
    version: 1,
    seenEventIds: ['e1'],
    ...over,
  } as Incident;
}

/**
 * When a chain of jobs fires (each due `spacing` after the one before, the first at
 * `firstDue`) for a worker that runs from `back` on and takes `latency` to fire a due job:
 * the firing times up to `until`.
 */
function fire(firstDue: number, spacing: number, back: number, until: number, latency = 0): number[] {
  const fired: number[] = [];
  let due = firstDue;
  for (;;) {
    const at = Math.max(due, back) + latency;
    if (at > until) return fired;
    fired.push(at);
    due = nextDueAt(due, spacing, at);
  }
}

describe('escalation schedule', () => {
  it("each step's time counts from the one before, the first from the schedule's start", () => {
    expect(stepDueAt(steps, T0, 0)).toBe(T0 + 10 * MIN);
    expect(stepDueAt(steps, T0, 1)).toBe(T0 + 30 * MIN);
    expect(stepDueAt(steps, T0, 2)).toBeUndefined();
  });

  it('reminders come every remindEvery after the start', () => {
    expect(reminderDueAt(T0, 4 * 60 * MIN, 1)).toBe(T0 + 4 * 60 * MIN);
    expect(reminderDueAt(T0, 4 * 60 * MIN, 3)).toBe(T0 + 12 * 60 * MIN);
  });

  it('an incident the bot learned of long after it opened counts from when the bot learned of it', () => {
    // A heartbeat log of 2003 replayed now: nobody saw the incident before the bot posted it.
    const opened = Date.UTC(2003, 0, 15, 18, 8, 2);
    const learned = NOW;
    const from = scheduleStart(learned, learned + 200);
    expect(from).toBe(learned);
    expect(stepDueAt(steps, from, 0)).toBe(learned + 10 * MIN);
    expect(stepDueAt(steps, from, 1)).toBe(learned + 30 * MIN);
    expect(reminderDueAt(from, 4 * 60 * MIN, 1)).toBe(learned + 4 * 60 * MIN);
    expect(stepDueAt(steps, from, 0)).toBeGreaterThan(opened + 23 * 365 * 24 * 60 * MIN);
    // A receivedAt ahead of this machine's clock does not put the schedule off.
    expect(scheduleStart(NOW + 60 * MIN, NOW)).toBe(NOW);
  });

  it('a step or reminder that fires on time leaves the next where the plan puts it', () => {
    const due = stepDueAt(steps, T0, 0)!;
    expect(nextDueAt(due, steps[1]!.after, due + 250)).toBe(stepDueAt(steps, T0, 1));
    const remind = reminderDueAt(T0, 4 * 60 * MIN, 1);
    expect(nextDueAt(remind, 4 * 60 * MIN, remind + 3_000)).toBe(reminderDueAt(T0, 4 * 60 * MIN, 2));
  });

  it('a schedule that fell behind sends one late message, then goes on at its usual pace', () => {
    // No bot ran from T0 + 1 min until T0 + 10 h: reminders every 20 min were all missed.
    const every = 20 * MIN;
    const back = T0 + 10 * 60 * MIN;
    const fired = fire(reminderDueAt(T0, every, 1), every, back, back + 2 * 60 * MIN);
    expect(fired).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => back + k * every));
  });

  it('sends one late message at most, however far behind the schedule fell, and then keeps its spacing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 24 * 60 * MIN }),
        fc.integer({ min: 0, max: 30 * 365 * 24 * 60 * MIN }),
        fc.integer({ min: 0, max: 60_000 }),
        (spacing, behind, latency) => {
          const firstDue = T0 + spacing;
          const back = firstDue + behind;
          const fired = fire(firstDue, spacing, back, back + latency + 10 * spacing, latency);
          expect(fired.length).toBeGreaterThan(0);
          // Only the first firing may be for a time that passed while nothing ran.
          expect(fired.slice(1).filter((t) => t - latency < back)).toEqual([]);
          for (let i = 2; i < fired.length; i++) {
            expect(fired[i]! - fired[i - 1]!).toBeGreaterThanOrEqual(spacing);
          }
        },
      ),
    );
  });

  it('a reopened incident counts from its reopening (a new episode)', () => {
    const reopened = incident({
      timeline: [
        { at: T0, type: 'opened', text: 'down' },
        { at: T0 + MIN, type: 'resolved', text: 'up' },
        { at: T0 + 5 * MIN, type: 'reopened', text: 'down again' },
      ],
    });
    expect(episodeStart(incident())).toBe(T0);
    expect(episodeStart(reopened)).toBe(T0 + 5 * MIN);
    expect(shouldEscalate(reopened, T0, NOW)).toEqual({ act: false, why: 'another episode' });
    expect(shouldEscalate(reopened, T0 + 5 * MIN, NOW)).toEqual({ act: true });
  });

  it('escalates only an open incident nobody acknowledged', () => {
    expect(shouldEscalate(incident(), T0, NOW)).toEqual({ act: true });
    expect(
      shouldEscalate(incident({ ack: { by: 'U0OPERATOR', at: T0 + MIN, monTold: true } }), T0, NOW),
    ).toEqual({
      act: false,
      why: 'acknowledged',
    });
    expect(shouldEscalate(incident({ state: 'resolved', resolvedAt: T0 + MIN }), T0, NOW)).toEqual({
      act: false,
      why: 'resolved',
    });
    expect(shouldEscalate(undefined, T0, NOW)).toEqual({ act: false, why: 'gone' });
  });

  it('neither escalates nor reminds while a silence covers the incident; after it ends, it does', () => {
    const silenced = incident({
      silence: {
        by: 'U0OPERATOR',
        at: T0 + MIN,
        target: 'web-2:http',
        until: T0 + 61 * MIN,
        untilResolved: false,
      },
    });
    expect(shouldEscalate(silenced, T0, T0 + 30 * MIN)).toEqual({ act: false, why: 'silenced' });
    expect(shouldRemind(silenced, T0, T0 + 30 * MIN)).toEqual({ act: false, why: 'silenced' });
    expect(shouldEscalate(silenced, T0, T0 + 62 * MIN)).toEqual({ act: true });
    expect(shouldRemind(silenced, T0, T0 + 62 * MIN)).toEqual({ act: true });
  });

  it('reminds of an open incident even when someone has it, and names them', () => {
    const acked = incident({ ack: { by: 'U0OPERATOR', at: T0 + MIN, monTold: true } });
    expect(shouldRemind(acked, T0, NOW)).toEqual({ act: true });
    expect(shouldRemind(incident({ state: 'resolved' }), T0, NOW)).toEqual({ act: false, why: 'resolved' });
    const words = reminderText(acked, steps, T0 + 4 * 60 * MIN, directory);
    expect(words.text).toContain('<@U0OPERATOR>');
    expect(words.text).toContain('still open after 4h');
    expect(words.note).toContain('reminded');
  });
});

describe('escalation message', () => {
  it('mentions user groups as <!subteam^ID> and users as <@ID>', () => {
    expect(mentionOf({ users: ['U1', 'U2'], usergroups: ['S1'] })).toBe('<!subteam^S1> <@U1> <@U2>');
  });

  it('pings the step audience and names the level; the timeline note says it in words', () => {
    const second = escalationText(incident(), steps, 1, T0 + 30 * MIN, directory);
    expect(second.text).toContain('<@U0BOSS>');
    expect(second.text).toContain('level 2 of 2');
    expect(second.text).toContain('/lvs ack lab-7');
    expect(second.note).toBe(
      'escalated to @boss in #managers (level 2 of 2): nobody acknowledged it within 30m',
    );
    const first = escalationText(incident(), [steps[0]!], 0, T0 + 10 * MIN, directory);
    expect(first.text).toContain('<!subteam^S0ONCALL>');
    expect(first.note).toContain('@lvs-oncall in #lvs-ops');
    expect(first.note).not.toContain('level');
  });
});
