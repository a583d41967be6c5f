import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpConnect, tcpProbe } from '../../src/lab/tcp-probe.js';

// `lab status` asks each director's sshd whether it accepts. A refusal says the host is down; no
// answer in time says nothing (a UML kernel on a busy machine is slow to accept), so the lab
// calls that `unknown`, never `down`. Here a real listener that refuses, one that accepts, and
// one that cannot answer: a stopped process whose listen queue is full.

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
});

function listen(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** A process listening with a queue of one, then stopped (SIGSTOP): it accepts nothing. */
async function stoppedListener(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  process.kill(child.pid!, 'SIGSTOP');
  return { child, port };
}

describe('the lab TCP probe', () => {
  it('says open when something accepts, closed when the port refuses', async () => {
    const port = await listen();
    expect(await tcpProbe('127.0.0.1', port, { timeoutMs: 2000, attempts: 3 })).toBe('open');
    servers.pop()!.close();
    await new Promise((r) => setImmediate(r));
    expect(await tcpProbe('127.0.0.1', port, { timeoutMs: 2000, attempts: 3 })).toBe('closed');
  });

  it('says timeout, not closed, when the host does not answer in time, and open once it does', async () => {
    const { child, port } = await stoppedListener();
    // The kernel completes handshakes into the queue until it is full, then drops SYNs.
    let answer = await tcpConnect('127.0.0.1', port, 500);
    for (let i = 0; i < 5 && answer === 'open'; i++) answer = await tcpConnect('127.0.0.1', port, 500);
    expect(answer).toBe('timeout');
    expect(await tcpProbe('127.0.0.1', port, { timeoutMs: 300, attempts: 2 })).toBe('timeout');
    // Running again, it takes what waited in its queue, and accepts.
    process.kill(child.pid!, 'SIGCONT');
    expect(await tcpProbe('127.0.0.1', port, { timeoutMs: 2000, attempts: 3 })).toBe('open');
  });
});
