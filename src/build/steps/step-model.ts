import type { IpvsTable } from '../../core/ipvs/index.js';
import type { GeneratedFile } from '../generate/index.js';
import type { MonWatchPlan } from '../generate/mon-cf.js';

/**
 * One step of the guided build (the parts of docs/howto.md), rendered for one cluster: what it does and
 * why, the commands per host (modern and, where the classic setup's no longer apply, classic beside
 * them), the files to write, the read-only checks that prove it, and what Apply would run.
 * Plain data: the bot renders it, the check runner runs its probes, the Apply goes through
 * approval.
 */
export interface BuildStep {
  /** Stable id (`director-vip`), used in Redis and in button values. */
  id: string;
  /** The part(s) of the classic setup it follows (docs/howto.md, "Its parts"), e.g. `2`. */
  section: string;
  title: string;
  /** What the step does, in a few sentences. */
  what: string;
  /** Why, from the classic setup's experience. */
  why: string;
  /** The step does not apply to this cluster, or cannot be done until the inventory says more. */
  blocked?: string;
  /** Optional in the classic setup (mon.cgi): a skip needs no second thought. */
  optional?: boolean;
  commands: CommandBlock[];
  files: StepFile[];
  checks: StepCheck[];
  /** Absent when the step is done by hand (a kernel, a package, reading). */
  apply?: ApplyPlan;
}

/** Commands for some hosts, as an operator would type them (display only, never executed from here). */
export interface CommandBlock {
  title: string;
  hosts: string[];
  modern: string[];
  /** The classic setup's own commands, kept where they no longer apply as written. */
  classic?: string[];
  note?: string;
}

/** A generated file the step installs, or why it cannot be generated yet. */
export type StepFile = { ok: true; file: GeneratedFile } | { ok: false; kind: string; problem: string };

/** A read-only command on one host; its output is evidence for a check. */
export interface Probe {
  host: string;
  argv: string[];
  /** Exit codes that still carry an answer (cl_status exits 1 when heartbeat is stopped). */
  okCodes: number[];
}

/** A type, not an interface: job data (zod's loose objects) takes it as it is. */
type CheckBase = {
  id: string;
  title: string;
  probes: Probe[];
};

/** Checks as data; `evaluateCheck` turns the probes' outputs into pass or fail with evidence. */
export type StepCheck = CheckBase &
  (
    | { kind: 'ipvs-available' }
    | { kind: 'arp-capable' }
    | { kind: 'vip-on-director'; vips: string[]; ipForward: boolean }
    | { kind: 'ipvs-table'; expected: IpvsTable; names: Record<string, string> }
    | { kind: 'rs-vip-on-lo'; vips: Record<string, string[]> }
    | { kind: 'files-present'; paths: Record<string, string[]>; private: string[] }
    | { kind: 'file-content'; path: string; expected: string }
    | { kind: 'mon-watch'; expected: MonWatchPlan[]; where: string }
    | { kind: 'heartbeat'; nodes: Record<string, string> }
    | { kind: 'fileset-mounted'; fileset: string; mountPoint: string; type?: string }
    /** Apply's guard: the file on each host is byte for byte this one, with this mode. */
    | { kind: 'file-exact'; path: string; sha256: string; mode: number }
    /** Apply's guard for a secret: the file is the same on every host (its content never shown), with this mode. */
    | { kind: 'same-file'; path: string; mode: number }
  );

export type CheckKind = StepCheck['kind'];

/** What one probe gave: its output, or why it could not run (the host was unreachable, …). */
export type ProbeOutcome =
  | { ok: true; stdout: string; stderr: string; code: number | null }
  | { ok: false; error: string };

export interface CheckVerdict {
  id: string;
  title: string;
  pass: boolean;
  /** One line per host or fact: what was seen, and on failure what is wrong. */
  evidence: string[];
}

/**
 * What Apply runs, host by host, in order. It becomes a `build-step` job (src/build/apply-job.ts):
 * approved when the policy asks, run by a worker on the cluster's changes queue.
 */
export interface ApplyPlan {
  summary: string;
  actions: ApplyAction[];
  /**
   * The plan writes a secret (heartbeat's authkeys): the job makes it on the first host when
   * Apply runs and copies it to the others; it is never in Slack, Redis or the audit.
   */
  secretMadeAtApply?: boolean;
}

export interface ApplyAction {
  host: string;
  /** For people: "write /etc/ha.d/ha.cf", "put the VIP on vec0". */
  what: string;
  argv: string[];
  /** Written to the command's stdin (a file's content). */
  stdin?: string;
  /** The stdin holds a secret: never shown or logged. */
  secret?: boolean;
  /** Exit codes that also count as done (mount: 32, already mounted). */
  okCodes?: number[];
  /** The action writes its stdin to this file: the job writes it only when the content or mode differs. */
  file?: { path: string; mode: number };
}
