import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The manifest creates the Slack app in one step: it must name exactly what the code listens to.

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const code = sources('src/bot')
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const manifest = JSON.parse(readFileSync('manifest.json', 'utf8'));

function found(re: RegExp): string[] {
  return [...new Set([...code.matchAll(re)].map((m) => m[1]!))].sort();
}

describe('manifest.json', () => {
  it('declares exactly the slash commands the bot registers', () => {
    const inCode = found(/app\.command\(\s*'([^']+)'/g);
    const inManifest = manifest.features.slash_commands.map((c: { command: string }) => c.command).sort();
    expect(inCode.length).toBeGreaterThan(0);
    expect(inManifest).toEqual(inCode);
  });

  it('subscribes exactly the events the bot handles', () => {
    const inCode = found(/app\.event\(\s*'([^']+)'/g);
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(inCode);
  });

  it('enables interactivity when the bot handles actions, and every action id starts with lvs_', () => {
    const actions = [...code.matchAll(/app\.(?:action|view)\(\s*(?:'([^']+)'|\/([^/]+)\/)/g)].map(
      (m) => m[1] ?? m[2]!,
    );
    if (actions.length > 0) expect(manifest.settings.interactivity.is_enabled).toBe(true);
    for (const a of actions) expect(a).toMatch(/^\^?lvs_/);
    const ids = [...code.matchAll(/action_id: '([^']+)'/g)].map((m) => m[1]!);
    for (const id of ids) expect(id).toMatch(/^lvs_/);
  });

  it('asks for the scopes the bot calls need, and no admin scope', () => {
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    for (const s of ['commands', 'chat:write', 'usergroups:read', 'users:read']) expect(scopes).toContain(s);
    // conversations.info on an im (is /lvs typed in the requester's own DM with the bot?) and
    // conversations.members on channels (may they subscribe it?).
    for (const s of ['im:read', 'channels:read', 'groups:read']) expect(scopes).toContain(s);
    expect(scopes.some((s) => s.startsWith('admin'))).toBe(false);
    expect(manifest.features.app_home.home_tab_enabled).toBe(
      found(/app\.event\(\s*'(app_home_opened)'/g).length === 1,
    );
  });
});
