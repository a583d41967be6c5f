/**
 * What a heartbeat log message says happened. Kind names match the failover phases of the
 * ingest's heartbeat event (src/ingest/schemas/heartbeat-event.ts) where they mean the same.
 */
export type HaEvent =
  /** `WARN: node X: is dead` */
  | { kind: 'node-dead'; node: string }
  /** `Link X:IF dead.` */
  | { kind: 'link-dead'; node: string; iface: string }
  /** `Link X:IF up.` */
  | { kind: 'link-up'; node: string; iface: string }
  /** `Taking over resource group G` (mach_down) or `Resources being acquired from X.` (the daemon, when X shuts down). */
  | { kind: 'takeover-started'; group: string | null; fromNode: string | null }
  /**
   * The resources are held by their new node:
   * - `mach_down takeover complete.` (daemon) / `… complete for node X.` (script), after a node died;
   * - `Standby resource acquisition done [all|foreign|local].` on the node that took them over
   *   after the peer went standby or shut down (hb_standby, hb_takeover, auto_failback);
   * - `Other node completed standby takeover of all|foreign|local resources.` on the node that
   *   gave them up.
   * `which` is the resource set of a standby takeover.
   */
  | { kind: 'takeover-complete'; node: string | null; which?: string }
  /** `Acquiring resource group: NODE RES…` (ResourceManager). */
  | { kind: 'acquiring'; node: string; resources: string[] }
  /** `Releasing resource group: NODE RES…` (ResourceManager). */
  | { kind: 'releasing'; node: string; resources: string[] }
  /** `Dead node X gave up resources.`, or heartbeat 0.4's `IP Address released`. */
  | { kind: 'released'; node: string | null }
  /** `Late heartbeat: Node X: interval N ms` (WARN), `… (> deadtime)` (CRIT). */
  | { kind: 'late-heartbeat'; node: string; intervalMs: number; pastDeadtime: boolean }
  /** `Heartbeat restart on node X` */
  | { kind: 'node-restart'; node: string }
  /** `Local status now set to: 'up'` */
  | { kind: 'local-status'; status: string }
  /** `Status update for node X: status S` (heartbeat 0.4: `Node X: status S`). */
  | { kind: 'node-status'; node: string; status: string }
  /**
   * `Heartbeat shutdown in progress. (PID)`, `[NODE ]Heartbeat shutdown complete.`, and
   * `Received shutdown notice from 'X'.` (the peer is shutting down).
   */
  | {
      kind: 'shutdown';
      phase: 'in-progress' | 'complete' | 'peer-notice';
      node: string | null;
      pid: number | null;
    }
  /** `X wants to go standby [all]` (daemon) or `Going standby [all].` (hb_standby on this node). */
  | { kind: 'standby-requested'; node: string | null; which: string }
  /** `No reply to standby request.  Standby request cancelled.` */
  | { kind: 'standby-cancelled' }
  /** A message of a known line format that none of the above describes. */
  | { kind: 'other' };

export type HaEventKind = HaEvent['kind'];

type Rule = [RegExp, (m: RegExpExecArray) => HaEvent];

const words = (s: string | undefined) => (s ?? '').trim().split(/\s+/).filter(Boolean);

const RULES: Rule[] = [
  [/^node (\S+): is dead$/, (m) => ({ kind: 'node-dead', node: m[1]! })],
  [/^Link ([^\s:]+):(\S+) dead\.$/, (m) => ({ kind: 'link-dead', node: m[1]!, iface: m[2]! })],
  [/^Link ([^\s:]+):(\S+) up\.$/, (m) => ({ kind: 'link-up', node: m[1]!, iface: m[2]! })],
  [
    /^Taking over resource group\s*(\S*)\s*$/,
    (m) => ({ kind: 'takeover-started', group: m[1] || null, fromNode: null }),
  ],
  [
    /^Resources being acquired from (\S+?)\.$/,
    (m) => ({ kind: 'takeover-started', group: null, fromNode: m[1]! }),
  ],
  [/^mach_down takeover complete\.$/, () => ({ kind: 'takeover-complete', node: null })],
  [/^mach_down takeover complete for node (\S+?)\.$/, (m) => ({ kind: 'takeover-complete', node: m[1]! })],
  // Only the daemon's own line: the child's `all HA resource acquisition completed (standby).`
  // comes just before it and would count the same takeover twice.
  [
    /^Standby resource acquisition done \[(\w+)\]\.$/,
    (m) => ({ kind: 'takeover-complete', node: null, which: m[1]! }),
  ],
  [
    /^Other node completed standby takeover of (\w+) resources\.$/,
    (m) => ({ kind: 'takeover-complete', node: null, which: m[1]! }),
  ],
  [
    /^Acquiring resource group: (\S+)(.*)$/,
    (m) => ({ kind: 'acquiring', node: m[1]!, resources: words(m[2]) }),
  ],
  [
    /^Releasing resource group: (\S+)(.*)$/,
    (m) => ({ kind: 'releasing', node: m[1]!, resources: words(m[2]) }),
  ],
  [/^Dead node (\S+) gave up resources\.$/, (m) => ({ kind: 'released', node: m[1]! })],
  [/^IP Address released$/, () => ({ kind: 'released', node: null })],
  [
    /^Late heartbeat: Node (\S+): interval (\d+) ms( \(> deadtime\))?$/,
    (m) => ({
      kind: 'late-heartbeat',
      node: m[1]!,
      intervalMs: Number(m[2]),
      pastDeadtime: m[3] !== undefined,
    }),
  ],
  [/^Heartbeat restart on node (\S+)$/, (m) => ({ kind: 'node-restart', node: m[1]! })],
  // The 2003 HOWTO's copy has typographic quotes; lines can run into the next one (no newline).
  [/^Local status now set to: ['‘](\w+)['’]/, (m) => ({ kind: 'local-status', status: m[1]! })],
  [
    /^Status update for node (\S+): status (\S+)$/,
    (m) => ({ kind: 'node-status', node: m[1]!, status: m[2]! }),
  ],
  [/^Node (\S+): status (\S+)$/, (m) => ({ kind: 'node-status', node: m[1]!, status: m[2]! })],
  [
    /^Heartbeat shutdown in progress\. \((\d+)\)$/,
    (m) => ({ kind: 'shutdown', phase: 'in-progress', node: null, pid: Number(m[1]) }),
  ],
  [
    /^(?:(\S+) )?Heartbeat shutdown complete\.$/,
    (m) => ({ kind: 'shutdown', phase: 'complete', node: m[1] ?? null, pid: null }),
  ],
  [
    /^Received shutdown notice from '([^']+)'\.$/,
    (m) => ({ kind: 'shutdown', phase: 'peer-notice', node: m[1]!, pid: null }),
  ],
  [
    /^(\S+) wants to go standby \[(\w+)\]$/,
    (m) => ({ kind: 'standby-requested', node: m[1]!, which: m[2]! }),
  ],
  [/^Going standby \[(\w+)\]\.$/, (m) => ({ kind: 'standby-requested', node: null, which: m[1]! })],
  [/^No reply to standby request\.\s+Standby request cancelled\.$/, () => ({ kind: 'standby-cancelled' })],
];

/** The event a heartbeat log message describes; `other` when it describes none we track. */
export function classifyHaMessage(message: string): HaEvent {
  const text = message.trim();
  for (const [re, make] of RULES) {
    const m = re.exec(text);
    if (m) return make(m);
  }
  return { kind: 'other' };
}
