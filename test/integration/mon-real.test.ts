import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MonAlert, monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';
import { IngestPeer, SLACK_ALERT, saveFixture, TOKEN, tempDir, waitFor } from './slack-alert-helpers.js';

/**
 * Debian's real mon runs slack.alert: a tcp.monitor watch on a closed port fails, mon calls
 * the alert with its own argv, environment and stdin; opening the port gives the upalert.
 * mon needs no root here (temp state, log and config dirs, unprivileged ports), only the package.
 */

const MON = '/usr/sbin/mon';
const VIP = '10.0.0.100:80';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** The real server's HTTP port: closed means down, listening means up. */
class RealServerPort {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  async open(): Promise<void> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      // http.monitor may still be writing its request when we answer and close: its reset is normal.
      s.on('error', () => {});
      s.end('HTTP/1.0 200 OK\r\n\r\nok\n');
    });
    await new Promise<void>((ok) => server.listen(this.port, '127.0.0.1', () => ok()));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

const peer = new IngestPeer();
let dir: { path: string; remove: () => Promise<void> };
let mon: ChildProcess | undefined;
let monOutput = '';
let web: RealServerPort;
let spool: string;

function monAlerts(): MonAlert[] {
  return peer.accepted.map((b) => monAlertSchema.parse(b));
}

// Skipped only where the mon package is not installed (the house machine has it).
describe.skipIf(!existsSync(MON))('slack.alert run by the real mon (Debian package mon)', () => {
  beforeAll(async () => {
    await peer.start();
    dir = await tempDir('mon-real');
    web = new RealServerPort(await freePort());
    spool = join(dir.path, 'spool', 'alerts.jsonl');
    for (const d of ['state', 'log']) await mkdir(join(dir.path, d));
    await writeFile(join(dir.path, 'auth.cf'), 'command section\nlist:\tall\nversion:\tall\nquit:\tall\n');
    // The HOWTO's shape: one hostgroup per real server, a 1 s check, lvs.alert-style alert and
    // upalert lines; no blank line inside the watch block (mon would drop what follows).
    const cf = [
      'randstart = 0s',
      'dtlogging = yes',
      'dtlogfile = downtime.log',
      '',
      'hostgroup web-2 127.0.0.1',
      '',
      'watch web-2',
      '    service http',
      `        LVS_CHATOPS_URL=${peer.url}`,
      `        LVS_CHATOPS_TOKEN=${TOKEN}`,
      `        LVS_CHATOPS_SPOOL=${spool}`,
      '        LVS_CHATOPS_CLUSTER=lab',
      '        LVS_CHATOPS_CONF=/dev/null',
      '        description web-2 http',
      '        interval 1s',
      `        monitor tcp.monitor -p ${web.port}`,
      '        period wd {Sun-Sat}',
      `            alert slack.alert -P tcp -V ${VIP} -R 127.0.0.1:${web.port} -W 1 -F dr`,
      `            upalert slack.alert -P tcp -V ${VIP} -R 127.0.0.1:${web.port} -W 1 -F dr`,
      '            alertevery 1h',
      '',
    ].join('\n');
    await writeFile(join(dir.path, 'mon.cf'), cf);
    // Without -f mon stays in the foreground: it is our child and we stop it by its pid.
    const args = [
      ...['-c', join(dir.path, 'mon.cf'), '-B', dir.path, '-A', join(dir.path, 'auth.cf')],
      ...['-a', resolve(SLACK_ALERT, '..'), '-s', '/usr/lib/mon/mon.d'],
      ...['-D', join(dir.path, 'state'), '-L', join(dir.path, 'log'), '-P', join(dir.path, 'mon.pid')],
      ...['-p', String(await freePort()), '-t', String(await freePort())],
    ];
    mon = spawn(MON, args, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    mon.stdout?.on('data', (d: Buffer) => {
      monOutput += d.toString();
    });
    mon.stderr?.on('data', (d: Buffer) => {
      monOutput += d.toString();
    });
  });

  afterAll(async () => {
    const child = mon;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await web?.close();
    await peer.stop();
    await dir?.remove();
  });

  it("delivers the failure alert with mon's own argv, MON_* environment and stdin", async () => {
    await waitFor(() => monAlerts().length >= 1, 20_000, `mon's failure alert (mon said: ${monOutput})`);
    const [alert] = monAlerts();
    await saveFixture('mon-real-failure.json', peer.accepted[0]);
    expect(alert!.program).toBe(SLACK_ALERT);
    expect(alert!.argv).toEqual([
      ...['-s', 'http', '-g', 'web-2', '-h', '127.0.0.1', '-t', String(alert!.mon.time)],
      ...['-P', 'tcp', '-V', VIP, '-R', `127.0.0.1:${web.port}`, '-W', '1', '-F', 'dr'],
    ]);
    expect(alert!.mon).toMatchObject({
      group: 'web-2',
      service: 'http',
      hosts: ['127.0.0.1'],
      type: 'failure',
    });
    expect(Math.abs(alert!.mon.time - Date.now() / 1000)).toBeLessThan(60);
    expect(alert!.lvs).toEqual({
      protocol: 'tcp',
      virtual: { address: '10.0.0.100', port: 80 },
      real: { address: '127.0.0.1', port: web.port },
      weight: 1,
      forwarding: 'dr',
    });
    expect(alert!.cluster).toBe('lab');
    expect(alert!.env).toMatchObject({
      MON_GROUP: 'web-2',
      MON_SERVICE: 'http',
      MON_ALERTTYPE: 'failure',
      MON_OPSTATUS: '0',
      MON_RETVAL: '1',
      MON_DESCRIPTION: 'web-2 http',
      MON_CFBASEDIR: dir.path,
      MON_STATEDIR: join(dir.path, 'state'),
      MON_LOGDIR: join(dir.path, 'log'),
    });
    // tcp.monitor's output: the failed hosts as summary, then why.
    expect(alert!.stdin.summary).toBe('127.0.0.1');
    expect(alert!.stdin.detail).toContain('127.0.0.1 could not connect: Connection refused');
    expect(peer.received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('delivers the upalert (-u) once the real server answers again, and no repeat in between', async () => {
    await web.open();
    await waitFor(
      () => monAlerts().some((a) => a.mon.type === 'up'),
      20_000,
      `mon's upalert (mon said: ${monOutput})`,
    );
    const alerts = monAlerts();
    await saveFixture('mon-real-upalert.json', peer.accepted[alerts.length - 1]);
    expect(alerts.map((a) => a.mon.type)).toEqual(['failure', 'up']);
    const up = alerts[1]!;
    expect(up.argv.slice(8, 9)).toEqual(['-u']);
    expect(up.env).toMatchObject({ MON_ALERTTYPE: 'up', MON_OPSTATUS: '1', MON_RETVAL: '0' });
    // mon hands an upalert the output of the last failing run.
    expect(up.stdin.summary).toBe('127.0.0.1');
    expect(up.env.MON_LAST_OUTPUT).toContain('Connection refused');
  });

  it('spools the alert while the bot is down and delivers it, before the upalert, once the bot is back', async () => {
    peer.received.length = 0;
    await peer.stop();
    await web.close();
    await waitFor(
      () => existsSync(spool) && /"type":"failure"/.test(textOf(spool)),
      20_000,
      `the failure alert in the spool (mon said: ${monOutput})`,
    );
    await peer.start();
    await web.open();
    await waitFor(
      () => monAlerts().some((a) => a.mon.type === 'up'),
      20_000,
      'the upalert after the bot came back',
    );
    expect(monAlerts().map((a) => a.mon.type)).toEqual(['failure', 'up']);
    expect(peer.received).toHaveLength(2);
    expect((await readFile(spool, 'utf8')).trim()).toBe('');
  });
});

function textOf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
