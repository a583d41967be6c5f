import { describe, expect, it } from 'vitest';
import { parseIpvsList } from '../../src/core/ipvs/list-parser.js';
import {
  makeSnapshot,
  recheckSnapshot,
  tableSnapshotLines,
} from '../../src/core/policy/approval-snapshot.js';
import { FULL_TABLE, ipvsadmList, type TableRow } from './playbook-fixtures.js';

const WEB = 'tcp 10.210.0.100:80';

function snapshot(rows: TableRow[], active = 'lb1') {
  const table = parseIpvsList(ipvsadmList([{ vip: '10.210.0.100:80', rows }]));
  if (!table.ok) throw new Error(table.error.message);
  return makeSnapshot(tableSnapshotLines(table.value, [WEB], active));
}

describe('re-check of an approval at run time', () => {
  it('finds nothing changed when only connection counts moved', () => {
    const approved = snapshot(FULL_TABLE);
    const now = snapshot(FULL_TABLE.map((r) => ({ ...r, active: (r.active ?? 0) + 40, inactive: 9 })));
    expect(recheckSnapshot(approved, now)).toEqual({ changed: false });
    expect(now.hash).toBe(approved.hash);
  });

  it('catches another real server removed since approval, and says which', () => {
    const approved = snapshot(FULL_TABLE);
    const now = snapshot(FULL_TABLE.filter((r) => r.rip !== '10.210.0.11:80'));
    const result = recheckSnapshot(approved, now);
    expect(result.changed).toBe(true);
    if (!result.changed) return;
    expect(result.disappeared).toEqual(['TCP 10.210.0.100:80 -> 10.210.0.11:80 dr weight 1']);
    expect(result.summary).toContain('the table changed since approval');
    expect(result.summary).toContain('was: TCP 10.210.0.100:80 -> 10.210.0.11:80 dr weight 1');
    expect(now.hash).not.toBe(approved.hash);
  });

  it('catches a weight changed since approval', () => {
    const approved = snapshot(FULL_TABLE);
    const now = snapshot(FULL_TABLE.map((r) => (r.rip === '10.210.0.13:80' ? { ...r, weight: 5 } : r)));
    const result = recheckSnapshot(approved, now);
    expect(result.changed && result.appeared).toEqual(['TCP 10.210.0.100:80 -> 10.210.0.13:80 dr weight 5']);
  });

  it('catches a failover since approval: another director is active', () => {
    const result = recheckSnapshot(snapshot(FULL_TABLE, 'lb1'), snapshot(FULL_TABLE, 'lb2'));
    expect(result.changed).toBe(true);
    if (result.changed) expect(result.summary).toContain('now: active director: lb2');
  });

  it('catches the virtual service disappearing from the table', () => {
    const table = parseIpvsList(ipvsadmList([]));
    if (!table.ok) throw new Error(table.error.message);
    const gone = makeSnapshot(tableSnapshotLines(table.value, [WEB], 'lb1'));
    const result = recheckSnapshot(snapshot(FULL_TABLE), gone);
    expect(result.changed && result.appeared).toEqual([`${WEB}: not in the table`]);
  });

  it('gives the same snapshot whatever order the table lists its real servers in', () => {
    expect(snapshot([...FULL_TABLE].reverse()).hash).toBe(snapshot(FULL_TABLE).hash);
  });
});
