import { describe, expect, it } from 'vitest';
import { progressBar, renderBuildMessage } from '../../src/bot/build/index.js';
import { renderApplyRequest } from '../../src/bot/build/render-build.js';
import { buildStepRequest, shownJobAction } from '../../src/build/apply-job.js';
import { buildSteps } from '../../src/build/steps/index.js';
import type { Cluster } from '../../src/config/inventory.js';
import { formatIssue, validateBlocks } from '../../src/localslack/index.js';
import type { BuildProgress } from '../../src/store/build-progress.js';
import { EXAMPLE, loadOk } from './inventory-edit.js';

const seed = (): Cluster => loadOk(EXAMPLE).clusters[0]!;

function progress(current: string, extra: Partial<BuildProgress> = {}): BuildProgress {
  return {
    v: 1,
    cluster: 'seed',
    current,
    steps: {},
    checks: {},
    stopped: null,
    message: null,
    startedBy: 'U0OPERATOR',
    startedAt: 0,
    updatedAt: 0,
    history: [],
    applies: {},
    applySeq: 0,
    ...extra,
  };
}

const texts = (blocks: Record<string, unknown>[]) => JSON.stringify(blocks);

describe('the build message', () => {
  it('is valid Block Kit for every step of the example cluster', () => {
    const c = seed();
    const steps = buildSteps(c);
    for (const s of steps) {
      const m = renderBuildMessage({ cluster: c, steps, progress: progress(s.id) });
      const issues = validateBlocks(m.blocks, 'message');
      expect(issues.map(formatIssue), s.id).toEqual([]);
    }
  });

  it('shows where the operator is: step k of n and a progress bar of done, skipped, current, to do', () => {
    const c = seed();
    const steps = buildSteps(c);
    const p = progress('director-vip', {
      steps: {
        forwarding: { status: 'done', by: 'U0OPERATOR', at: 1 },
        kernel: { status: 'skipped', by: 'U0OPERATOR', at: 2, reason: 'stock kernel' },
      },
    });
    const m = renderBuildMessage({ cluster: c, steps, progress: p });
    expect(m.text).toBe('Guided build of seed: Step 3 of 14, The VIP on the director');
    expect(progressBar(steps, p)).toBe('●◌◉○○○○○○○○○○○');
    expect(texts(m.blocks)).toContain('1 done, 1 skipped');
  });

  it('offers Back, Check, Apply, Skip, Next and Stop with lvs_build_ action ids carrying cluster and step', () => {
    const c = seed();
    const steps = buildSteps(c);
    const m = renderBuildMessage({ cluster: c, steps, progress: progress('ipvs-table') });
    const actions = m.blocks.find((b) => b.type === 'actions') as {
      elements: { action_id: string; value?: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      'lvs_build_back',
      'lvs_build_check',
      'lvs_build_apply',
      'lvs_build_skip',
      'lvs_build_next',
      'lvs_build_stop',
      'lvs_build_goto',
    ]);
    expect(JSON.parse(actions.elements[0]!.value!)).toEqual({ c: 'seed', s: 'ipvs-table' });
  });

  it('shows the last check’s evidence, and no buttons once stopped', () => {
    const c = seed();
    const steps = buildSteps(c);
    const m = renderBuildMessage({
      cluster: c,
      steps,
      progress: progress('real-server-vip', {
        stopped: { by: 'U0OPERATOR', at: 5 },
        checks: {
          'real-server-vip': {
            at: 1_700_000_000_000,
            by: 'U0OPERATOR',
            pass: false,
            verdicts: [
              {
                id: 'rs-vip-on-lo',
                title: 'VIP on lo',
                pass: false,
                evidence: ['web-2: 192.168.10.100/32 not on lo'],
              },
            ],
          },
        },
      }),
    });
    const t = texts(m.blocks);
    expect(t).toContain('Check failed');
    expect(t).toContain('web-2: 192.168.10.100/32 not on lo');
    expect(t).toContain('resumes at step 5');
    expect(m.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('never shows the authkeys secret, in the files or in the approval request', () => {
    const c = seed();
    const steps = buildSteps(c, { gen: { authSecret: 'super-secret-value-42' } });
    const hb = steps.find((s) => s.id === 'heartbeat')!;
    const m = renderBuildMessage({ cluster: c, steps, progress: progress('heartbeat') });
    expect(texts(m.blocks)).not.toContain('super-secret-value-42');
    const request = renderApplyRequest(
      c,
      hb,
      {
        id: 'a1',
        step: 'heartbeat',
        status: 'pending',
        summary: hb.apply!.summary,
        hash: 'h',
        requestedBy: 'U0OPERATOR',
        requestedAt: 0,
      },
      buildStepRequest(c.name, buildSteps(c).find((s) => s.id === 'heartbeat')!).actions.map(shownJobAction),
    );
    expect(texts(request.blocks)).not.toContain('super-secret-value-42');
    expect(texts(request.blocks)).toContain('/etc/ha.d/authkeys with a fresh secret');
    expect(texts(request.blocks)).toContain('never shown');
    expect(validateBlocks(request.blocks, 'message').map(formatIssue)).toEqual([]);
  });
});
