import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';
import {
  IngestPeer,
  type MonCall,
  monArgv,
  monEnv,
  NOTIFY_SH,
  runScript,
  SLACK_ALERT,
  TOKEN,
  tempDir,
} from './slack-alert-helpers.js';

/**
 * The bot behind https with a certificate no public CA signed (a self-signed one, made here
 * with openssl): slack.alert (and notify.sh) must not hand the token to whoever answers on that address unless
 * it can verify the certificate, against the system's CAs or the file LVS_CHATOPS_CA_FILE names.
 */

const run = promisify(execFile);
let dir: { path: string; remove: () => Promise<void> };
let peer: IngestPeer;
let certFile: string;

beforeAll(async () => {
  dir = await tempDir('slack-alert-tls');
  const keyFile = join(dir.path, 'bot.key');
  certFile = join(dir.path, 'bot.crt');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  peer = new IngestPeer({ key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') });
  await peer.start();
});
afterAll(async () => {
  await peer.stop();
  await dir.remove();
});

const spool = () => join(dir.path, 'spool', 'alerts.jsonl');

const webDown: MonCall = {
  group: 'web-2',
  service: 'http',
  hosts: ['10.0.0.22'],
  alertType: 'failure',
  userArgs: ['-P', 'tcp', '-V', '10.0.0.100:80', '-R', '10.0.0.22:80', '-W', '1', '-F', 'dr'],
  output: '10.0.0.22\nconnect to 10.0.0.22:80 refused\n',
};

function asMon(extra: Record<string, string>) {
  return runScript(SLACK_ALERT, monArgv(webDown), {
    env: monEnv({
      ...webDown,
      serviceEnv: {
        LVS_CHATOPS_URL: peer.url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_SPOOL: spool(),
        LVS_CHATOPS_CONF: '/dev/null',
        ...extra,
      },
    }),
    stdin: webDown.output,
  });
}

async function spooledIds(): Promise<string[]> {
  const text = await readFile(spool(), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => monAlertSchema.parse(JSON.parse(l)).id);
}

describe('slack.alert over https', () => {
  it('refuses a certificate it cannot verify: sends nothing, keeps the alert, says to set LVS_CHATOPS_CA_FILE', async () => {
    const refused = await asMon({});
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/certificate .*could not be verified.*LVS_CHATOPS_CA_FILE/);
    expect(refused.stderr).toMatch(/1 alert\(s\) wait in /);
    expect(refused.stderr + refused.stdout).not.toContain(TOKEN);
    // The TLS handshake failed, so no request (and no token) ever reached the server.
    expect(peer.received).toHaveLength(0);
    expect(await spooledIds()).toHaveLength(1);
  });

  it('delivers, the waiting alert first, once LVS_CHATOPS_CA_FILE names the certificate (environment or alert.conf)', async () => {
    const [waiting] = await spooledIds();
    const viaEnv = await asMon({ LVS_CHATOPS_CA_FILE: certFile });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.code).toBe(0);
    expect(peer.accepted.map((b) => b.id)).toEqual([waiting, expect.any(String)]);
    expect(peer.received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const conf = join(dir.path, 'alert.conf');
    await writeFile(conf, `LVS_CHATOPS_CA_FILE=${certFile}\n`, { mode: 0o640 });
    const viaConf = await asMon({ LVS_CHATOPS_CONF: conf });
    expect(viaConf.stderr).toBe('');
    expect(peer.accepted).toHaveLength(3);
    expect(await spooledIds()).toEqual([]);
  });

  it('says so when LVS_CHATOPS_CA_FILE cannot be read, and keeps the alert', async () => {
    const before = peer.received.length;
    const missing = await asMon({ LVS_CHATOPS_CA_FILE: join(dir.path, 'no-such-ca.pem') });
    expect(missing.code).toBe(0);
    expect(missing.stderr).toMatch(/LVS_CHATOPS_CA_FILE .*no-such-ca\.pem cannot be read/);
    expect(peer.received).toHaveLength(before);
    expect(await spooledIds()).toHaveLength(1);
  });
});

describe('slack.alert over https, when the bot is busy or hung', () => {
  // An empty spool: what the tests above left waiting is theirs.
  beforeEach(() => rm(join(dir.path, 'spool'), { recursive: true, force: true }));

  it('keeps the alert while the bot answers 503, and sends it once it answers 202', async () => {
    const before = peer.accepted.length;
    peer.respond = () => 503;
    const busy = await asMon({ LVS_CHATOPS_CA_FILE: certFile });
    expect(busy.code).toBe(0);
    expect(busy.stderr).toMatch(/the bot is busy \(503 Service Unavailable\); 1 alert\(s\) wait in /);
    peer.respond = () => 202;
    expect((await asMon({ LVS_CHATOPS_CA_FILE: certFile })).stderr).toBe('');
    expect(peer.accepted).toHaveLength(before + 2);
    expect(await spooledIds()).toEqual([]);
  });

  it('gives up on a bot that never answers, after its timeout, and keeps the alert', async () => {
    peer.respond = () => 'hang';
    const hung = await asMon({ LVS_CHATOPS_CA_FILE: certFile, LVS_CHATOPS_TIMEOUT: '1' });
    peer.respond = () => 202;
    expect(hung.code).toBe(0);
    expect(hung.stderr).toMatch(/did not answer/);
    expect(await spooledIds()).toHaveLength(1);
    expect((await asMon({ LVS_CHATOPS_CA_FILE: certFile })).code).toBe(0);
    expect(await spooledIds()).toEqual([]);
  });
});

describe('notify.sh over https', () => {
  const keepalivedSpool = () => join(dir.path, 'keepalived');
  const notify = (extra: Record<string, string>) =>
    runScript(NOTIFY_SH, ['INSTANCE', 'VI_1', 'MASTER', '100'], {
      env: {
        LVS_CHATOPS_URL: peer.url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_KEEPALIVED_SPOOL: keepalivedSpool(),
        LVS_CHATOPS_CONF: '/dev/null',
        ...extra,
      },
    });
  const waiting = async () => (await readdir(keepalivedSpool())).filter((n) => n.endsWith('.json'));

  it('keeps the event without a CA that verifies the certificate, and delivers it with LVS_CHATOPS_CA_FILE', async () => {
    const before = peer.received.length;
    const refused = await notify({});
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/did not answer .*certificate/i);
    expect(peer.received).toHaveLength(before);
    expect(await waiting()).toHaveLength(1);

    const sent = await notify({ LVS_CHATOPS_CA_FILE: certFile });
    expect(sent.stderr).toBe('');
    expect(peer.received).toHaveLength(before + 2);
    expect(await waiting()).toEqual([]);
  });
});
