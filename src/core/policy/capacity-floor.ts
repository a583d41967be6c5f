/**
 * The capacity floor of a virtual service: how much of it must stay in service after a
 * playbook takes a real server out (remove, drain) or lowers its weight. No script of the
 * seed had one: lvs.alert removed whatever mon called down, so a monitor that lost its
 * network emptied the table. Crossing the floor needs an approver's explicit override.
 */

/** The inventory's `policy.capacityFloor`. */
export interface CapacityFloor {
  /** Real servers left with weight > 0. */
  minServers: number;
  /** 0..1 of the service's configured total weight that must stay in service. */
  minWeightFraction: number;
}

/** One real server of the virtual service as the active director's table has it. */
export interface ServingServer {
  /** `10.0.0.12:80`: how the table names it. */
  key: string;
  /** The name an operator reads (`web-2`), or the key for a server not in the inventory. */
  label: string;
  weight: number;
}

/** What the playbook would do to one real server of the service. */
export type CapacityChange =
  | { kind: 'take-out'; key: string }
  | { kind: 'set-weight'; key: string; weight: number }
  | { kind: 'put-in'; key: string; label: string; weight: number };

export interface CapacityLevel {
  /** Real servers with weight > 0. */
  servers: number;
  weight: number;
}

export interface CapacityCheck {
  /** True when the change keeps the service at or above its floor (or raises it). */
  ok: boolean;
  before: CapacityLevel;
  after: CapacityLevel;
  /** The inventory's total weight of the service: what `minWeightFraction` is a fraction of. */
  configuredWeight: number;
  required: { servers: number; weight: number };
  /** One line for the approval message and the job result. */
  summary: string;
}

function level(servers: readonly ServingServer[]): CapacityLevel {
  const live = servers.filter((s) => s.weight > 0);
  return { servers: live.length, weight: live.reduce((sum, s) => sum + s.weight, 0) };
}

function apply(servers: readonly ServingServer[], change: CapacityChange): ServingServer[] {
  switch (change.kind) {
    case 'take-out':
      return servers.filter((s) => s.key !== change.key);
    case 'set-weight':
      return servers.map((s) => (s.key === change.key ? { ...s, weight: change.weight } : s));
    case 'put-in':
      return [
        ...servers.filter((s) => s.key !== change.key),
        { key: change.key, label: change.label, weight: change.weight },
      ];
  }
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return '100%';
  return `${Math.round((part / whole) * 100)}%`;
}

/**
 * Would `changes` (applied together) leave the virtual service above its floor? A change that
 * does not lower capacity always passes, even when the service is already below the floor:
 * putting a server back in must never be refused.
 */
export function checkCapacityFloor(input: {
  floor: CapacityFloor;
  configuredWeight: number;
  serving: readonly ServingServer[];
  changes: readonly CapacityChange[];
}): CapacityCheck {
  const { floor, configuredWeight, serving } = input;
  const before = level(serving);
  const after = level(input.changes.reduce(apply, [...serving]));
  const requiredWeight = floor.minWeightFraction * configuredWeight;
  const required = { servers: floor.minServers, weight: requiredWeight };
  const lowers = after.servers < before.servers || after.weight < before.weight;
  // A tiny tolerance: 0.5 × 3 is 1.5 exactly, but fractions like 0.3 × 10 are not.
  const aboveFloor = after.servers >= floor.minServers && after.weight + 1e-9 >= requiredWeight;
  const ok = !lowers || aboveFloor;
  const leaves = `${after.servers} live real server${after.servers === 1 ? '' : 's'} and ${percent(
    after.weight,
    configuredWeight,
  )} of the weight (${after.weight} of ${configuredWeight})`;
  const floorText = `the floor is ${floor.minServers} server${floor.minServers === 1 ? '' : 's'} and ${percent(
    requiredWeight,
    configuredWeight,
  )}`;
  let summary: string;
  if (!lowers) summary = `leaves ${leaves}: capacity does not go down`;
  else if (ok) summary = `leaves ${leaves}; ${floorText}`;
  else {
    const why =
      after.servers < floor.minServers
        ? `fewer than ${floor.minServers} live real server${floor.minServers === 1 ? '' : 's'}`
        : `less than ${percent(requiredWeight, configuredWeight)} of the weight`;
    summary = `would leave ${leaves}: ${why}. Below the capacity floor (${floorText}); an approver must override it explicitly`;
  }
  return { ok, before, after, configuredWeight, required, summary };
}
