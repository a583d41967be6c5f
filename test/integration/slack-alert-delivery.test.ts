import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
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
  saveFixture,
  TOKEN,
  tempDir,
} from './slack-alert-helpers.js';

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };

beforeAll(() => peer.start());
afterAll(() => peer.stop());
beforeEach(async () => {
  dir = await tempDir('slack-alert');
  peer.received.length = 0;
  peer.respond = () => 202;
});
afterEach(() => dir.remove());

function spoolPath(): string {
  return join(dir.path, 'spool', 'alerts.jsonl');
}

/** The service block of a mon.cf: where an operator sets the bot's URL per service. */
function serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    LVS_CHATOPS_URL: peer.url,
    LVS_CHATOPS_TOKEN: TOKEN,
    LVS_CHATOPS_SPOOL: spoolPath(),
    // An empty config file: the host's /etc/lvs-chatops/alert.conf must not leak in.
    LVS_CHATOPS_CONF: '/dev/null',
    ...extra,
  };
}

const webDown: MonCall = {
  group: 'web-2',
  service: 'http',
  hosts: ['10.0.0.22'],
  alertType: 'failure',
  userArgs: ['-P', 'tcp', '-V', '10.0.0.100:80', '-R', '10.0.0.22:80', '-W', '1', '-F', 'dr'],
  output: '10.0.0.22\nHTTP/1.1 503 Service Unavailable\nconnect to 10.0.0.22:80 refused\n',
  time: 1_700_000_000,
  description: 'web-2 http',
};

function asMon(call: MonCall, env: Record<string, string> = serviceEnv()) {
  return runScript(SLACK_ALERT, monArgv(call), {
    env: monEnv({ ...call, serviceEnv: env }),
    stdin: call.output,
  });
}

describe('slack.alert called as mon calls it', () => {
  it("posts mon's argv, MON_* environment, stdin and lvs.alert's flags to /hooks/mon with the token", async () => {
    const run = await asMon(webDown);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(peer.received).toHaveLength(1);
    const req = peer.received[0]!;
    expect(req.path).toBe('/hooks/mon');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');

    const alert = monAlertSchema.parse(req.body);
    expect(req.headers['idempotency-key']).toBe(alert.id);
    expect(alert.argv).toEqual(monArgv(webDown));
    expect(alert.program).toBe(SLACK_ALERT);
    expect(alert.mon).toEqual({
      group: 'web-2',
      service: 'http',
      hosts: ['10.0.0.22'],
      time: 1_700_000_000,
      type: 'failure',
      args: [],
    });
    expect(alert.lvs).toEqual({
      protocol: 'tcp',
      virtual: { address: '10.0.0.100', port: 80 },
      real: { address: '10.0.0.22', port: 80 },
      weight: 1,
      forwarding: 'dr',
    });
    expect(alert.stdin).toEqual({
      summary: '10.0.0.22',
      detail: 'HTTP/1.1 503 Service Unavailable\nconnect to 10.0.0.22:80 refused\n',
      truncated: false,
    });
    expect(alert.env.MON_GROUP).toBe('web-2');
    expect(alert.env.MON_OPSTATUS).toBe('0');
    expect(alert.env.MON_DESCRIPTION).toBe('web-2 http');
    expect(alert.env.MON_LAST_OUTPUT).toBe(webDown.output);
    // Only MON_*: the token and the rest of the environment stay on the host.
    expect(Object.keys(alert.env).every((k) => k.startsWith('MON_'))).toBe(true);
    expect(req.raw).not.toContain(TOKEN);
    expect(Date.now() - Date.parse(alert.time)).toBeLessThan(60_000);
    expect(alert.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(alert.hostname).toBe(hostname());
    expect(alert.cluster).toBeUndefined();
    // Delivered: nothing waits in the spool.
    expect(await readFile(spoolPath(), 'utf8')).toBe('');
  });

  it('joins a group of several hosts from -h, one argument as mon passes it', async () => {
    await asMon({ ...webDown, hosts: ['10.0.0.21', '10.0.0.22', '10.0.0.23'] });
    const alert = monAlertSchema.parse(peer.received[0]!.body);
    expect(alert.argv[5]).toBe('10.0.0.21 10.0.0.22 10.0.0.23');
    expect(alert.mon.hosts).toEqual(['10.0.0.21', '10.0.0.22', '10.0.0.23']);
  });

  it('marks an upalert (-u) as "up"', async () => {
    const run = await asMon({ ...webDown, flag: '-u', alertType: 'up' });
    expect(run.code).toBe(0);
    const alert = monAlertSchema.parse(peer.received[0]!.body);
    expect(alert.mon.type).toBe('up');
    expect(alert.argv).toContain('-u');
    expect(alert.env.MON_ALERTTYPE).toBe('up');
  });

  it.each([
    ['-a', 'ack', 'ack'],
    ['-D', 'disable', 'disable'],
    ['-T', 'trap', 'trap'],
    ['-O', 'traptimeout', 'traptimeout'],
  ] as const)('maps mon flag %s to type %s', async (flag, alertType, type) => {
    await asMon({ ...webDown, flag, alertType, output: 'ops: looking into it\n' });
    expect(monAlertSchema.parse(peer.received[0]!.body).mon.type).toBe(type);
  });

  it.each(['startup', 'test'] as const)(
    'tells a %s alert (no flag) from a failure by MON_ALERTTYPE',
    async (t) => {
      await asMon({ ...webDown, alertType: t, output: t === 'test' ? 'test\ntest detail\n' : '' });
      const alert = monAlertSchema.parse(peer.received[0]!.body);
      expect(alert.mon.type).toBe(t);
    },
  );

  it('keeps free-text arguments of a test.alert-style line ("Server is DOWN")', async () => {
    await asMon({ ...webDown, userArgs: ['Server is DOWN'] });
    const alert = monAlertSchema.parse(peer.received[0]!.body);
    expect(alert.mon.args).toEqual(['Server is DOWN']);
    expect(alert.lvs).toBeUndefined();
    await saveFixture('slack-alert-free-text.json', peer.received[0]!.body);
  });

  it('accepts lvs.alert flags in any order, in upper case, and IPv6 or port-less addresses', async () => {
    await asMon({
      ...webDown,
      userArgs: ['-F', 'NAT', '-R', '[2001:db8::22]:8080', '-V', '2001:db8::100', '-P', 'UDP'],
    });
    const alert = monAlertSchema.parse(peer.received[0]!.body);
    expect(alert.lvs).toEqual({
      protocol: 'udp',
      virtual: { address: '2001:db8::100' },
      real: { address: '2001:db8::22', port: 8080 },
      forwarding: 'nat',
    });
  });

  it('names the cluster from -C, else from LVS_CHATOPS_CLUSTER', async () => {
    await asMon(webDown, serviceEnv({ LVS_CHATOPS_CLUSTER: 'lab' }));
    await asMon({ ...webDown, userArgs: ['-C', 'edge-1'] }, serviceEnv({ LVS_CHATOPS_CLUSTER: 'lab' }));
    expect(peer.received.map((r) => monAlertSchema.parse(r.body).cluster)).toEqual(['lab', 'edge-1']);
  });

  it('gives every alert its own id', async () => {
    await asMon(webDown);
    await asMon(webDown);
    const [a, b] = peer.received.map((r) => monAlertSchema.parse(r.body).id);
    expect(a).not.toBe(b);
  });

  it('reads the URL and token from alert.conf, and a mon.cf variable wins over the file', async () => {
    const conf = join(dir.path, 'alert.conf');
    await writeFile(
      conf,
      [
        '# lvs-chatops alert configuration',
        'LVS_CHATOPS_URL=http://127.0.0.1:1',
        `LVS_CHATOPS_TOKEN="${TOKEN}"`,
        'LVS_CHATOPS_CLUSTER = lab',
        '',
      ].join('\n'),
      { mode: 0o640 },
    );
    const env = { LVS_CHATOPS_URL: peer.url, LVS_CHATOPS_SPOOL: spoolPath(), LVS_CHATOPS_CONF: conf };
    const run = await asMon(webDown, env);
    expect(run.stderr).toBe('');
    expect(peer.received).toHaveLength(1);
    expect(peer.received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(monAlertSchema.parse(peer.received[0]!.body).cluster).toBe('lab');
  });

  it('warns when alert.conf holds the token and everyone may read it, and still delivers', async () => {
    const conf = join(dir.path, 'alert.conf');
    await writeFile(conf, `LVS_CHATOPS_URL=${peer.url}\nLVS_CHATOPS_TOKEN=${TOKEN}\n`, { mode: 0o644 });
    const run = await asMon(webDown, { LVS_CHATOPS_SPOOL: spoolPath(), LVS_CHATOPS_CONF: conf });
    expect(run.stderr).toBe(
      `slack.alert: ${conf} holds the token and is readable by everyone: chmod o-r ${conf}\n`,
    );
    expect(run.code).toBe(0);
    expect(peer.accepted).toHaveLength(1);
  });

  it('caps a runaway monitor output at 64 KiB and turns bytes that are not UTF-8 into valid JSON', async () => {
    const output = Buffer.concat([
      Buffer.from('10.0.0.22 garbled \xff\xfe summary, ', 'latin1'),
      Buffer.from('réponse 응답\n', 'utf8'),
      Buffer.alloc(200_000, 'x'),
    ]);
    const run = await runScript(SLACK_ALERT, monArgv(webDown), {
      env: monEnv({ ...webDown, serviceEnv: serviceEnv() }),
      stdin: output,
    });
    expect(run.code).toBe(0);
    const alert = monAlertSchema.parse(peer.received[0]!.body);
    expect(alert.stdin.truncated).toBe(true);
    expect(alert.stdin.summary).toBe('10.0.0.22 garbled \ufffd\ufffd summary, réponse 응답');
    expect(alert.stdin.detail.length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('slack.alert refuses bad arguments', () => {
  it.each([
    [['-g', 'web-2', '-h', 'x', '-t', '1'], /-s is required/],
    [['-s', 'http', '-g', 'web-2', '-h', 'x', '-t', 'soon'], /-t takes mon's unix time/],
    [[...monArgv(webDown), '-W', 'heavy'], /-W takes a weight/],
    [[...monArgv(webDown).slice(0, 8), '-F', 'gre'], /-F takes dr, nat or tun/],
    [[...monArgv(webDown).slice(0, 8), '-P', 'icmp'], /-P takes tcp or udp/],
    [[...monArgv(webDown).slice(0, 8), '-V', '10.0.0.100:99999'], /port must be 1-65535/],
    [[...monArgv(webDown).slice(0, 8), '-x'], /Unknown option: x/],
    [[...monArgv(webDown).slice(0, 8), '-C', 'no/slash'], /cluster name/],
  ])('%j exits 2 with a usage error, sends and spools nothing', async (args, message) => {
    const run = await runScript(SLACK_ALERT, args, { env: monEnv({ ...webDown, serviceEnv: serviceEnv() }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/--help/);
    expect(peer.received).toHaveLength(0);
    await expect(readFile(spoolPath(), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await runScript(SLACK_ALERT, ['--help'], { env: { PATH: '/usr/bin:/bin' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: slack\.alert -s SERVICE -g GROUP/);
    expect(run.stdout).toMatch(/LVS_CHATOPS_TIMEOUT/);
  });

  it('with no URL configured, keeps the alert in the spool, says what to set, exits 2', async () => {
    const env = serviceEnv();
    delete env.LVS_CHATOPS_URL;
    const run = await asMon(webDown, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/LVS_CHATOPS_URL not set .*; the alert waits in /);
    const spooled = (await readFile(spoolPath(), 'utf8')).trim().split('\n');
    expect(spooled).toHaveLength(1);
    // Once configured, the next run delivers it.
    const flush = await runScript(SLACK_ALERT, ['--flush'], { env: serviceEnv() });
    expect(flush.code).toBe(0);
    expect(peer.accepted.map((b) => b.id)).toEqual([JSON.parse(spooled[0]!).id]);
  });

  it('without a writable spool, still sends directly; says the alert is lost (exit 1) if the bot is away too', async () => {
    const noSpool = serviceEnv({ LVS_CHATOPS_SPOOL: '/proc/lvs-chatops/alerts.jsonl' });
    const sent = await asMon(webDown, noSpool);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/cannot spool the alert: cannot create spool directory \/proc\/lvs-chatops/);
    expect(peer.accepted).toHaveLength(1);
    const lost = await asMon(webDown, { ...noSpool, LVS_CHATOPS_URL: 'http://127.0.0.1:1' });
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/did not answer .*; the alert is LOST/);
  });

  it('never prints the token, even when the bot refuses it; the alert stays spooled', async () => {
    peer.respond = () => 401;
    const run = await asMon(webDown);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/does not know the token \(401 Unauthorized\): check LVS_CHATOPS_TOKEN/);
    expect(run.stderr + run.stdout).not.toContain(TOKEN);
    expect((await readFile(spoolPath(), 'utf8')).trim().split('\n')).toHaveLength(1);
    await expect(readFile(`${spoolPath()}.rejected`, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
