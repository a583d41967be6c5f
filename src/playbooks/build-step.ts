import {
  BUILD_COMMAND_TIMEOUT_MS,
  buildStepSnapshotLines,
  fileExactCheck,
  installArgv,
  makeSecretArgv,
  sameFileCheck,
} from '../build/apply-job.js';
import { filesPresentCheck } from '../build/steps/checks.js';
import { makeSnapshot } from '../core/policy/approval-snapshot.js';
import type { Check } from './checks.js';
import type { Step } from './plan.js';
import { PlanDraft } from './plan-draft.js';
import type { Playbook, TargetOf } from './target.js';

type Target = TargetOf<'build-step'>;

function step(fields: Pick<Step, 'id' | 'title' | 'doneWhen' | 'actions'> & Partial<Step>): Step {
  return { wait: null, verify: [], rollback: [], required: true, onlyAfterChange: false, ...fields };
}

/**
 * `build-step`: the guided build's Apply of one step (src/build/steps), as a job. One plan step
 * per command or file, in the step's order, each with a test that makes a re-run (after a
 * crashed worker, or a second Apply) act only where something is missing:
 * - a file is written only when the host's copy differs in content or mode, and verified;
 * - a command is skipped while the step's own Check passes;
 * - a secret file (heartbeat's authkeys) is made on the first host with a fresh secret unless it
 *   is there already, then copied from it to the others; the secret stays on the hosts.
 * Nothing is read to plan: the steps are the request's, and the snapshot is what the approver saw.
 */
export const buildStep: Playbook<Target> = {
  name: 'build-step',
  reads: () => [],
  plan({ cluster, target, observed }) {
    const draft = new PlanDraft('build-step', cluster, `Apply ${target.title} on ${cluster.name}`);
    const guard: Check | null = target.checks.length > 0 ? { kind: 'build', checks: target.checks } : null;
    target.actions.forEach((a, i) => {
      const n = i + 1;
      switch (a.kind) {
        case 'command':
          draft.steps.push(
            step({
              id: `${n}:${a.host}`,
              title: `${a.host}: ${a.what}`,
              doneWhen: guard,
              actions: [
                {
                  host: a.host,
                  argv: a.argv,
                  judge: { kind: 'exit', okCodes: a.okCodes },
                  ...(a.stdin !== undefined && { stdin: a.stdin }),
                  timeoutMs: BUILD_COMMAND_TIMEOUT_MS,
                },
              ],
            }),
          );
          return;
        case 'file': {
          const same: Check = { kind: 'build', checks: [fileExactCheck([a.host], a.path, a.text, a.mode)] };
          draft.steps.push(
            step({
              id: `${n}:${a.host}`,
              title: `${a.host}: ${a.what}`,
              doneWhen: same,
              actions: [
                {
                  host: a.host,
                  argv: installArgv(a.path, a.mode),
                  judge: { kind: 'exit', okCodes: [0] },
                  stdin: a.text,
                  timeoutMs: BUILD_COMMAND_TIMEOUT_MS,
                },
              ],
              verify: [same],
            }),
          );
          return;
        }
        case 'secret-file': {
          const [first, ...others] = a.hosts;
          if (first === undefined) return;
          const made: Check = {
            kind: 'build',
            checks: [
              filesPresentCheck(`secret:${a.path}`, `${a.path} is on ${first}`, { [first]: [a.path] }, [
                a.path,
              ]),
            ],
          };
          draft.steps.push(
            step({
              id: `${n}:${first}`,
              title: `${first}: make ${a.path} with a fresh secret (kept if it is there)`,
              doneWhen: made,
              actions: [
                {
                  host: first,
                  argv: makeSecretArgv(a.path, a.placeholder, a.mode),
                  judge: { kind: 'exit', okCodes: [0] },
                  stdin: a.template,
                  timeoutMs: BUILD_COMMAND_TIMEOUT_MS,
                },
              ],
              verify: [made],
            }),
          );
          for (const host of others) {
            const same: Check = { kind: 'build', checks: [sameFileCheck([first, host], a.path, a.mode)] };
            draft.steps.push(
              step({
                id: `${n}:${host}`,
                title: `${host}: copy ${a.path} from ${first}`,
                doneWhen: same,
                actions: [
                  {
                    host,
                    argv: installArgv(a.path, a.mode),
                    judge: { kind: 'exit', okCodes: [0] },
                    stdinFrom: { kind: 'file', host: first, path: a.path },
                    timeoutMs: BUILD_COMMAND_TIMEOUT_MS,
                  },
                ],
                verify: [same],
              }),
            );
          }
          return;
        }
      }
    });
    draft.snapshot = makeSnapshot(buildStepSnapshotLines({ ...target, cluster: cluster.name }));
    return draft.finish(observed);
  },
};
