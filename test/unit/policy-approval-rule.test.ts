import { describe, expect, it } from 'vitest';
import { approvalSchema } from '../../src/config/inventory-schema.js';
import { approvalRuleFor, typedNameMatches } from '../../src/core/policy/approval-rule.js';

const defaults = approvalSchema.parse(undefined);

describe('which manual changes need an approval', () => {
  it('by default every playbook needs one, remount-fileset included', () => {
    for (const playbook of ['remove-real-server', 'drain', 'remount-fileset', 'save-rules', 'build-step']) {
      expect(approvalRuleFor(defaults, { playbook }).approval).not.toBe('none');
    }
  });

  it("a playbook listed under notRequired runs on the operator's word, unless it goes below the floor", () => {
    const policy = { ...defaults, notRequired: ['reweight'] };
    expect(approvalRuleFor(policy, { playbook: 'reweight' })).toEqual({ approval: 'none' });
    expect(approvalRuleFor(policy, { playbook: 'reweight', belowFloor: true }).approval).toBe('typed');
  });

  it('by default force-failback, remount --force and a capacity override need the name typed', () => {
    expect(approvalRuleFor(defaults, { playbook: 'force-failback' }).approval).toBe('typed');
    expect(approvalRuleFor(defaults, { playbook: 'remount-fileset', force: true }).approval).toBe('typed');
    expect(approvalRuleFor(defaults, { playbook: 'remount-fileset' }).approval).toBe('click');
    expect(approvalRuleFor(defaults, { playbook: 'drain', belowFloor: true }).approval).toBe('typed');
    expect(approvalRuleFor(defaults, { playbook: 'drain' }).approval).toBe('click');
  });

  it('typedConfirmation: [] keeps clicks for all of them', () => {
    const policy = { ...defaults, typedConfirmation: [] };
    expect(approvalRuleFor(policy, { playbook: 'force-failback' }).approval).toBe('click');
    expect(approvalRuleFor(policy, { playbook: 'drain', belowFloor: true }).approval).toBe('click');
  });

  it('a typed name counts only when it is the exact target (spaces around it aside)', () => {
    expect(typedNameMatches(' web-2 ', 'web-2')).toBe(true);
    expect(typedNameMatches('web-20', 'web-2')).toBe(false);
    expect(typedNameMatches('WEB-2', 'web-2')).toBe(false);
    expect(typedNameMatches('', 'web-2')).toBe(false);
  });
});
