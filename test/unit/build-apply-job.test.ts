import { describe, expect, it } from 'vitest';
import {
  BuildApplyError,
  buildStepRequest,
  buildStepSnapshotLines,
  MAKE_SECRET_SCRIPT,
  sha256,
  shownJobAction,
} from '../../src/build/apply-job.js';
import { buildStep } from '../../src/build/steps/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { makeSnapshot } from '../../src/core/policy/approval-snapshot.js';
import { type Check, evaluateCheck, readsOf } from '../../src/playbooks/checks.js';
import { Observed } from '../../src/playbooks/observed.js';
import { planFor } from '../../src/playbooks/playbooks.js';
import type { Read } from '../../src/playbooks/reads.js';
import type { TargetOf } from '../../src/playbooks/target.js';
import { JobError } from '../../src/queues/job-error.js';
import { jobRequestSchema } from '../../src/queues/job-schemas.js';
import { resolveRequest } from '../../src/queues/resolve-request.js';
import { EXAMPLE, loadOk } from './inventory-edit.js';

const inventory = () => loadOk(EXAMPLE);
const seed = (): Cluster => inventory().clusters[0]!;

function requestOf(id: string, options = {}) {
  const c = seed();
  const step = buildStep(c, id, options)!;
  return { cluster: c, step, request: buildStepRequest(c.name, step) };
}

function planOf(id: string) {
  const { cluster, request } = requestOf(id);
  const { cluster: _, ...target } = request;
  return {
    request,
    plan: planFor({ cluster, target: target as TargetOf<'build-step'>, observed: new Observed() }),
  };
}

const out = (stdout: string, code = 0) => ({ ok: true as const, value: { stdout, stderr: '', code }, at: 0 });

/** An Observed holding `outputs` for the check's probes, by argv's first word. */
function observedFor(check: Check, outputs: Record<string, { stdout: string; code?: number }>): Observed {
  const observed = new Observed();
  for (const read of readsOf(check) as Extract<Read, { kind: 'probe' }>[]) {
    const o = outputs[read.argv[0]!];
    if (o) observed.set(read, out(o.stdout, o.code ?? 0));
  }
  return observed;
}

describe('the build-step job: a step’s Apply as a plan the workers run', () => {
  it('turns the IPVS step into its file, then its ipvsadm commands, in order, on the director', () => {
    const { plan, request } = planOf('ipvs-table');
    expect(plan.playbook).toBe('build-step');
    expect(plan.blockers).toEqual([]);
    const rules = request.actions.find((a) => a.kind === 'file')!;
    expect(rules.kind === 'file' && rules.path).toBe('/etc/ipvsadm.rules');
    expect(plan.steps.map((s) => s.title)).toEqual([
      'lvs-master: write /etc/ipvsadm.rules (mode 644)',
      'lvs-slave: write /etc/ipvsadm.rules (mode 644)',
      'lvs-master: empty the IPVS table',
      'lvs-master: load /etc/ipvsadm.rules',
    ]);
    const [write, , clear, load] = plan.steps;
    expect(write!.actions[0]).toMatchObject({
      host: 'lvs-master',
      argv: ['install', '-D', '-m', '0644', '/proc/self/fd/0', '/etc/ipvsadm.rules'],
      stdin: rules.kind === 'file' ? rules.text : '',
    });
    expect(clear!.actions[0]!.argv).toEqual(['ipvsadm', '-C']);
    expect(load!.actions[0]).toMatchObject({
      argv: ['ipvsadm', '-R'],
      stdin: rules.kind === 'file' && rules.text,
    });
  });

  it('writes a file only when the host’s copy differs, and verifies it after', () => {
    const { plan, request } = planOf('ipvs-table');
    const rules = request.actions.find((a) => a.kind === 'file')!;
    if (rules.kind !== 'file') throw new Error('no file');
    const write = plan.steps[0]!;
    expect(write.verify).toEqual([write.doneWhen]);
    const guard = write.doneWhen!;
    const same = observedFor(guard, {
      sha256sum: { stdout: `${sha256(rules.text)}  /etc/ipvsadm.rules\n` },
      stat: { stdout: '644\n' },
    });
    expect(evaluateCheck(guard, same).state).toBe('pass');
    const edited = observedFor(guard, {
      sha256sum: { stdout: `${sha256(`${rules.text}# edited\n`)}  /etc/ipvsadm.rules\n` },
      stat: { stdout: '644\n' },
    });
    expect(evaluateCheck(guard, edited)).toMatchObject({ state: 'fail' });
    expect(evaluateCheck(guard, edited).detail).toContain('differs from the generated one');
    const loose = observedFor(guard, {
      sha256sum: { stdout: `${sha256(rules.text)}  /etc/ipvsadm.rules\n` },
      stat: { stdout: '666\n' },
    });
    expect(evaluateCheck(guard, loose).detail).toContain('mode 666, not 644');
    const missing = observedFor(guard, {
      sha256sum: { stdout: '', code: 1 },
      stat: { stdout: '', code: 1 },
    });
    expect(evaluateCheck(guard, missing).state).toBe('fail');
    // Not read (the host did not answer): not done, so the write is not skipped.
    expect(evaluateCheck(guard, new Observed()).state).toBe('unknown');
  });

  it('guards each command with the step’s own Check: a re-run skips what the Check says is there', () => {
    const { plan, step } = { ...planOf('director-vip'), step: requestOf('director-vip').step };
    const command = plan.steps.find((s) => s.actions[0]!.argv[0] === 'ip')!;
    expect(command.doneWhen).toEqual({ kind: 'build', checks: step.checks });
    const guard = command.doneWhen!;
    const reads = readsOf(guard);
    expect(reads.every((r) => r.kind === 'probe')).toBe(true);
    expect(new Set(reads.map((r) => r.host))).toEqual(new Set(['lvs-master', 'lvs-slave']));
    // The VIP on the master only, with its local route: the Check passes, the command is skipped.
    const vip = '192.168.10.100';
    const observed = new Observed();
    for (const r of reads as Extract<Read, { kind: 'probe' }>[]) {
      const master = r.host === 'lvs-master';
      const text =
        r.argv[1] === 'route'
          ? master
            ? `local ${vip} dev eth0 proto kernel scope host src ${vip}\n`
            : ''
          : `1: lo    inet 127.0.0.1/8 scope host lo\n${master ? `2: eth0    inet ${vip}/32 brd ${vip} scope global eth0:0\n` : ''}`;
      observed.set(r, out(text));
    }
    expect(evaluateCheck(guard, observed)).toMatchObject({ state: 'pass' });
  });

  it('never carries the heartbeat secret: authkeys is made on the first director and copied to the second', () => {
    const { request, plan } = planOf('heartbeat');
    const secret = request.actions.filter((a) => a.kind === 'secret-file');
    expect(secret).toHaveLength(1);
    const authkeys = secret[0]!;
    if (authkeys.kind !== 'secret-file') throw new Error('no secret file');
    expect(authkeys).toMatchObject({
      hosts: ['lvs-master', 'lvs-slave'],
      path: '/etc/ha.d/authkeys',
      mode: 0o600,
    });
    expect(authkeys.template).toContain(`1 sha1 ${authkeys.placeholder}`);
    const make = plan.steps.find((s) => s.title.startsWith('lvs-master: make /etc/ha.d/authkeys'))!;
    expect(make.actions[0]).toMatchObject({
      host: 'lvs-master',
      argv: ['sh', '-c', MAKE_SECRET_SCRIPT, 'sh', '/etc/ha.d/authkeys', authkeys.placeholder, '0600'],
      stdin: authkeys.template,
    });
    // Kept when it is there: the guard is the file's presence with mode 600.
    expect(make.doneWhen).toMatchObject({ kind: 'build', checks: [{ kind: 'files-present' }] });
    const copy = plan.steps.find((s) => s.title === 'lvs-slave: copy /etc/ha.d/authkeys from lvs-master')!;
    expect(copy.actions[0]).toMatchObject({
      host: 'lvs-slave',
      stdinFrom: { kind: 'file', host: 'lvs-master', path: '/etc/ha.d/authkeys' },
    });
    expect(copy.actions[0]!.stdin).toBeUndefined();
    expect(copy.doneWhen).toMatchObject({ kind: 'build', checks: [{ kind: 'same-file' }] });
    // The restarts come last, each guarded by the heartbeat Check.
    const last = plan.steps.at(-1)!;
    expect(last.title).toBe('lvs-slave: (re)start heartbeat');
    expect(last.doneWhen).toMatchObject({ kind: 'build' });
    expect(shownJobAction(authkeys).shown).toContain('never shown');
  });

  it('refuses a step rendered with a secret of its own: the job would store it', () => {
    const c = seed();
    const step = buildStep(c, 'heartbeat', { gen: { authSecret: 'a-real-secret-0123' } })!;
    expect(() => buildStepRequest(c.name, step)).toThrow(BuildApplyError);
    const manual = buildStep(c, 'kernel')!;
    expect(() => buildStepRequest(c.name, manual)).toThrow(/nothing to apply/);
  });

  it('has the snapshot the bot shows the approver: what the worker runs is what was approved', () => {
    const { request, plan } = planOf('real-server-vip');
    expect(plan.snapshot).toEqual(makeSnapshot(buildStepSnapshotLines(request)));
    const other = planOf('director-vip');
    expect(other.plan.snapshot.hash).not.toBe(plan.snapshot.hash);
  });

  it('is job data zod accepts, resolved against the inventory; a host it does not hold is refused', () => {
    const { request } = requestOf('heartbeat');
    expect(jobRequestSchema.parse(request)).toEqual(request);
    expect(resolveRequest(inventory(), request)).toEqual(request);
    const stray = {
      ...request,
      actions: [{ kind: 'command', host: 'web-9', what: 'x', argv: ['true'], okCodes: [0] }],
    };
    expect(() => resolveRequest(inventory(), stray)).toThrow(JobError);
    expect(() => resolveRequest(inventory(), stray)).toThrow(/web-9 is not a host of cluster seed/);
    expect(() => resolveRequest(inventory(), { ...request, step: 'Bad Step' })).toThrow(/lower-case/);
  });
});
