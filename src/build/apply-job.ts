import { createHash } from 'node:crypto';
import { displayArgv } from '../ssh/quote.js';
import { SECRET_PLACEHOLDER } from './steps/sections/heartbeat.js';
import type { BuildStep, StepCheck } from './steps/step-model.js';

/**
 * A step's Apply as the data of a `build-step` job: its commands and files per host, in order,
 * and the step's checks (which guard the commands: a re-run does not act where they pass).
 * Everything here is stored in Redis and in the job's audit record, so a secret never is: a
 * secret file travels as a template, and the job makes the secret on the first host.
 */
export type BuildJobAction =
  | {
      kind: 'command';
      host: string;
      what: string;
      argv: string[];
      stdin?: string;
      okCodes: number[];
    }
  /** Written only when the host's copy differs (content or mode). */
  | { kind: 'file'; host: string; what: string; path: string; mode: number; text: string }
  /**
   * Made on `hosts[0]` with a fresh secret in place of `placeholder` unless it has the file
   * already, then copied from there to the other hosts.
   */
  | {
      kind: 'secret-file';
      hosts: string[];
      what: string;
      path: string;
      mode: number;
      template: string;
      placeholder: string;
    };

/** The `build-step` job request (src/queues/job-schemas.ts checks it with zod). */
export interface BuildStepRequest {
  playbook: 'build-step';
  cluster: string;
  /** The step's id (`heartbeat`). */
  step: string;
  /** `8-9 heartbeat between the directors`: the step's part of docs/howto.md and its title. */
  title: string;
  actions: BuildJobAction[];
  checks: StepCheck[];
}

export class BuildApplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildApplyError';
  }
}

/** Each command of a build step may run this long (a daemon's restart on a slow host). */
export const BUILD_COMMAND_TIMEOUT_MS = 120_000;

/** The job request for a step's Apply. Throws a BuildApplyError when the step has nothing to apply. */
export function buildStepRequest(cluster: string, step: BuildStep): BuildStepRequest {
  if (!step.apply || step.blocked)
    throw new BuildApplyError(`${step.title} has nothing to apply; do it by hand.`);
  const actions: BuildJobAction[] = [];
  for (const a of step.apply.actions) {
    if (a.secret) {
      if (!a.file || a.stdin === undefined || !a.stdin.includes(SECRET_PLACEHOLDER))
        throw new BuildApplyError(
          `${a.what} on ${a.host} holds a secret the job would store; leave the build's authSecret unset and Apply makes one`,
        );
      const file = a.file;
      const same = actions.find(
        (x): x is Extract<BuildJobAction, { kind: 'secret-file' }> =>
          x.kind === 'secret-file' && x.path === file.path,
      );
      if (same) same.hosts.push(a.host);
      else
        actions.push({
          kind: 'secret-file',
          hosts: [a.host],
          what: `${file.path} with a fresh secret (mode ${file.mode.toString(8)})`,
          path: file.path,
          mode: file.mode,
          template: a.stdin,
          placeholder: SECRET_PLACEHOLDER,
        });
    } else if (a.file && a.stdin !== undefined) {
      actions.push({ kind: 'file', host: a.host, what: a.what, ...a.file, text: a.stdin });
    } else {
      actions.push({
        kind: 'command',
        host: a.host,
        what: a.what,
        argv: a.argv,
        ...(a.stdin !== undefined && { stdin: a.stdin }),
        okCodes: a.okCodes ?? [0],
      });
    }
  }
  return {
    playbook: 'build-step',
    cluster,
    step: step.id,
    title: `${step.section} ${step.title}`,
    actions,
    checks: step.checks,
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function lines(text: string): string {
  const n = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return `${n} line${n === 1 ? '' : 's'}`;
}

/** One action as the approver sees it: where, what, and the exact command or file (never a secret). */
export function shownJobAction(a: BuildJobAction): { host: string; what: string; shown: string } {
  switch (a.kind) {
    case 'command':
      return {
        host: a.host,
        what: a.what,
        shown: `${displayArgv(a.argv)}${a.stdin === undefined ? '' : ` < (${lines(a.stdin)})`}`,
      };
    case 'file':
      return {
        host: a.host,
        what: a.what,
        shown: `${a.path}: ${lines(a.text)}, sha256 ${sha256(a.text).slice(0, 12)}…, written only if it differs`,
      };
    case 'secret-file':
      return {
        host: a.hosts.join(', '),
        what: a.what,
        shown: `made on ${a.hosts[0]} unless it has one, then copied to ${a.hosts.slice(1).join(', ') || 'no other host'}; never shown`,
      };
  }
}

/**
 * What the approver was shown, line by line: the job stops before acting if the step it
 * would run is not exactly this (see approval snapshots in src/core/policy).
 */
export function buildStepSnapshotLines(request: Omit<BuildStepRequest, 'playbook'>): string[] {
  return [
    `build step ${request.step} of ${request.cluster}`,
    ...request.actions.map((a) => {
      const s = shownJobAction(a);
      const full =
        a.kind === 'file'
          ? ` sha256 ${sha256(a.text)}`
          : a.kind === 'command' && a.stdin
            ? ` sha256 ${sha256(a.stdin)}`
            : a.kind === 'secret-file'
              ? ` template sha256 ${sha256(a.template)}`
              : '';
      return `${s.host}: ${s.what}: ${s.shown}${full}`;
    }),
  ];
}

/** Apply's guard for a file: byte for byte the same, with the mode. */
export function fileExactCheck(hosts: string[], path: string, text: string, mode: number): StepCheck {
  return {
    id: `file-exact:${path}`,
    title: `${path} is the generated one (mode ${mode.toString(8)})`,
    kind: 'file-exact',
    path,
    sha256: sha256(text),
    mode,
    probes: hosts.flatMap((host) => [
      { host, argv: ['sha256sum', path], okCodes: [0, 1] },
      { host, argv: ['stat', '-c', '%a', path], okCodes: [0, 1] },
    ]),
  };
}

/** Apply's guard for a secret file: present, with the mode, and the same on every host. */
export function sameFileCheck(hosts: string[], path: string, mode: number): StepCheck {
  return {
    id: `same-file:${path}`,
    title: `${path} is the same on ${hosts.join(' and ')} (mode ${mode.toString(8)})`,
    kind: 'same-file',
    path,
    mode,
    probes: hosts.flatMap((host) => [
      { host, argv: ['sha256sum', path], okCodes: [0, 1] },
      { host, argv: ['stat', '-c', '%a', path], okCodes: [0, 1] },
    ]),
  };
}

/**
 * Makes a secret file on the host: the template on stdin, with `$2` replaced by 20 random
 * bytes in hex, written with mode `$3` (umask first: no byte is ever readable by others).
 * A fixed script; the path, placeholder and mode are its arguments.
 */
export const MAKE_SECRET_SCRIPT = [
  'set -e',
  'umask 077',
  'mkdir -p "$(dirname "$1")"',
  's=$(od -An -tx1 -N20 /dev/urandom | tr -d " \\n")',
  't=$(mktemp "$1.XXXXXX")',
  'sed "s/$2/$s/" > "$t"',
  'chmod "$3" "$t"',
  'mv -f "$t" "$1"',
].join('; ');

export function makeSecretArgv(path: string, placeholder: string, mode: number): string[] {
  return ['sh', '-c', MAKE_SECRET_SCRIPT, 'sh', path, placeholder, mode.toString(8).padStart(4, '0')];
}

export function installArgv(path: string, mode: number): string[] {
  return ['install', '-D', '-m', mode.toString(8).padStart(4, '0'), '/proc/self/fd/0', path];
}
