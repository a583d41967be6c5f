import type { IpvsTable } from '../ipvs/model.js';
import { describeService, realServerKey, serviceKey } from '../ipvs/service-id.js';

/**
 * The part of the cluster's state an approver saw when approving a plan: the active director
 * and, for each virtual service the plan touches, its real servers with forwarding and weight
 * (not connection counts, which move all the time). The job carries it; when the job runs, the
 * worker takes a new one and compares, so an approval never applies to a table that changed.
 */
export interface ApprovalSnapshot {
  /** One canonical line per fact, sorted. */
  lines: string[];
  /** A short fingerprint of `lines`, shown in the approval message. */
  hash: string;
}

export type RecheckResult =
  | { changed: false }
  | { changed: true; appeared: string[]; disappeared: string[]; summary: string };

/** FNV-1a, 32 bits: enough to tell two snapshots apart at a glance; `lines` are what is compared. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

export function makeSnapshot(lines: readonly string[]): ApprovalSnapshot {
  const sorted = [...new Set(lines)].sort();
  return { lines: sorted, hash: fingerprint(sorted.join('\n')) };
}

/**
 * The snapshot lines of `services` (by `serviceKey`) in `table`, plus which director is active.
 * A service missing from the table is a line too, so its disappearance is noticed.
 */
export function tableSnapshotLines(
  table: IpvsTable,
  services: readonly string[],
  activeDirector: string | null,
): string[] {
  const lines = [`active director: ${activeDirector ?? 'none'}`];
  for (const key of services) {
    const service = table.services.find((s) => serviceKey(s.id) === key);
    if (!service) {
      lines.push(`${key}: not in the table`);
      continue;
    }
    const name = describeService(service.id);
    lines.push(`${name} scheduler ${service.scheduler ?? '?'}`);
    for (const rs of service.realServers) {
      const forwarding = rs.forwarding === 'local' ? 'dr' : rs.forwarding;
      lines.push(`${name} -> ${realServerKey(rs)} ${forwarding} weight ${rs.weight}`);
    }
  }
  return lines;
}

/** Did anything the approver saw change? Says what, in the operator's words. */
export function recheckSnapshot(approved: ApprovalSnapshot, current: ApprovalSnapshot): RecheckResult {
  const before = new Set(approved.lines);
  const now = new Set(current.lines);
  const disappeared = approved.lines.filter((l) => !now.has(l));
  const appeared = current.lines.filter((l) => !before.has(l));
  if (disappeared.length === 0 && appeared.length === 0) return { changed: false };
  const parts = [...disappeared.map((l) => `was: ${l}`), ...appeared.map((l) => `now: ${l}`)];
  return {
    changed: true,
    appeared,
    disappeared,
    summary: `the table changed since approval (${approved.hash} → ${current.hash}): ${parts.join('; ')}`,
  };
}
