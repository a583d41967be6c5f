import { chmod, chown, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';
import {
  IngestPeer,
  type MonCall,
  monArgv,
  monEnv,
  runScript,
  SLACK_ALERT,
  TOKEN,
  tempDir,
} from './slack-alert-helpers.js';

/**
 * The spool directory is where another user could slip in an alert (sent with our token) or a
 * symlink (to have a file of ours written through it). slack.alert uses only a directory it
 * owns and nobody else may write, and opens nothing in it through a symlink. These tests run
 * as root, so "another user" is nobody (uid 65534).
 */

const NOBODY = 65534;
const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('slack-alert-safety');
  peer.received.length = 0;
  peer.respond = () => 202;
});
afterEach(async () => {
  await dir.remove();
  await peer.start().catch(() => {});
});

const spoolDir = () => join(dir.path, 'spool');
const spool = () => join(spoolDir(), 'alerts.jsonl');

function alertFor(n: number): MonCall {
  return {
    group: `web-${n}`,
    service: 'http',
    hosts: [`10.0.0.${20 + n}`],
    alertType: 'failure',
    userArgs: ['-P', 'tcp', '-V', '10.0.0.100:80', '-R', `10.0.0.${20 + n}:80`],
    output: `10.0.0.${20 + n}\nconnection refused\n`,
  };
}

function asMon(call: MonCall, url = peer.url) {
  return runScript(SLACK_ALERT, monArgv(call), {
    env: monEnv({
      ...call,
      serviceEnv: {
        LVS_CHATOPS_URL: url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_SPOOL: spool(),
        LVS_CHATOPS_TIMEOUT: '1',
        LVS_CHATOPS_CONF: '/dev/null',
      },
    }),
    stdin: call.output,
  });
}

const groups = () => peer.accepted.map((b) => monAlertSchema.parse(b).mon.group);

/** An alert someone else wrote into the spool, hoping we send it with our token. */
const FORGED = JSON.stringify({ kind: 'mon-alert', version: 1, id: 'forged-0001', mon: { group: 'forged' } });

describe('slack.alert refuses a spool directory others could write', () => {
  it.each([
    [
      'belongs to another user',
      async (d: string) => chown(d, NOBODY, NOBODY),
      /belongs to nobody, not to root/,
    ],
    [
      'group and others may write (0777)',
      async (d: string) => chmod(d, 0o777),
      /group or others may write it \(mode 0777\): chmod go-w/,
    ],
    [
      'group may write (0770)',
      async (d: string) => chmod(d, 0o770),
      /group or others may write it \(mode 0770\)/,
    ],
  ])(
    'when it %s: sends the alert directly, never what is in there, and writes nothing there',
    async (_, make, why) => {
      await mkdir(spoolDir(), { mode: 0o700 });
      await writeFile(spool(), `${FORGED}\n`, { mode: 0o600 });
      await make(spoolDir());
      const run = await asMon(alertFor(1));
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/cannot spool the alert: refusing spool directory /);
      expect(run.stderr).toMatch(why);
      expect(groups()).toEqual(['web-1']);
      expect(await readFile(spool(), 'utf8')).toBe(`${FORGED}\n`);

      // With the bot away too, the alert cannot be kept: it says so, and exits 1.
      const lost = await asMon(alertFor(2), 'http://127.0.0.1:1');
      expect(lost.code).toBe(1);
      expect(lost.stderr).toMatch(/the alert is LOST/);

      // --flush sends nothing from such a directory either.
      const flush = await runScript(SLACK_ALERT, ['--flush'], {
        env: {
          LVS_CHATOPS_URL: peer.url,
          LVS_CHATOPS_TOKEN: TOKEN,
          LVS_CHATOPS_SPOOL: spool(),
          LVS_CHATOPS_CONF: '/dev/null',
        },
      });
      expect(flush.code).toBe(1);
      expect(flush.stderr).toMatch(/cannot send the spool: refusing spool directory/);
      expect(groups()).toEqual(['web-1']);
    },
  );

  it('creates a missing spool directory as 0700, and uses one that is 0700 or 0750', async () => {
    expect((await asMon(alertFor(1))).stderr).toBe('');
    expect((await stat(spoolDir())).mode & 0o777).toBe(0o700);
    await chmod(spoolDir(), 0o750);
    expect((await asMon(alertFor(2))).stderr).toBe('');
    expect(groups()).toEqual(['web-1', 'web-2']);
  });
});

describe('slack.alert never writes through a symlink planted in its spool', () => {
  it.each([
    'alerts.jsonl',
    'alerts.jsonl.lock',
    'alerts.jsonl.drain',
    'alerts.jsonl.offset',
    'alerts.jsonl.offset.tmp',
    'alerts.jsonl.tmp',
    'alerts.jsonl.rejected',
  ])('%s pointing at another file: that file is left as it was', async (name) => {
    const victim = join(dir.path, 'victim');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    // One alert waits (the bot was away), so the next run appends, sends, rejects and compacts.
    await peer.stop();
    await asMon(alertFor(1));
    await peer.start();
    const waiting = monAlertSchema.parse(JSON.parse((await readFile(spool(), 'utf8')).trim())).id;

    await rm(join(spoolDir(), name), { force: true });
    await symlink(victim, join(spoolDir(), name));
    peer.respond = (r) => (r.body.id === waiting ? 400 : 202);
    const run = await asMon(alertFor(2));

    expect(run.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    // Nothing is lost: the new alert went out, or the run names the symlink and keeps the
    // alert until it is removed.
    if (!groups().includes('web-2')) {
      expect(run.stderr).toMatch(/is a symbolic link, which the spool never follows: remove it/);
      await rm(join(spoolDir(), name));
      const flush = await runScript(SLACK_ALERT, ['--flush'], {
        env: {
          LVS_CHATOPS_URL: peer.url,
          LVS_CHATOPS_TOKEN: TOKEN,
          LVS_CHATOPS_SPOOL: spool(),
          LVS_CHATOPS_CONF: '/dev/null',
        },
      });
      expect(flush.code).toBe(0);
    }
    expect(groups().filter((g) => g === 'web-2')).toEqual(['web-2']);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });
});
