import type { Observed } from './observed.js';
import type { Plan } from './plan.js';
import type { Member } from './refs.js';
import { tableRealServer, tableService } from './refs.js';

/**
 * What a job does when the active director changed under it (heartbeat moved the VIP from
 * `from` to `to`): the worker re-read every director and made the same playbook's plan again
 * (`fresh`, on `to`). The job goes on on `to` only when `to` already carries what the job did on
 * `from` (its table was loaded from the rules file the job saved) and what is left is the part
 * of the job it had not reached yet: a drain keeps counting on `to`, and removes there when
 * asked. Otherwise it stops, and nothing is run on `to`: what `to` needs was never approved.
 */
export interface FailoverInput {
  /** The plan the job was running (already a continuation after an earlier failover, maybe). */
  old: Plan;
  /** The index in `old.steps` of the step in hand when the change was seen (its length: at the end). */
  at: number;
  from: string;
  to: string;
  fresh: Plan;
  directors: readonly string[];
}

export type Continuation = { kind: 'continue'; plan: Plan; note: string } | { kind: 'stop'; message: string };

/** `the drain`, `the removal`: what the job is, in the failover's sentence. */
export function jobNoun(plan: Plan): string {
  switch (plan.playbook) {
    case 'drain':
      return 'the drain';
    case 'remove-real-server':
      return 'the removal';
    case 'restore-real-server':
      return 'the restore';
    case 'reweight':
      return 'the weight change';
    default:
      return 'the job';
  }
}

const CONTINUED = /^failover-\d+:/;

/** A step id with the directors' names replaced by their roles, so plans for two directors compare. */
function roleId(id: string, active: string, directors: readonly string[]): string {
  return id
    .replace(CONTINUED, '')
    .split(':')
    .map((part) => (part === active ? '@active' : directors.includes(part) ? '@standby' : part))
    .join(':');
}

export function continueAfterFailover(input: FailoverInput): Continuation {
  const { old, at, from, to, fresh, directors } = input;
  const during = `${from} failed over to ${to} during ${jobNoun(old)}`;
  const stop = (why: string): Continuation => ({
    kind: 'stop',
    message: `${during}; stopped, nothing was run on ${to}: ${why}`,
  });
  if (fresh.activeDirector !== to) {
    return stop(`the plan made after the failover is for ${fresh.activeDirector ?? 'no director'}`);
  }
  if (fresh.blockers.length > 0) {
    return stop(fresh.blockers.map((b) => b.message).join('; '));
  }
  const done = new Set(fresh.doneWhenPlanned);
  const settled = (i: number) => done.has(fresh.steps[i]!.id) || fresh.steps[i]!.onlyAfterChange;
  let resume = 0;
  while (resume < fresh.steps.length && settled(resume)) resume++;
  const carried = fresh.steps.slice(0, resume).filter((s) => done.has(s.id));
  if (carried.length === 0) {
    return stop(
      `${to} carries none of it; a plan for ${to}'s table needs a new approval: ${fresh.steps[resume]?.title ?? fresh.title}`,
    );
  }
  if (resume < fresh.steps.length) {
    // What `to` still needs must be a step the job had not reached on `from`.
    const needed = roleId(fresh.steps[resume]!.id, to, directors);
    const start = old.continuedAt ?? 0;
    const reached = old.steps.findIndex((s, i) => i >= start && roleId(s.id, from, directors) === needed);
    if (reached < at) {
      return stop(
        `${to} does not carry what the job did on ${from}; it would need: ${fresh.steps[resume]!.title}`,
      );
    }
  }
  const n = (old.failovers?.length ?? 0) + 1;
  const note = `${during}; continued on ${to}`;
  return {
    kind: 'continue',
    note,
    plan: {
      ...old,
      activeDirector: to,
      ...(fresh.activeFor && { activeFor: fresh.activeFor }),
      safety: fresh.safety,
      steps: [...old.steps, ...fresh.steps.map((s) => ({ ...s, id: `failover-${n}:${s.id}` }))],
      continuedAt: old.steps.length,
      failovers: [...(old.failovers ?? []), note],
    },
  };
}

/** `web-2 weight 0 in web, 3 active`, or why there is nothing to say: each member on `director`. */
export function memberStates(observed: Observed, director: string, members: readonly Member[]): string {
  const table = observed.value({ kind: 'ipvs-table', host: director });
  if (!table) {
    const why = observed.failure({ kind: 'ipvs-table', host: director }) ?? 'not read';
    return `its table could not be read (${why})`;
  }
  return members
    .map((m) => {
      if (!tableService(table, m.service)) return `${m.service.name} is not in its table`;
      const rs = tableRealServer(table, m.service, m.realServer);
      return rs
        ? `${m.realServer.name} weight ${rs.weight} in ${m.service.name}, ${rs.activeConns} active`
        : `${m.realServer.name} is not in ${m.service.name}`;
    })
    .join('; ');
}
