import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const SLACK = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', INGEST_TOKEN: 'token' };
const MISSING = '/nonexistent/inventory.yml';

describe('the commands read the environment and the inventory one way', () => {
  it.each([[['bot']], [['worker']], [['doctor']], [['demo', '--no-lab']], [['gen', 'mon.cf']]])(
    '%j says an invalid environment as `lvs-chatops NAME: invalid environment` and exits 1',
    async (args) => {
      const r = await run(args, { ...SLACK, PORT: 'eighty' });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^lvs-chatops ${args[0]}: invalid environment:\\n {2}PORT: `));
    },
  );

  it.each([
    [['bot'], 'LVS_INVENTORY'],
    [['worker'], 'LVS_INVENTORY'],
    [['gen', 'mon.cf'], 'LVS_INVENTORY'],
    [['gen', 'mon.cf', '--inventory', MISSING], '--inventory'],
  ])('%j names the unusable inventory, where its path came from, and what to run', async (args, from) => {
    const r = await run(args, { ...SLACK, LVS_INVENTORY: MISSING });
    expect(r.code).toBe(1);
    const lines = r.err.split('\n');
    expect(lines.at(-1)).toBe(
      `lvs-chatops ${args[0]}: ${MISSING} is not a usable inventory (${from}); fix it (lvs-chatops config check ${MISSING}) and run again`,
    );
    // Each error of the file comes before, indented.
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => l.startsWith('  '))).toBe(true);
    expect(r.out).toBe('');
  });
});
