import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keepalivedNotifySchema } from '../../src/ingest/schemas/keepalived-notify.js';
import { IngestPeer, NOTIFY_SH, runScript, saveFixture, TOKEN, tempDir } from './slack-alert-helpers.js';

/**
 * notify.sh called as keepalived calls it: execve of the configured command with, for the
 * generic `notify`, TYPE NAME STATE PRIORITY appended, in keepalived's own environment (under
 * systemd that may lack PATH, hence none here).
 */

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('keepalived-notify');
  peer.received.length = 0;
  peer.respond = () => 202;
});
afterEach(() => dir.remove());

const spool = () => join(dir.path, 'spool');

function keepalivedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    LVS_CHATOPS_URL: peer.url,
    LVS_CHATOPS_TOKEN: TOKEN,
    LVS_CHATOPS_KEEPALIVED_SPOOL: spool(),
    LVS_CHATOPS_CONF: '/dev/null',
    ...extra,
  };
}

const notify = (args: string[], env = keepalivedEnv()) => runScript(NOTIFY_SH, args, { env });

async function waiting(): Promise<string[]> {
  return (await readdir(spool()).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
}

describe('notify.sh for keepalived', () => {
  it("posts the generic notify's TYPE NAME STATE PRIORITY to /hooks/keepalived with the token", async () => {
    const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '150']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(peer.received).toHaveLength(1);
    const req = peer.received[0]!;
    expect(req.path).toBe('/hooks/keepalived');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    const body = keepalivedNotifySchema.parse(req.body);
    expect(req.headers['idempotency-key']).toBe(body.id);
    expect(body.argv).toEqual(['INSTANCE', 'VI_1', 'MASTER', '150']);
    expect(body.event).toEqual({
      type: 'vrrp',
      scope: 'instance',
      name: 'VI_1',
      state: 'master',
      priority: 150,
    });
    expect(body.agent).toBe('notify.sh/1.0.0');
    expect(Date.now() - Date.parse(body.time)).toBeLessThan(60_000);
    expect(body.cluster).toBeUndefined();
    expect(await waiting()).toEqual([]);
  });

  it.each([
    [['GROUP', 'VG_1', 'BACKUP', '0'], { scope: 'group', name: 'VG_1', state: 'backup', priority: 0 }],
    [
      ['INSTANCE', 'VI_1', 'FAULT', '100'],
      { scope: 'instance', name: 'VI_1', state: 'fault', priority: 100 },
    ],
    [['INSTANCE', 'VI_1', 'STOP', '0'], { scope: 'instance', name: 'VI_1', state: 'stop', priority: 0 }],
    [
      ['INSTANCE', 'VI_1', 'DELETED', '0'],
      { scope: 'instance', name: 'VI_1', state: 'deleted', priority: 0 },
    ],
  ])('types %j', async (args, event) => {
    await notify(args);
    expect(keepalivedNotifySchema.parse(peer.received[0]!.body).event).toEqual({ type: 'vrrp', ...event });
  });

  it('names the cluster from -C before the appended arguments, else from LVS_CHATOPS_CLUSTER', async () => {
    await notify(['-C', 'lab', 'INSTANCE', 'VI_1', 'MASTER', '100']);
    await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], keepalivedEnv({ LVS_CHATOPS_CLUSTER: 'edge' }));
    expect(peer.received.map((r) => keepalivedNotifySchema.parse(r.body).cluster)).toEqual(['lab', 'edge']);
  });

  it('sends a real server going down from a notify_down line', async () => {
    await notify(['rs', 'web-2', 'down', '10.0.0.100:80', '10.0.0.22:80']);
    await notify(['rs', 'web-2', 'up']);
    const [down, up] = peer.received.map((r) => keepalivedNotifySchema.parse(r.body).event);
    expect(down).toEqual({
      type: 'real-server',
      name: 'web-2',
      state: 'down',
      virtual: { address: '10.0.0.100', port: 80 },
      real: { address: '10.0.0.22', port: 80 },
    });
    expect(up).toEqual({ type: 'real-server', name: 'web-2', state: 'up' });
    await saveFixture('keepalived-real-server-down.json', peer.received[0]!.body);
  });

  it('escapes names that need it in JSON', async () => {
    await notify(['INSTANCE', 'VI "edge"\\1\ttab', 'MASTER', '100']);
    const body = keepalivedNotifySchema.parse(peer.received[0]!.body);
    expect(body.event).toMatchObject({ name: 'VI "edge"\\1\ttab' });
    expect(body.argv[1]).toBe('VI "edge"\\1\ttab');
  });

  it('reads the URL and token from the config file, and the environment wins', async () => {
    const conf = join(dir.path, 'alert.conf');
    await writeFile(
      conf,
      `# shared with slack.alert\nLVS_CHATOPS_URL=http://127.0.0.1:1\nexport LVS_CHATOPS_TOKEN='${TOKEN}'\nLVS_CHATOPS_CLUSTER = lab\n`,
      { mode: 0o640 },
    );
    const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], {
      LVS_CHATOPS_URL: peer.url,
      LVS_CHATOPS_KEEPALIVED_SPOOL: spool(),
      LVS_CHATOPS_CONF: conf,
    });
    expect(run.stderr).toBe('');
    expect(peer.received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(keepalivedNotifySchema.parse(peer.received[0]!.body).cluster).toBe('lab');
  });

  it('warns when the config file holds the token and everyone may read it, and still delivers', async () => {
    const conf = join(dir.path, 'alert.conf');
    await writeFile(conf, `LVS_CHATOPS_URL=${peer.url}\nLVS_CHATOPS_TOKEN=${TOKEN}\n`, { mode: 0o644 });
    const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], {
      LVS_CHATOPS_KEEPALIVED_SPOOL: spool(),
      LVS_CHATOPS_CONF: conf,
    });
    expect(run.stderr).toBe(
      `notify.sh: ${conf} holds the token and is readable by everyone: chmod o-r ${conf}\n`,
    );
    expect(run.code).toBe(0);
    expect(peer.accepted).toHaveLength(1);
  });

  it('works with GNU wget where curl is not installed', async () => {
    const run = await notify(
      ['INSTANCE', 'VI_1', 'BACKUP', '100'],
      keepalivedEnv({ LVS_CHATOPS_HTTP_CLIENT: 'wget' }),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const req = peer.received[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['user-agent']).toBe('notify.sh/1.0.0');
    expect(keepalivedNotifySchema.parse(req.body).event).toMatchObject({ state: 'backup' });
    expect(await waiting()).toEqual([]);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await notify(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: notify\.sh \[-C CLUSTER\] INSTANCE\|GROUP NAME/);
  });

  it.each([
    [[], /missing arguments/],
    [['INSTANCE', 'VI_1', 'MASTER'], /TYPE NAME STATE PRIORITY, got 3/],
    [['VRRP', 'VI_1', 'MASTER', '100'], /TYPE is INSTANCE or GROUP/],
    [['INSTANCE', 'VI_1', 'LEADER', '100'], /STATE is MASTER, BACKUP, FAULT, STOP or DELETED/],
    [['INSTANCE', 'VI_1', 'MASTER', '300'], /PRIORITY is a number 0-255/],
    [['INSTANCE', 'VI_1', 'MASTER', 'high'], /PRIORITY is a number 0-255/],
    [['rs', 'web-1', 'sideways'], /rs STATE is up or down/],
    [['rs', 'web-1', 'up', '10.0.0.100:99999'], /port must be 1-65535/],
    [['-C', 'no/slash', 'INSTANCE', 'VI_1', 'MASTER', '100'], /cluster name/],
    [['--verbose', 'INSTANCE', 'VI_1', 'MASTER', '100'], /unknown option '--verbose'/],
  ])('%j exits 2 with a usage error, sends and spools nothing', async (args, message) => {
    const run = await notify(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(peer.received).toHaveLength(0);
    expect(await waiting()).toEqual([]);
  });

  it('without a writable spool, still sends directly; says the event is lost (exit 1) if the bot is away too', async () => {
    const noSpool = keepalivedEnv({ LVS_CHATOPS_KEEPALIVED_SPOOL: '/proc/lvs-chatops' });
    const sent = await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], noSpool);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/cannot write the spool directory \/proc\/lvs-chatops/);
    expect(peer.accepted).toHaveLength(1);
    const lost = await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], {
      ...noSpool,
      LVS_CHATOPS_URL: 'http://127.0.0.1:1',
    });
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/did not answer .*; the event is LOST/);
  });

  it('never prints the token, even when the bot refuses it; the event stays spooled', async () => {
    peer.respond = () => 403;
    const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '100']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /may not speak for this host or cluster \(HTTP 403\): check the token.s cluster and hosts/,
    );
    expect(run.stderr + run.stdout).not.toContain(TOKEN);
    expect(await waiting()).toHaveLength(1);
  });

  it('with no token configured, keeps the event in the spool, says what to set, exits 2', async () => {
    const env = keepalivedEnv();
    delete env.LVS_CHATOPS_TOKEN;
    const run = await notify(['INSTANCE', 'VI_1', 'MASTER', '100'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/LVS_CHATOPS_TOKEN not set .*; the event waits in /);
    const [name] = await waiting();
    const { id } = keepalivedNotifySchema.parse(JSON.parse(await readFile(join(spool(), name!), 'utf8')));
    const flush = await notify(['--flush']);
    expect(flush.code).toBe(0);
    expect(peer.accepted.map((b) => b.id)).toEqual([id]);
    expect(await waiting()).toEqual([]);
  });
});
