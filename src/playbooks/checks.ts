import { evaluateCheck as evaluateBuildCheck } from '../build/steps/evaluate-check.js';
import type { StepCheck } from '../build/steps/step-model.js';
import type { Forwarding } from '../config/inventory.js';
import { holdsVip } from '../core/policy/interface-addresses.js';
import type { Observed } from './observed.js';
import type { Read } from './reads.js';
import {
  describeRealServer,
  inventoryForwarding,
  type RealServerRef,
  type ServiceRef,
  tableRealServer,
  tableService,
} from './refs.js';

/**
 * A fact about the hosts that a plan relies on: as a step's "already done" test (a re-run
 * never acts twice), as what a wait polls for, and as a step's verification. Pure data, so a
 * plan can be rendered, stored in the audit record and evaluated against fresh reads.
 */
export type Check =
  | { kind: 'real-server-absent'; director: string; service: ServiceRef; realServer: RealServerRef }
  | {
      kind: 'real-server-present';
      director: string;
      service: ServiceRef;
      realServer: RealServerRef;
      weight: number;
      /** Null: any forwarding will do (a weight change keeps whatever the table has). */
      forwarding: Forwarding | null;
    }
  | {
      kind: 'no-active-connections';
      director: string;
      members: { service: ServiceRef; realServer: RealServerRef }[];
    }
  | { kind: 'holds-vips'; director: string; others: string[]; vips: string[] }
  | {
      kind: 'holds-resources';
      director: string;
      others: string[];
      vips: string[];
      services: ServiceRef[];
      /** Whether heartbeat runs on the cluster (then its rscstatus must agree). */
      heartbeat: boolean;
    }
  | { kind: 'mounted'; host: string; mountPoint: string; type: string | null }
  | { kind: 'unmounted'; host: string; mountPoint: string }
  /** Every one of the guided build's checks passes (src/build): the guard of a build step's commands. */
  | { kind: 'build'; checks: StepCheck[] };

export type CheckState = 'pass' | 'fail' | 'unknown';

export interface CheckResult {
  state: CheckState;
  /** What was seen, in an operator's words. */
  detail: string;
}

/** The reads a check needs. */
export function readsOf(check: Check): Read[] {
  switch (check.kind) {
    case 'real-server-absent':
    case 'real-server-present':
    case 'no-active-connections':
      return [{ kind: 'ipvs-table', host: check.director }];
    case 'holds-vips':
      return [check.director, ...check.others].map((host) => ({ kind: 'addresses', host }));
    case 'holds-resources':
      return [
        ...[check.director, ...check.others].map((host): Read => ({ kind: 'addresses', host })),
        ...(check.heartbeat ? [{ kind: 'heartbeat', host: check.director } as const] : []),
        { kind: 'ipvs-table', host: check.director },
      ];
    case 'mounted':
    case 'unmounted':
      return [{ kind: 'mounts', host: check.host }];
    case 'build':
      return check.checks.flatMap((c) =>
        c.probes.map((p): Read => ({ kind: 'probe', host: p.host, argv: p.argv, okCodes: p.okCodes })),
      );
  }
}

/** One line saying what the check wants, for the plan's rendering. */
export function describeCheck(check: Check): string {
  switch (check.kind) {
    case 'real-server-absent':
      return `${describeRealServer(check.realServer)} is not in ${check.service.label} on ${check.director}`;
    case 'real-server-present':
      return `${describeRealServer(check.realServer)} is in ${check.service.label} on ${check.director} with weight ${check.weight}${check.forwarding ? ` (${check.forwarding})` : ''}`;
    case 'no-active-connections':
      return `${check.members.map((m) => describeRealServer(m.realServer)).join(', ')} has no active connections on ${check.director}`;
    case 'holds-vips':
      return `${check.director} holds ${check.vips.join(', ')} and ${check.others.join(', ') || 'no other director'} does not`;
    case 'holds-resources':
      return `${check.director} holds ${check.vips.join(', ')}${check.heartbeat ? ' and its heartbeat resources' : ''}, its table has ${check.services.map((s) => s.label).join(', ')}, and ${check.others.join(', ') || 'no other director'} holds no VIP`;
    case 'mounted':
      return `${check.mountPoint} is mounted on ${check.host}${check.type ? ` (${check.type})` : ''}`;
    case 'unmounted':
      return `${check.mountPoint} is not mounted on ${check.host}`;
    case 'build':
      return check.checks.map((c) => c.title).join('; ');
  }
}

function unknown(observed: Observed, reads: readonly Read[]): CheckResult | null {
  for (const read of reads) {
    const outcome = observed.get(read as Extract<Read, { kind: typeof read.kind }>);
    if (!outcome) return { state: 'unknown', detail: `${read.kind} on ${read.host} was not read` };
    if (!outcome.ok) return { state: 'unknown', detail: `${read.kind} on ${read.host}: ${outcome.error}` };
  }
  return null;
}

function result(pass: boolean, detail: string): CheckResult {
  return { state: pass ? 'pass' : 'fail', detail };
}

/** Evaluates a check against what was read; `unknown` when a read it needs failed or is missing. */
export function evaluateCheck(check: Check, observed: Observed): CheckResult {
  const missing = unknown(observed, readsOf(check));
  if (missing) return missing;
  switch (check.kind) {
    case 'real-server-absent': {
      const table = observed.value({ kind: 'ipvs-table', host: check.director });
      const rs = tableRealServer(table, check.service, check.realServer);
      const where = `${check.service.label} on ${check.director}`;
      if (!tableService(table, check.service))
        return result(true, `${where}: the virtual service is not in the table`);
      return rs
        ? result(false, `${describeRealServer(check.realServer)} is still in ${where} (weight ${rs.weight})`)
        : result(true, `${describeRealServer(check.realServer)} is not in ${where}`);
    }
    case 'real-server-present': {
      const table = observed.value({ kind: 'ipvs-table', host: check.director });
      const rs = tableRealServer(table, check.service, check.realServer);
      const where = `${check.service.label} on ${check.director}`;
      if (!rs) return result(false, `${describeRealServer(check.realServer)} is not in ${where}`);
      const forwarding = inventoryForwarding(rs);
      const pass =
        rs.weight === check.weight && (check.forwarding === null || forwarding === check.forwarding);
      return result(
        pass,
        `${describeRealServer(check.realServer)} is in ${where} with weight ${rs.weight} (${forwarding})`,
      );
    }
    case 'no-active-connections': {
      const table = observed.value({ kind: 'ipvs-table', host: check.director });
      const counts = check.members.map((m) => {
        const rs = tableRealServer(table, m.service, m.realServer);
        return { m, active: rs?.activeConns ?? 0, present: rs !== undefined };
      });
      const total = counts.reduce((n, c) => n + c.active, 0);
      const detail = counts
        .map((c) =>
          c.present
            ? `${c.m.realServer.name} ${c.active} active in ${c.m.service.name}`
            : `${c.m.realServer.name} not in ${c.m.service.name}`,
        )
        .join(', ');
      return result(total === 0, `${detail} on ${check.director}`);
    }
    case 'holds-vips': {
      return vipsResult(check.director, check.others, check.vips, observed);
    }
    case 'holds-resources': {
      const vips = vipsResult(check.director, check.others, check.vips, observed);
      const problems: string[] = vips.state === 'pass' ? [] : [vips.detail];
      if (check.heartbeat) {
        const resources = observed.value({ kind: 'heartbeat', host: check.director });
        if (resources !== 'all' && resources !== 'local') {
          problems.push(`${check.director}'s heartbeat resources are ${resources}`);
        }
      }
      const table = observed.value({ kind: 'ipvs-table', host: check.director });
      const absent = check.services.filter((s) => !tableService(table, s));
      if (absent.length > 0) {
        problems.push(`${check.director}'s table lacks ${absent.map((s) => s.label).join(', ')}`);
      }
      return problems.length === 0
        ? result(
            true,
            `${check.director} holds ${check.vips.join(', ')}, its heartbeat resources and its table`,
          )
        : result(false, problems.join('; '));
    }
    case 'mounted': {
      const mounts = observed.value({ kind: 'mounts', host: check.host }) ?? [];
      const entry = mounts.filter((m) => m.mountPoint === check.mountPoint).at(-1);
      if (!entry) return result(false, `${check.mountPoint} is not mounted on ${check.host}`);
      const typeOk = check.type === null || entry.type === check.type;
      return result(
        typeOk,
        `${check.mountPoint} on ${check.host}: ${entry.device} ${entry.type} (${entry.options})`,
      );
    }
    case 'unmounted': {
      const mounts = observed.value({ kind: 'mounts', host: check.host }) ?? [];
      const entry = mounts.filter((m) => m.mountPoint === check.mountPoint).at(-1);
      return entry
        ? result(false, `${check.mountPoint} is mounted on ${check.host} (${entry.device} ${entry.type})`)
        : result(true, `${check.mountPoint} is not mounted on ${check.host}`);
    }
    case 'build': {
      const verdicts = check.checks.map((c) =>
        evaluateBuildCheck(
          c,
          c.probes.map((p) => {
            const value = observed.value({ kind: 'probe', host: p.host, argv: p.argv, okCodes: p.okCodes });
            return value ? { ok: true as const, ...value } : { ok: false as const, error: 'not read' };
          }),
        ),
      );
      const failed = verdicts.filter((v) => !v.pass);
      return failed.length === 0
        ? result(true, verdicts.map((v) => `${v.title}: yes`).join('; '))
        : result(
            false,
            failed.map((v) => `${v.title}: no (${v.evidence.slice(0, 3).join('; ')})`).join('; '),
          );
    }
  }
}

function vipsResult(
  director: string,
  others: readonly string[],
  vips: readonly string[],
  observed: Observed,
): CheckResult {
  const mine = observed.value({ kind: 'addresses', host: director }) ?? [];
  const lacking = vips.filter((v) => !holdsVip(mine, v));
  const elsewhere = others.flatMap((o) => {
    const theirs = observed.value({ kind: 'addresses', host: o }) ?? [];
    const held = vips.filter((v) => holdsVip(theirs, v));
    return held.length > 0 ? [`${o} holds ${held.join(', ')}`] : [];
  });
  const problems = [
    ...(lacking.length > 0 ? [`${director} does not hold ${lacking.join(', ')}`] : []),
    ...elsewhere,
  ];
  return problems.length === 0
    ? result(true, `${director} holds ${vips.join(', ')}`)
    : result(false, problems.join('; '));
}
