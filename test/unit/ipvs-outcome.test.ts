import { describe, expect, it } from 'vitest';
import { classifyIpvsadmResult, type IpvsadmOp } from '../../src/core/ipvs/index.js';
import { ipvsErrorCase, ipvsErrorCases } from './ipvs-fixtures.js';

function outcome(name: string, op: IpvsadmOp) {
  const c = ipvsErrorCase(name);
  return classifyIpvsadmResult(op, { exitCode: c.exitCode, stderr: c.stderr });
}

describe("ipvsadm's real error messages as outcomes", () => {
  it('treats removing a real server that is already gone as already done', () => {
    expect(outcome('delete-server-missing', 'delete-server')).toMatchObject({
      kind: 'already-done',
      code: 'NO_SUCH_DESTINATION',
    });
  });

  it('treats adding a real server that is already there as already done', () => {
    expect(outcome('add-server-exists', 'add-server')).toMatchObject({
      kind: 'already-done',
      code: 'DESTINATION_EXISTS',
    });
  });

  it('treats adding an existing service and deleting a missing one as already done', () => {
    expect(outcome('add-service-exists', 'add-service')).toMatchObject({ kind: 'already-done' });
    expect(outcome('delete-service-missing', 'delete-service')).toMatchObject({ kind: 'already-done' });
  });

  it('fails for good when the virtual service is not there, telling the operator to check the VIP', () => {
    for (const [name, op] of [
      ['add-server-service-missing', 'add-server'],
      ['edit-server-service-missing', 'edit-server'],
      ['delete-server-service-missing', 'delete-server'],
    ] as const) {
      const o = outcome(name, op);
      expect(o).toMatchObject({ kind: 'failed', code: 'SERVICE_NOT_DEFINED', retryable: false });
      if (o.kind === 'failed') expect(o.message).toContain('ipvsadm -L -n');
    }
  });

  it('fails when editing what does not exist', () => {
    expect(outcome('edit-server-missing', 'edit-server')).toMatchObject({
      kind: 'failed',
      code: 'NO_SUCH_DESTINATION',
    });
    expect(outcome('edit-service-missing', 'edit-service')).toMatchObject({
      kind: 'failed',
      code: 'NO_SUCH_SERVICE',
    });
    expect(outcome('list-service-missing', 'list')).toMatchObject({
      kind: 'failed',
      code: 'NO_SUCH_SERVICE',
    });
    expect(outcome('zero-service-missing', 'zero')).toMatchObject({
      kind: 'failed',
      code: 'NO_SUCH_SERVICE',
    });
  });

  it('names a missing scheduler module', () => {
    expect(outcome('add-service-unknown-scheduler', 'add-service')).toMatchObject({
      code: 'SCHEDULER_NOT_FOUND',
    });
    expect(outcome('edit-service-unknown-scheduler', 'edit-service')).toMatchObject({
      code: 'SCHEDULER_NOT_FOUND',
    });
  });

  it('says IPVS is missing on a kernel without it, and how to load it', () => {
    const o = outcome('no-ipvs', 'list');
    expect(o).toMatchObject({ kind: 'failed', code: 'NO_IPVS', retryable: false });
    if (o.kind === 'failed') expect(o.message).toContain('modprobe ip_vs');
  });

  it('says ipvsadm needs root when run unprivileged', () => {
    const o = outcome('permission-denied', 'list');
    expect(o).toMatchObject({ kind: 'failed', code: 'PERMISSION_DENIED' });
  });

  it('reports a kernel refusal of a multicast real server as an invalid operation', () => {
    expect(outcome('add-server-multicast', 'add-server')).toMatchObject({ code: 'INVALID_OPERATION' });
  });

  it("reports argument errors (exit 2) with ipvsadm's own words", () => {
    for (const name of [
      'illegal-service-address',
      'illegal-port',
      'illegal-weight',
      'illegal-scheduler-flags',
      'zero-port-not-persistent',
      'add-server-without-real-server',
    ]) {
      const c = ipvsErrorCase(name);
      const o = classifyIpvsadmResult('add-service', { exitCode: c.exitCode, stderr: c.stderr });
      expect(o).toMatchObject({ kind: 'failed', code: 'ARGUMENT_ERROR', retryable: false });
      if (o.kind === 'failed') expect(o.message).toContain(c.stderr.trim().split('\n')[0]);
    }
  });

  it('classifies every captured failure as something other than ok or unknown', () => {
    const cases = ipvsErrorCases();
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const c of cases) {
      const o = classifyIpvsadmResult('list', { exitCode: c.exitCode, stderr: c.stderr });
      expect(o.kind, c.name).toBe('failed');
      if (o.kind === 'failed') expect(o.code, c.name).not.toBe('UNKNOWN');
    }
  });

  it('is ok on exit 0 and unknown on an exit it cannot read', () => {
    expect(classifyIpvsadmResult('add-server', { exitCode: 0, stderr: '' })).toEqual({ kind: 'ok' });
    expect(classifyIpvsadmResult('add-server', { exitCode: null, stderr: '' })).toMatchObject({
      kind: 'failed',
      code: 'UNKNOWN',
    });
  });
});
