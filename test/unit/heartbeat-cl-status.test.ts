import { describe, expect, it } from 'vitest';
import {
  parseHbLinkStatus,
  parseHbParameter,
  parseHbStatus,
  parseHbStatusVerbose,
  parseListHbLinks,
  parseListNodes,
  parseNodeStatus,
  parseRscStatus,
} from '../../src/core/heartbeat/index.js';
import { clStatusRun } from './heartbeat-fixtures.js';

describe('cl_status on a pair with both nodes up (captured on hb1)', () => {
  const run = (name: string) => clStatusRun('both-up', name);

  it('says heartbeat runs and this node holds its local resources', () => {
    expect(parseHbStatus(run('hbstatus'))).toEqual({ ok: true, value: { running: true } });
    expect(parseRscStatus(run('rscstatus'))).toEqual({ ok: true, value: 'local' });
  });

  it('lists the nodes, their status and links, and the cluster manager', () => {
    expect(parseListNodes(run('listnodes'))).toEqual({ ok: true, value: ['hb2', 'hb1'] });
    expect(parseNodeStatus(run('nodestatus-hb2'))).toEqual({ ok: true, value: 'active' });
    expect(parseListHbLinks(run('listhblinks-hb2'))).toEqual({ ok: true, value: ['eth0'] });
    expect(parseHbLinkStatus(run('hblinkstatus-hb2-eth0'))).toEqual({ ok: true, value: 'up' });
    expect(parseHbParameter(run('hbparameter-deadtime'))).toEqual({ ok: true, value: '2' });
    const v = parseHbStatusVerbose(run('hbstatus-v'));
    expect(v.ok && v.value).toEqual({
      running: true,
      version: '3.0.6',
      managedBy: 'haresources',
      nodes: [
        { name: 'hb2', status: 'active', type: 'normal', links: [{ iface: 'eth0', status: 'up' }] },
        { name: 'hb1', status: 'active', type: 'normal', links: [{ iface: 'eth0', status: 'up' }] },
      ],
    });
  });
});

describe('cl_status after the peer crashed (captured on hb1)', () => {
  const run = (name: string) => clStatusRun('peer-dead', name);

  it('says the peer and its link are dead, though cl_status exits 1 for it', () => {
    expect(run('nodestatus-hb2').exitCode).toBe(1);
    expect(parseNodeStatus(run('nodestatus-hb2'))).toEqual({ ok: true, value: 'dead' });
    expect(parseHbLinkStatus(run('hblinkstatus-hb2-eth0'))).toEqual({ ok: true, value: 'dead' });
  });

  it('says this node now holds all resources', () => {
    expect(parseRscStatus(run('rscstatus'))).toEqual({ ok: true, value: 'all' });
    const v = parseHbStatusVerbose(run('hbstatus-v'));
    expect(v.ok && v.value.nodes.map((n) => `${n.name} ${n.status} ${n.links[0]?.status}`)).toEqual([
      'hb2 dead dead',
      'hb1 active up',
    ]);
  });
});

describe('cl_status where heartbeat is not running', () => {
  const run = (name: string) => clStatusRun('stopped', name);

  it('says heartbeat is stopped, plainly and with -v', () => {
    expect(parseHbStatus(run('hbstatus'))).toEqual({ ok: true, value: { running: false } });
    const v = parseHbStatusVerbose(run('hbstatus-v'));
    expect(v.ok && v.value.running).toBe(false);
  });

  it('gives the other queries a typed error telling the operator to start heartbeat', () => {
    for (const r of [
      parseRscStatus(run('rscstatus')),
      parseListNodes(run('listnodes')),
      parseHbParameter(run('hbparameter-deadtime')),
    ]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('CL_STATUS_NOT_RUNNING');
        expect(r.error.message).toContain('start heartbeat');
      }
    }
  });
});

describe('cl_status output that is not what it should be', () => {
  it('is a typed error', () => {
    const r = parseRscStatus({ stdout: 'everything\n' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CL_STATUS_UNEXPECTED');
    expect(parseHbStatus({ stdout: '' }).ok).toBe(false);
    expect(parseHbStatusVerbose({ stdout: 'hb1 active\n' }).ok).toBe(false);
  });
});
