import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether something accepts TCP connections at address:port, within timeoutMs. */
export function tcpOpen(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return tcpConnect(address, port, timeoutMs).then((answer) => answer === 'open');
}

/**
 * What one connection attempt learned: `open` (accepted), `closed` (refused, or no route: the
 * host or its network said no), `timeout` (no answer in time, which says nothing: a busy UML
 * kernel can take over a second to accept).
 */
export type TcpAnswer = 'open' | 'closed' | 'timeout';

export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<TcpAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    const done = (answer: TcpAnswer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done('open'));
    socket.once('timeout', () => done('timeout'));
    // ETIMEDOUT is the kernel giving up on its own SYN retries: no answer either.
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ETIMEDOUT' ? 'timeout' : 'closed'),
    );
  });
}

/**
 * Up to `attempts` connections, each given `timeoutMs`, until one gets an answer: a host that
 * says no once is down, one that timed out every time is not known to be either.
 */
export async function tcpProbe(
  address: string,
  port: number,
  opts: { timeoutMs: number; attempts: number; pauseMs?: number },
): Promise<TcpAnswer> {
  let answer: TcpAnswer = 'timeout';
  for (let i = 0; i < opts.attempts; i++) {
    if (i > 0 && opts.pauseMs) await sleep(opts.pauseMs);
    answer = await tcpConnect(address, port, opts.timeoutMs);
    if (answer !== 'timeout') return answer;
  }
  return answer;
}
