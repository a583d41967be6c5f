import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * What the host-side scripts' tests share: the bot's ingest endpoint played by a small HTTP
 * server (the scripts' peer, not the thing under test), a way to run a script as mon or
 * keepalived would, and mon's calling convention taken from call_alert in /usr/sbin/mon.
 */

export const SLACK_ALERT = resolve(import.meta.dirname, '../../contrib/mon/slack.alert');
export const NOTIFY_SH = resolve(import.meta.dirname, '../../contrib/keepalived/notify.sh');
export const TOKEN = 'test-ingest-token-7f3a9c';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
  /** The status the peer answered, or 'hang' when it never answered. */
  answer: number | 'hang';
}

export type Responder = (req: Received) => number | 'hang';

/**
 * The bot's `/hooks/*` as the scripts see it: answers 202 unless told otherwise. With `tls` (a
 * PEM key and certificate) it answers https, as a bot behind a TLS proxy does.
 */
export class IngestPeer {
  readonly received: Received[] = [];
  respond: Responder = () => 202;
  private server: Server | undefined;
  private unixServer: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Bodies the peer accepted (2xx), in arrival order. */
  get accepted(): Record<string, unknown>[] {
    return this.received.filter((r) => typeof r.answer === 'number' && r.answer < 300).map((r) => r.body);
  }

  private handler(): RequestListener {
    return (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = {};
        }
        const rec: Received = { path: req.url ?? '', headers: req.headers, raw, body, answer: 202 };
        rec.answer = this.respond(rec);
        this.received.push(rec);
        if (rec.answer === 'hang') return;
        res.writeHead(rec.answer, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            rec.answer < 300 ? { id: body.id, accepted: true } : { error: `status ${rec.answer}` },
          ),
        );
      });
    };
  }

  private track(server: Server): Server {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  async start(): Promise<void> {
    const server = this.track(
      this.tls ? createTlsServer(this.tls, this.handler()) : createServer(this.handler()),
    );
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => ok());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /**
   * Also answer on a unix socket: a process in another network namespace (real keepalived in
   * a private one) reaches the bot through it, since the file system is shared.
   */
  async listenUnix(path: string): Promise<void> {
    const server = this.track(createServer(this.handler()));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
    this.unixServer = server;
  }

  /** The bot goes away: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    const servers = [this.server, this.unixServer].filter((s) => s !== undefined);
    this.server = undefined;
    this.unixServer = undefined;
    for (const s of this.sockets) s.destroy();
    await Promise.all(servers.map((server) => new Promise<void>((ok) => server.close(() => ok()))));
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runScript(
  program: string,
  args: string[],
  opts: { env: Record<string, string>; stdin?: string | Buffer; killAfterMs?: number },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((ok, fail) => {
    // Like mon and keepalived: exec of the script with a list, no shell in between.
    const child = spawn(program, args, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      ok({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A call as mon's call_alert makes it: argv order, MON_* environment, stdin. */
export interface MonCall {
  group: string;
  service: string;
  hosts: string[];
  /** -u, -a, -D, -T, -O, or none (failure, startup, test). */
  flag?: '-u' | '-a' | '-D' | '-T' | '-O';
  alertType: 'failure' | 'up' | 'startup' | 'ack' | 'disable' | 'trap' | 'traptimeout' | 'test';
  /** The mon.cf alert line's arguments, already split as quotewords does. */
  userArgs: string[];
  /** What mon writes to the alert's stdin: the monitor's output (summary line, then detail). */
  output: string;
  time?: number;
  opstatus?: number;
  retval?: number;
  description?: string;
  /** Variables set in the service's mon.cf block (LVS_CHATOPS_URL=... per service). */
  serviceEnv?: Record<string, string>;
}

export function monArgv(call: MonCall): string[] {
  const argv = [
    '-s',
    call.service,
    '-g',
    call.group,
    '-h',
    call.hosts.join(' '),
    '-t',
    String(call.time ?? Math.floor(Date.now() / 1000)),
  ];
  if (call.flag) argv.push(call.flag);
  return [...argv, ...call.userArgs];
}

export function monEnv(call: MonCall, stateDir = '/var/lib/mon'): Record<string, string> {
  const now = String(call.time ?? Math.floor(Date.now() / 1000));
  const summary = call.output.split('\n')[0] ?? '';
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ...call.serviceEnv,
    MON_LAST_SUMMARY: summary,
    MON_LAST_OUTPUT: call.output,
    MON_LAST_FAILURE: now,
    MON_FIRST_FAILURE: now,
    MON_FIRST_SUCCESS: '',
    MON_LAST_SUCCESS: '0',
    ...(call.description ? { MON_DESCRIPTION: call.description } : {}),
    MON_GROUP: call.group,
    MON_SERVICE: call.service,
    MON_RETVAL: String(call.retval ?? (call.alertType === 'up' ? 0 : 1)),
    MON_OPSTATUS: String(call.opstatus ?? (call.alertType === 'up' ? 1 : 0)),
    MON_ALERTTYPE: call.alertType,
    MON_STATEDIR: stateDir,
    MON_LOGDIR: '/var/log/mon',
    MON_CFBASEDIR: '/etc/mon',
  };
}

/** Resolves when `check` holds, polling; rejects with `what` after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const FIXTURES = resolve(import.meta.dirname, '../fixtures/mon-alert');

/**
 * Keeps a body a script really produced as a fixture for the schema unit test. Refreshed on
 * demand only (UPDATE_FIXTURES=1), so a normal run leaves the tree clean.
 */
export async function saveFixture(name: string, body: unknown): Promise<void> {
  if (process.env.UPDATE_FIXTURES !== '1') return;
  await mkdir(FIXTURES, { recursive: true });
  await writeFile(join(FIXTURES, name), `${JSON.stringify(body, null, 2)}\n`);
}

/**
 * What the service block of the lab's mon.cf sets for slack.alert: where the bot is, its ingest
 * token, and a spool under `spoolDir`.
 */
export function slackAlertServiceEnv(
  botUrl: string,
  token: string,
  spoolDir: string,
): Record<string, string> {
  return {
    LVS_CHATOPS_URL: botUrl,
    LVS_CHATOPS_TOKEN: token,
    LVS_CHATOPS_CLUSTER: 'lab',
    LVS_CHATOPS_SPOOL: join(spoolDir, 'spool', 'alerts.jsonl'),
    LVS_CHATOPS_CONF: '/dev/null',
  };
}

/**
 * mon's call for web-2's http service of the lab inventory (`address`), with the lab's lvs.alert
 * arguments: its failure, or with `up` its upalert (-u, and the monitor's success as output).
 */
export function web2HttpCall(address: string, up: boolean, serviceEnv: Record<string, string>): MonCall {
  return {
    group: 'web-2',
    service: 'http',
    hosts: [address],
    alertType: up ? 'up' : 'failure',
    ...(up && { flag: '-u' as const }),
    userArgs: ['-P', 'tcp', '-V', '10.200.0.100:80', '-R', `${address}:80`, '-W', '1', '-F', 'dr'],
    output: up
      ? `${address}\nHTTP/1.1 200 OK\n`
      : `${address}\nconnect to ${address}:80: Connection refused\n`,
    description: 'web-2 serves http',
    serviceEnv,
  };
}

/** slack.alert run as mon runs it for `call`: its argv, MON_* environment and stdin. */
export function runAsMon(call: MonCall): Promise<RunResult> {
  return runScript(SLACK_ALERT, monArgv(call), { env: monEnv(call), stdin: call.output });
}
