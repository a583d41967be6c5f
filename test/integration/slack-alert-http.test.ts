import { readFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monAlertSchema } from '../../src/ingest/schemas/mon-alert.js';
import {
  type MonCall,
  monArgv,
  monEnv,
  runScript,
  SLACK_ALERT,
  TOKEN,
  tempDir,
} from './slack-alert-helpers.js';

/**
 * slack.alert speaks HTTP/1.1 itself for an http:// URL (no HTTP client library to load). Here
 * the bot is a raw TCP server that writes its answers byte for byte, so the forms a real server
 * may use (chunked bodies, a base path, an answer that is not HTTP, one that stops halfway)
 * are each seen by the script as they would be on the wire.
 */

interface Raw {
  request: string;
}
type Answer = (raw: Raw, socket: Socket) => void;

let dir: { path: string; remove: () => Promise<void> };
let server: Server | undefined;
const sockets = new Set<Socket>();
const requests: Raw[] = [];

beforeEach(async () => {
  dir = await tempDir('slack-alert-http');
  requests.length = 0;
});
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  server = undefined;
  await dir.remove();
});

/** Starts a bot that reads one whole request (headers and Content-Length body), then `answer`s. */
async function rawBot(answer: Answer): Promise<number> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      const length = Number(/^content-length:\s*(\d+)/im.exec(buf)?.[1] ?? -1);
      if (end < 0 || Buffer.byteLength(buf.slice(end + 4)) < length) return;
      const raw = { request: buf };
      requests.push(raw);
      answer(raw, socket);
    });
  });
  await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', () => ok()));
  return (server.address() as AddressInfo).port;
}

const spool = () => join(dir.path, 'spool', 'alerts.jsonl');
const call: MonCall = {
  group: 'web-2',
  service: 'http',
  hosts: ['10.0.0.22'],
  alertType: 'failure',
  userArgs: ['-P', 'tcp', '-V', '10.0.0.100:80', '-R', '10.0.0.22:80'],
  output: '10.0.0.22\nconnection refused\n',
};

function asMon(url: string, timeoutS = 1) {
  return runScript(SLACK_ALERT, monArgv(call), {
    env: monEnv({
      ...call,
      serviceEnv: {
        LVS_CHATOPS_URL: url,
        LVS_CHATOPS_TOKEN: TOKEN,
        LVS_CHATOPS_SPOOL: spool(),
        LVS_CHATOPS_TIMEOUT: String(timeoutS),
        LVS_CHATOPS_CONF: '/dev/null',
      },
    }),
    stdin: call.output,
  });
}

const waiting = async () =>
  (await readFile(spool(), 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');

function chunked(status: string, body: string): string {
  const half = Math.ceil(body.length / 2);
  const parts = [body.slice(0, half), body.slice(half)].filter((p) => p !== '');
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${parts
    .map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`)
    .join('')}0\r\n\r\n`;
}

describe('slack.alert over plain http', () => {
  it('sends one HTTP/1.1 POST under the base path, with the token, the id and an exact length', async () => {
    const port = await rawBot((_, s) =>
      s.end('HTTP/1.1 202 Accepted\r\nContent-Length: 17\r\n\r\n{"accepted":true}'),
    );
    const run = await asMon(`http://127.0.0.1:${port}/lvs/`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [raw] = requests;
    const [head = '', body = ''] = raw!.request.split('\r\n\r\n');
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('POST /lvs/hooks/mon HTTP/1.1');
    const headers = Object.fromEntries(
      lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]),
    );
    expect(headers.host).toBe(`127.0.0.1:${port}`);
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['content-type']).toBe('application/json');
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    const alert = monAlertSchema.parse(JSON.parse(body));
    expect(headers['idempotency-key']).toBe(alert.id);
    expect(alert.mon.group).toBe('web-2');
    expect(await waiting()).toEqual([]);
  });

  it('reads a chunked answer: delivered on 202, and on 400 the chunks joined in .rejected', async () => {
    let status = '202 Accepted';
    const port = await rawBot((_, s) =>
      s.end(chunked(status, JSON.stringify({ error: 'mon.group: unknown' }))),
    );
    expect((await asMon(`http://127.0.0.1:${port}`)).stderr).toBe('');
    status = '400 Bad Request';
    const run = await asMon(`http://127.0.0.1:${port}`);
    expect(run.stderr).toMatch(/refused alert .* \(400 Bad Request\); moved to/);
    const rejected = JSON.parse(await readFile(`${spool()}.rejected`, 'utf8')) as { answer: string };
    expect(rejected.answer).toBe('{"error":"mon.group: unknown"}');
  });

  it.each([
    [
      'answers 503',
      (s: Socket) => s.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'),
      /busy \(503/,
    ],
    [
      'answers something that is not HTTP',
      (s: Socket) => s.end('hello there\r\n'),
      /did not answer \(no HTTP answer/,
    ],
    ['closes without a word', (s: Socket) => s.end(), /did not answer \(no HTTP answer/],
  ])('keeps the alert spooled when the bot %s, and sends it later', async (_, answer, why) => {
    let ok = false;
    const port = await rawBot((_raw, s) =>
      ok ? s.end('HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n') : answer(s),
    );
    const run = await asMon(`http://127.0.0.1:${port}`);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(why);
    expect(await waiting()).toHaveLength(1);
    ok = true;
    expect((await asMon(`http://127.0.0.1:${port}`)).code).toBe(0);
    expect(requests).toHaveLength(3);
    expect(await waiting()).toEqual([]);
  });

  it('gives up on a bot that sends half an answer and hangs, after its timeout, and keeps the alert', async () => {
    // The status line and one header, then nothing: the script must not wait for the rest
    // longer than LVS_CHATOPS_TIMEOUT (the run is bounded, not timed, here: it ends at all).
    const port = await rawBot((_, s) => s.write('HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\n{"acc'));
    const run = await asMon(`http://127.0.0.1:${port}`, 1);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/did not answer \(no answer within 1s\)/);
    expect(await waiting()).toHaveLength(1);
  });
});
