import { describe, expect, it } from 'vitest';
import type { IpvsTable } from '../../src/core/ipvs/index.js';
import {
  describeIpvsChange,
  diffIpvsTables,
  parseIpvsList,
  parseIpvsSave,
} from '../../src/core/ipvs/index.js';
import { ipvsFixture } from './ipvs-fixtures.js';

function saved(text: string): IpvsTable {
  const r = parseIpvsSave(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const base = ipvsFixture('mixed-save.txt');

describe('the diff of two tables', () => {
  it('is empty for the same configuration, whatever the counters say', () => {
    const list = parseIpvsList(ipvsFixture('mixed-list.txt'));
    if (!list.ok) throw new Error(list.error.message);
    expect(diffIpvsTables(list.value, saved(base))).toEqual([]);
  });

  it('shows a drained real server as a weight change', () => {
    const after = saved(base.replace('-r 10.220.1.12:80 -m -w 3', '-r 10.220.1.12:80 -m -w 0'));
    const changes = diffIpvsTables(saved(base), after);
    expect(changes.map(describeIpvsChange)).toEqual(['TCP 10.220.0.100:80: 10.220.1.12:80 weight 3 → 0']);
  });

  it('shows a removed and an added real server', () => {
    const after = saved(
      base
        .replace('-a -t 10.220.0.100:80 -r 10.220.1.11:80 -m -w 1\n', '')
        .replace(
          '-a -f 1 -r 198.51.100.32:0 -g -w 5\n',
          '-a -f 1 -r 198.51.100.32:0 -g -w 5\n-a -f 1 -r 198.51.100.33:0 -g -w 5\n',
        ),
    );
    expect(diffIpvsTables(saved(base), after).map(describeIpvsChange)).toEqual([
      'TCP 10.220.0.100:80: 10.220.1.11:80 removed',
      'FWM 1: 198.51.100.33:0 added (dr, weight 5)',
    ]);
  });

  it('shows scheduler, persistence and forwarding changes, and whole services coming and going', () => {
    const after = saved(
      base
        .replace('-A -t 10.220.0.100:80 -s wlc', '-A -t 10.220.0.100:80 -s rr -p 60')
        .replace('-r 10.220.1.11:80 -m -w 1', '-r 10.220.1.11:80 -g -w 1')
        .replace(/-A -u 192\.0\.2\.20:5060.*\n-a -u 192\.0\.2\.20:5060.*\n/, '')
        .concat('-A -t 192.0.2.50:25 -s wlc\n'),
    );
    expect(diffIpvsTables(saved(base), after).map(describeIpvsChange)).toEqual([
      'TCP 10.220.0.100:80: scheduler wlc → rr, persistence off → 60s mask 255.255.255.255',
      'TCP 10.220.0.100:80: 10.220.1.11:80 forwarding nat → dr',
      'UDP 192.0.2.20:5060: virtual service removed (had 1 real servers)',
      'TCP 192.0.2.50:25: virtual service added (0 real servers)',
    ]);
  });

  it('finds the one changed weight among 1,000 real servers', () => {
    const text = ipvsFixture('thousand-save.txt');
    const after = saved(text.replace('-r 198.18.3.250:80 -g -w 5', '-r 198.18.3.250:80 -g -w 0'));
    expect(diffIpvsTables(saved(text), after).map(describeIpvsChange)).toEqual([
      'TCP 192.0.2.100:80: 198.18.3.250:80 weight 5 → 0',
    ]);
  });
});
