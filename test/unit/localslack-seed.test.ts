import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSeedInput, LocalSlackError, loadSeed } from '../../src/localslack/index.js';

describe('local Slack seed', () => {
  it("is the lab's workspace by default: T0LAB, #lvs-ops, the operator, approver and other user", () => {
    const seed = loadSeed(undefined);
    expect(seed.team.id).toBe('T0LAB');
    expect(seed.defaultChannel).toBe('C0LVSOPS');
    expect(seed.channels.find((c) => c.id === 'C0LVSOPS')?.name).toBe('lvs-ops');
    expect(seed.users.map((u) => u.id)).toEqual(['U0OPERATOR', 'U0APPROVER', 'U0OTHER']);
    expect(seed.channels.find((c) => c.id === 'C0LVSOPS')?.members).toContain(seed.app.botUserId);
    expect(seed.usergroups.length).toBeGreaterThan(0);
  });

  it('reports every problem as path: message', () => {
    const seed = defaultSeedInput();
    seed.channels[0]?.members.push('U0GHOST');
    seed.defaultChannel = 'C0NOPE';
    try {
      loadSeed(seed);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LocalSlackError);
      expect((error as LocalSlackError).code).toBe('invalid_seed');
      expect((error as Error).message).toContain('channels.0.members.4: U0GHOST is not a seeded user');
      expect((error as Error).message).toContain('defaultChannel: C0NOPE is not a seeded channel');
    }
  });

  it('loads a YAML seed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'localslack-seed-'));
    const file = join(dir, 'seed.yml');
    writeFileSync(
      file,
      [
        'team: { id: T0OTHER, domain: other, name: Other }',
        'app: { id: A0X, name: x, botId: B0X, botUserId: U0XBOT, botName: x, verificationToken: v, scopes: [chat:write] }',
        'users: [{ id: U0ONE, name: one, realName: One }]',
        'channels: [{ id: C0ONE, name: one, members: [U0ONE, U0XBOT] }]',
        'defaultChannel: C0ONE',
      ].join('\n'),
    );
    expect(loadSeed(file)).toMatchObject({ team: { id: 'T0OTHER' }, users: [{ id: 'U0ONE', tz: 'UTC' }] });
  });
});
