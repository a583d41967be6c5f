import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { type LocalSlack, startLocalSlack } from '../../src/localslack/index.js';
import { TestSshd } from '../support/sshd.js';

const BOT_TOKEN = 'xoxb-0000000000-doctor-test';
let sshd: TestSshd;
let slack: LocalSlack;
const scratch = mkdtempSync(join(tmpdir(), 'lvs-doctor-'));

beforeAll(async () => {
  sshd = await TestSshd.start();
  slack = await startLocalSlack({
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: 'doctor-secret',
    botToken: BOT_TOKEN,
  });
});

afterAll(async () => {
  await slack?.close();
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The example inventory with every host reached through the test sshd, pinned to `pin`. */
function inventoryFile(pin: (host: string) => string): string {
  const doc = parseDocument(readFileSync('examples/inventory.yml', 'utf8'));
  const cluster = ['clusters', 0];
  for (const [list, count] of [
    ['directors', 2],
    ['realServers', 3],
  ] as const) {
    for (let i = 0; i < count; i++) {
      const name = String(doc.getIn([...cluster, list, i, 'name']));
      doc.setIn([...cluster, list, i, 'ssh'], {
        host: '127.0.0.1',
        port: sshd.port,
        user: 'root',
        key: sshd.clientKeyPath,
        hostKey: pin(name),
      });
    }
  }
  const file = join(scratch, `inventory-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, String(doc));
  return file;
}

async function doctor(inventory: string, token = BOT_TOKEN) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['doctor'], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { LVS_INVENTORY: inventory, SLACK_BOT_TOKEN: token, SLACK_API_URL: slack.apiUrl },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('lvs-chatops doctor', () => {
  it('passes when Redis, Slack and every host (with its pinned key) answer', async () => {
    const res = await doctor(inventoryFile(() => sshd.knownHostsLine()));
    expect(res.out).toMatch(/^ok {4}redis: /m);
    expect(res.out).toMatch(/^ok {4}slack: token accepted/m);
    expect(res.out).toMatch(/^ok {4}ssh seed\/web-2 \(real-server/m);
    expect(res.out).toContain('all 8 checks passed');
    expect(res.code).toBe(0);
  });

  it('fails on a host whose key is not the pinned one, and on a bad token, saying which', async () => {
    const other = await sshd.unauthorizedKey();
    const wrongPin = readFileSync(`${other}.pub`, 'utf8').trim();
    const res = await doctor(
      inventoryFile((name) => (name === 'web-2' ? wrongPin : sshd.knownHostsLine())),
      'xoxb-0000000000-wrong',
    );
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^FAIL {2}ssh seed\/web-2 .*host key/im);
    expect(res.out).toMatch(/^ok {4}ssh seed\/web-1 /m);
    expect(res.out).toMatch(/^FAIL {2}slack: auth.test failed.*invalid_auth/m);
    expect(res.out).toContain('2 of 8 checks failed');
  });
});
