import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} },
    out: () => out.join('\n'),
    err: () => err.join('\n'),
  };
}

describe('lvs-chatops lab', () => {
  it('answers --help for lab and for each of its commands', async () => {
    for (const args of [['--help'], ...['up', 'down', 'status', 'break', 'heal'].map((c) => [c, '--help'])]) {
      const c = capture();
      expect(await main(['lab', ...args], c.io)).toBe(0);
      expect(c.out()).toMatch(/^usage: lvs-chatops lab/);
    }
  });

  it('documents the options of lab up', async () => {
    const c = capture();
    await main(['lab', 'up', '--help'], c.io);
    for (const option of [
      '--bare',
      '--state',
      '--prefix',
      '--subnet',
      '--auto-failback',
      '--mon-alert',
      '--mon-env',
    ]) {
      expect(c.out()).toContain(option);
    }
  });

  it('exits 2 on an unknown lab command or option, with the usage', async () => {
    const c = capture();
    expect(await main(['lab', 'reboot'], c.io)).toBe(2);
    expect(c.err()).toContain("unknown lab command 'reboot'");
    const d = capture();
    expect(await main(['lab', 'up', '--frobnicate'], d.io)).toBe(2);
    expect(d.err()).toContain('unknown option --frobnicate');
    const e = capture();
    expect(await main(['lab', 'break'], e.io)).toBe(2);
    expect(e.err()).toContain('needs a host');
  });

  it('exits 2 on an option value the lab cannot use, saying why', async () => {
    const c = capture();
    expect(await main(['lab', 'up', '--subnet', '10.210.1.0/23'], c.io)).toBe(2);
    expect(c.err()).toContain('third octet is even');
    const d = capture();
    expect(await main(['lab', 'up', '--auto-failback', 'no'], d.io)).toBe(2);
    expect(d.err()).toContain("--auto-failback takes on or off, got 'no'");
  });

  it('says how to start a lab when none is up (status, break, heal exit 1)', async () => {
    for (const args of [['status'], ['status', '--json'], ['break', 'web-2'], ['heal', 'lb1']]) {
      const c = capture();
      expect(await main(['lab', ...args, '--state', '/run/lvs-chatops-lab-none'], c.io)).toBe(1);
      expect(c.err()).toContain(
        "no lab is up with state /run/lvs-chatops-lab-none: start one with 'lvs-chatops lab up --state /run/lvs-chatops-lab-none'",
      );
    }
  });
});
