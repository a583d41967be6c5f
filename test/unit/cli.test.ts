import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} }, out, err };
}

describe('lvs-chatops CLI', () => {
  it('lists every documented command in --help', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const name of ['bot', 'worker', 'demo', 'lab', 'config', 'doctor', 'follow-halog', 'gen']) {
      expect(c.out.join('\n')).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });

  it('exits 2 with the usage on an unknown command', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain("unknown command 'frobnicate'");
  });

  it('answers --help for every command', async () => {
    for (const name of ['bot', 'worker', 'demo', 'lab', 'config', 'doctor', 'follow-halog', 'gen']) {
      const c = capture();
      expect(await main([name, '--help'], c.io)).toBe(0);
      expect(c.out.join('\n')).toMatch(/usage: lvs-chatops/);
    }
  });
});
