import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { IngestPeer, NOTIFY_SH, runScript, TOKEN, tempDir } from './slack-alert-helpers.js';

/**
 * notify.sh's spool directory is where another user could slip in an event (sent with our
 * token) or a symlink (to have a file of ours written through it). It uses only a directory it
 * owns and nobody else may write, and writes nothing through a name someone could plant. These
 * tests run as root, so "another user" is nobody (uid 65534).
 */

const NOBODY = 65534;
const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('keepalived-notify-safety');
  peer.received.length = 0;
  peer.respond = () => 202;
});
afterEach(async () => {
  await dir.remove();
  await peer.start().catch(() => {});
});

const spool = () => join(dir.path, 'spool');

const notify = (args: string[], url = peer.url) =>
  runScript(NOTIFY_SH, args, {
    env: {
      LVS_CHATOPS_URL: url,
      LVS_CHATOPS_TOKEN: TOKEN,
      LVS_CHATOPS_KEEPALIVED_SPOOL: spool(),
      LVS_CHATOPS_TIMEOUT: '1',
      LVS_CHATOPS_CONF: '/dev/null',
    },
  });

const names = () => peer.accepted.map((b) => keepalivedNotifySchema.parse(b).event.name);

/** An event someone else wrote into the spool, hoping we send it with our token. */
const FORGED_NAME = '0000000000000000001-forged.json';
const FORGED = JSON.stringify({ kind: 'keepalived-notify', version: 1, id: 'forged' });

describe('notify.sh refuses a spool directory others could write', () => {
  it.each([
    [
      'belongs to another user',
      async (d: string) => chown(d, NOBODY, NOBODY),
      /belongs to nobody, not to root/,
    ],
    [
      'group and others may write (0777)',
      async (d: string) => chmod(d, 0o777),
      /group or others may write it \(mode 777\): chmod go-w/,
    ],
    [
      'group may write (0770)',
      async (d: string) => chmod(d, 0o770),
      /group or others may write it \(mode 770\)/,
    ],
    ['is sticky and world-writable, like /tmp (1777)', async (d: string) => chmod(d, 0o1777), /mode 1777/],
  ])(
    'when it %s: sends the event directly, never what is in there, and writes nothing there',
    async (_, make, why) => {
      await mkdir(spool(), { mode: 0o700 });
      await writeFile(join(spool(), FORGED_NAME), FORGED, { mode: 0o600 });
      await make(spool());
      const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '100']);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/cannot spool the event: refusing spool directory /);
      expect(run.stderr).toMatch(why);
      expect(names()).toEqual(['VI_1']);
      expect(await readdir(spool())).toEqual([FORGED_NAME]);

      // With the bot away too, the event cannot be kept: it says so, and exits 1.
      const lost = await notify(['INSTANCE', 'VI_2', 'MASTER', '100'], 'http://127.0.0.1:1');
      expect(lost.code).toBe(1);
      expect(lost.stderr).toMatch(/the event is LOST/);

      // --flush sends nothing from such a directory either.
      const flush = await notify(['--flush']);
      expect(flush.code).toBe(1);
      expect(flush.stderr).toMatch(/cannot send the spool: refusing spool directory/);
      expect(names()).toEqual(['VI_1']);
    },
  );

  it('creates a missing spool directory as 0700, and uses one that is 0700 or 0750', async () => {
    // --flush before any event: nothing waits, nothing to refuse.
    const flush = await notify(['--flush']);
    expect([flush.code, flush.stderr]).toEqual([0, '']);
    expect((await notify(['INSTANCE', 'VI_1', 'MASTER', '100'])).stderr).toBe('');
    expect((await stat(spool())).mode & 0o777).toBe(0o700);
    await chmod(spool(), 0o750);
    expect((await notify(['INSTANCE', 'VI_2', 'MASTER', '100'])).stderr).toBe('');
    expect(names()).toEqual(['VI_1', 'VI_2']);
  });
});

describe('notify.sh never writes through a symlink planted in its spool', () => {
  it('leaves the file behind .drain.lock, rejected/ or an answer file as it was, and loses no event', async () => {
    const victim = join(dir.path, 'victim');
    await writeFile(victim, 'precious\n', { mode: 0o644 });
    // One event waits (the bot was away); the bot will refuse it (400), so it goes to rejected/.
    await peer.stop();
    await notify(['INSTANCE', 'VI_1', 'BACKUP', '100']);
    await peer.start();
    const [entry] = (await readdir(spool())).filter((n) => n.endsWith('.json'));
    // The lock older versions kept, and the file its rejection's answer will be written to.
    await symlink(victim, join(spool(), '.drain.lock'));
    await mkdir(join(spool(), 'rejected'), { mode: 0o700 });
    await symlink(victim, join(spool(), 'rejected', `${entry}.answer`));
    peer.respond = (r) => ((r.body.event as { name: string }).name === 'VI_1' ? 400 : 202);

    const run = await notify(['INSTANCE', 'VI_2', 'MASTER', '100']);
    expect(run.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    expect(names()).toEqual(['VI_2']);
    // The answer is there, in a file of its own that replaced the symlink.
    expect(await readFile(join(spool(), 'rejected', `${entry}.answer`), 'utf8')).toContain('status 400');
  });

  it('refuses a rejected/ directory that is a symlink to a place others may write', async () => {
    const elsewhere = join(dir.path, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o777 });
    await chmod(elsewhere, 0o777);
    await peer.stop();
    await notify(['INSTANCE', 'VI_1', 'BACKUP', '100']);
    await peer.start();
    await symlink(elsewhere, join(spool(), 'rejected'));
    peer.respond = () => 400;
    const run = await notify(['--flush']);
    expect(run.stderr).toMatch(/refusing spool directory .*rejected: group or others may write it/);
    expect(await readdir(elsewhere)).toEqual([]);
    // The event is kept in the spool, not lost.
    expect((await readdir(spool())).filter((n) => n.endsWith('.json'))).toHaveLength(1);
  });
});
