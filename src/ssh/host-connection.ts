import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import ssh2, { type Client, type ClientChannel, type ServerHostKeyAlgorithm } from 'ssh2';
import type { HostKeyPin } from '../core/host-key-pin.js';
import type { CommandResult } from './command-result.js';
import { type ConnectAttempt, classifyConnectError } from './connect-error.js';
import { AbortedError } from './errors/aborted-error.js';
import { ChannelOpenError } from './errors/channel-open-error.js';
import { CommandTimeoutError } from './errors/command-timeout-error.js';
import { ConnectionLostError } from './errors/connection-lost-error.js';
import { ExecutorClosedError } from './errors/executor-closed-error.js';
import { NonZeroExitError } from './errors/non-zero-exit-error.js';
import type { SshError } from './errors/ssh-error.js';
import { hostKeyAlgorithmsFor, matchesPin } from './host-key-pin.js';
import { loadPrivateKey } from './private-key.js';
import { quoteArgv } from './quote.js';
import type { RunOptions } from './run-options.js';
import { formatAddress, type SshTarget } from './target.js';

/** How often sshd may refuse a channel for one command before the command fails. */
const MAX_REFUSALS = 5;
/** How often a command is re-sent because the connection dropped before its channel opened. */
const MAX_RESENDS = 2;
/** How long a closed channel may take to confirm its close before its slot is counted free anyway. */
const CLOSE_GRACE_MS = 2_000;
/** Channels beyond the limit that a kill may use: OpenSSH allows 10 sessions, we use 8 for commands. */
const KILL_RESERVE = 2;
/**
 * Every command runs as `echo $$; exec ARGV`: the login shell prints its PID, then becomes the
 * command (same PID, no extra process). sshd started that shell in a new session, so the PID is
 * also the process group. A timed-out or aborted command is killed through it: closing the
 * channel alone leaves a non-tty command running (and holding one of sshd's MaxSessions), and
 * sshd refuses SSH signal requests for root logins ("session signalling requires privilege
 * separation": root sessions have no unprivileged child).
 */
const ANNOUNCE_PID = 'echo $$; exec ';

export interface ConnectionSettings {
  maxChannels: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  idleTimeoutMs: number;
  logger: Logger | undefined;
}

interface Job {
  argv: readonly string[];
  /** The quoted command line, without the PID announcement. */
  command: string;
  options: RunOptions;
  /** A kill sent on our own behalf: goes first, may use the reserve, nobody awaits it. */
  internal: boolean;
  state: 'queued' | 'opening' | 'running' | 'done';
  refusals: number;
  resends: number;
  resolve: (result: CommandResult) => void;
  reject: (error: SshError) => void;
  cleanup: () => void;
  /** While running: fail with the error made from the output so far, kill the command, close its channel. */
  stop?: (makeError: (stdout: string, stderr: string) => SshError) => void;
}

/** One ssh2 connection and what runs on it. Replaced by a new one when it drops. */
interface Link {
  client: Client;
  ready: boolean;
  /** Channels open or being opened; a channel counts until sshd confirms its close. */
  channels: number;
  /** The most command channels at once; lowered when sshd refuses one (its MaxSessions is lower). */
  limit: number;
  /** The most channels sshd has had open at once on this connection. */
  peak: number;
  opening: Job | undefined;
  running: Set<Job>;
  retryTimer: NodeJS.Timeout | undefined;
}

/**
 * The pooled connection to one target: connects on demand, runs up to `maxChannels` commands at
 * once on it and queues the rest, opens one channel at a time (ssh2#1395), reconnects after a
 * drop, and closes the connection once idle.
 */
export class HostConnection {
  private link: Link | undefined;
  private readonly queue: Job[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: Logger | undefined;

  constructor(
    private readonly target: SshTarget,
    private readonly pins: readonly HostKeyPin[],
    private readonly settings: ConnectionSettings,
  ) {
    this.log = settings.logger?.child({
      target: target.name,
      address: formatAddress(target.host, target.port),
      user: target.user,
    });
  }

  /** `command` is `quoteArgv(argv)`. */
  run(argv: readonly string[], command: string, options: RunOptions): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      const { signal } = options;
      if (this.closed) return reject(new ExecutorClosedError(this.target.name, argv));
      if (signal?.aborted) {
        return reject(new AbortedError(this.target.name, argv, false, { cause: signal.reason }));
      }
      const onAbort = () => this.abort(job);
      const job = newJob(argv, command, options, false, resolve, reject);
      job.cleanup = () => signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /**
   * Fails what is queued or running with ExecutorClosedError, kills the running commands on the
   * host (waiting up to 2 s for that), and ends the connection.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disarmIdle();
    for (const job of this.queue.splice(0))
      this.settle(job, new ExecutorClosedError(this.target.name, job.argv));
    const link = this.link;
    if (!link) return;
    clearTimeout(link.retryTimer);
    link.retryTimer = undefined;
    if (link.opening) this.settle(link.opening, new ExecutorClosedError(this.target.name, link.opening.argv));
    for (const job of [...link.running])
      job.stop?.(() => new ExecutorClosedError(this.target.name, job.argv));
    if (!link.ready) {
      // Still connecting: nothing runs, nothing to end gracefully.
      this.link = undefined;
      link.client.destroy();
      return;
    }
    const deadline = Date.now() + 2_000;
    while (this.link === link && (this.queue.length > 0 || link.channels > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.link = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        link.client.destroy();
        resolve();
      }, 1_000);
      timer.unref();
      link.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      link.client.end();
    });
    this.log?.info('ssh connection closed (executor closed)');
  }

  private pump(): void {
    const link = this.link;
    const next = this.queue[0];
    // Once closed, only the kills of the commands that close() stopped still go out.
    if (this.closed && !(next?.internal && link?.ready)) return;
    if (!next) {
      if (link?.ready && link.channels === 0) this.armIdle(link);
      return;
    }
    this.disarmIdle();
    if (!link) {
      this.connect();
      return;
    }
    const cap = next.internal ? link.limit + KILL_RESERVE : link.limit;
    if (!link.ready || link.opening || link.retryTimer || link.channels >= cap) return;
    this.queue.shift();
    this.open(link, next);
  }

  private connect(): void {
    const client = new ssh2.Client();
    const link: Link = {
      client,
      ready: false,
      channels: 0,
      limit: this.settings.maxChannels,
      peak: 0,
      opening: undefined,
      running: new Set(),
      retryTimer: undefined,
    };
    this.link = link;
    const attempt: ConnectAttempt = {
      target: this.target,
      pins: this.pins,
      presentedKey: undefined,
      keyRefused: false,
      timeoutMs: this.settings.connectTimeoutMs,
    };
    const startedAt = performance.now();
    let failed = false;
    let lastError: unknown;

    // Every command waiting for this host would meet the same host, so all fail alike.
    const fail = (error: unknown) => {
      if (failed || link.ready) return;
      failed = true;
      if (this.link === link) this.link = undefined;
      client.destroy();
      if (this.closed) return;
      const typed = classifyConnectError(error, attempt);
      this.log?.warn(
        { code: typed.code, retryable: typed.retryable, err: typed.message },
        'ssh connect failed',
      );
      for (const job of this.queue.splice(0)) this.settle(job, typed);
    };

    client.on('ready', () => {
      if (failed) return;
      link.ready = true;
      this.log?.info({ ms: Math.round(performance.now() - startedAt) }, 'ssh connected');
      this.pump();
    });
    client.on('error', (error) => {
      lastError = error;
      if (!link.ready) fail(error);
    });
    client.on('close', () => {
      if (!link.ready) fail(lastError);
      else this.onLinkClosed(link, lastError);
    });

    loadPrivateKey(this.target).then((privateKey) => {
      if (failed || this.link !== link) return;
      const serverHostKey = hostKeyAlgorithmsFor(this.pins);
      // Our own socket, to turn Nagle off: with it on, each short exec round trip waits ~40 ms
      // for a delayed ACK. ssh2's readyTimeout still covers the TCP connect.
      const sock = connect({ host: this.target.host, port: this.target.port, noDelay: true });
      client.connect({
        sock,
        host: this.target.host,
        port: this.target.port,
        username: this.target.user,
        privateKey,
        readyTimeout: this.settings.connectTimeoutMs,
        keepaliveInterval: this.settings.keepaliveIntervalMs,
        keepaliveCountMax: this.settings.keepaliveCountMax,
        tryKeyboard: false,
        // Pinned, never trusted on first use: any key but the pinned one ends the handshake.
        hostVerifier: (key: Buffer) => {
          attempt.presentedKey = key;
          attempt.keyRefused = !matchesPin(this.pins, key);
          return !attempt.keyRefused;
        },
        ...(serverHostKey
          ? { algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] } }
          : {}),
      });
    }, fail);
  }

  private onLinkClosed(link: Link, lastError: unknown): void {
    clearTimeout(link.retryTimer);
    const current = this.link === link;
    if (current) this.link = undefined;
    const detail = lastError instanceof Error ? lastError.message : 'the server closed the connection';
    for (const job of link.running) {
      this.settle(job, new ConnectionLostError(this.target.name, job.argv, detail, { cause: lastError }));
    }
    link.running.clear();
    if (current) this.log?.warn({ err: detail }, 'ssh connection lost');
    this.pump();
  }

  private open(link: Link, job: Job): void {
    job.state = 'opening';
    link.opening = job;
    link.channels++;
    const openedAt = link.channels;
    const startedAt = performance.now();
    const opened = (error: Error | undefined, channel?: ClientChannel) => {
      link.opening = undefined;
      if (error || !channel) {
        link.channels--;
        this.onOpenFailed(link, job, openedAt, error);
      } else {
        link.peak = Math.max(link.peak, openedAt);
        this.attach(link, job, channel, startedAt);
      }
      this.pump();
    };
    try {
      link.client.exec(ANNOUNCE_PID + job.command, opened);
    } catch (error) {
      // ssh2 throws 'Not connected' when the socket is gone but its close has not been seen yet.
      opened(error as Error);
    }
  }

  private onOpenFailed(link: Link, job: Job, openedAt: number, error: Error | undefined): void {
    if (job.state === 'done') return;
    const message = error?.message ?? 'unknown error';
    const alive = this.link === link && link.ready;
    const neverSent = message === 'Not connected' || message === 'No response from server';
    if (!alive || neverSent) {
      if (this.link === link) {
        this.link = undefined;
        link.client.destroy();
      }
      if (neverSent && job.resends < MAX_RESENDS) {
        // The channel never opened, so nothing ran: safe to send again on a new connection.
        job.resends++;
        job.state = 'queued';
        this.queue.unshift(job);
        return;
      }
      this.settle(job, new ConnectionLostError(this.target.name, job.argv, message, { cause: error }));
      return;
    }
    job.refusals++;
    if (job.refusals >= MAX_REFUSALS) {
      this.settle(job, new ChannelOpenError(this.target.name, job.refusals, message, { cause: error }));
      return;
    }
    job.state = 'queued';
    this.queue.unshift(job);
    if (openedAt > link.peak && openedAt > 1) {
      // More at once than sshd ever accepted here: its MaxSessions is lower than our limit. Stay
      // at what it accepted; the job goes when a channel closes.
      this.log?.warn(
        { limit: openedAt - 1, was: link.limit, err: message },
        'sshd refused a channel; fewer at once',
      );
      link.limit = openedAt - 1;
    } else {
      // sshd has run this many before: a session it has not yet freed (it frees one only after
      // reading our close, possibly after our next open). Try again shortly.
      link.retryTimer = setTimeout(
        () => {
          link.retryTimer = undefined;
          this.pump();
        },
        25 * 2 ** (job.refusals - 1),
      );
    }
  }

  private attach(link: Link, job: Job, channel: ClientChannel, startedAt: number): void {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const pid = new PidAnnouncement();
    let code: number | null = null;
    let signal: string | null = null;
    let released = false;
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(grace);
      link.channels--;
      this.pump();
    };
    let grace: NodeJS.Timeout | undefined;

    const stop = (makeError?: (stdout: string, stderr: string) => SshError) => {
      link.running.delete(job);
      if (makeError) this.settle(job, makeError(text([...pid.unclaimed(), ...stdout]), text(stderr)));
      const remotePid = pid.value;
      if (remotePid !== undefined && this.link === link) this.killRemote(remotePid);
      else if (remotePid === undefined) pid.onValue((p) => this.link === link && this.killRemote(p));
      grace = setTimeout(release, CLOSE_GRACE_MS);
      grace.unref();
      try {
        channel.close();
      } catch {
        release();
      }
    };

    channel.on('data', (chunk: Buffer) => {
      const rest = pid.feed(chunk);
      if (rest) stdout.push(rest);
    });
    channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    channel.on('exit', (exitCode: number | null, signalName?: string) => {
      code = exitCode ?? null;
      signal = signalName ?? null;
    });
    channel.on('error', (error: Error) => this.log?.debug({ err: error.message }, 'ssh channel error'));
    channel.on('close', () => {
      if (job.state === 'done') {
        release();
        return;
      }
      link.running.delete(job);
      release();
      const result: CommandResult = {
        stdout: text([...pid.unclaimed(), ...stdout]),
        stderr: text(stderr),
        code,
        signal,
        durationMs: performance.now() - startedAt,
      };
      if (!job.internal) {
        this.log?.debug(
          { argv: job.argv, code, signal, ms: Math.round(result.durationMs) },
          'ssh command finished',
        );
      }
      const okCodes = job.options.okCodes ?? [0];
      this.settle(
        job,
        code !== null && okCodes.includes(code)
          ? result
          : new NonZeroExitError(this.target.name, job.argv, result),
      );
    });
    // Always end stdin, so a command that reads it sees EOF instead of waiting forever.
    if (job.options.stdin !== undefined) channel.end(job.options.stdin);
    else channel.end();

    if (job.state === 'done') {
      // Aborted or closed while its channel was opening: stop it as soon as it announces itself.
      stop();
      return;
    }
    job.state = 'running';
    link.running.add(job);
    job.stop = stop;
    const timeoutMs = job.options.timeoutMs ?? this.settings.commandTimeoutMs;
    const timer = setTimeout(
      () => stop((out, err) => new CommandTimeoutError(this.target.name, job.argv, timeoutMs, out, err)),
      timeoutMs,
    );
    const cleanup = job.cleanup;
    job.cleanup = () => {
      cleanup();
      clearTimeout(timer);
    };
  }

  /** Kills a command's process group on the host, ahead of the queue; failures are only logged. */
  private killRemote(pid: number): void {
    const argv = ['kill', '-s', 'KILL', '--', `-${pid}`];
    const job = newJob(
      argv,
      quoteArgv(argv),
      { timeoutMs: 10_000, okCodes: [0, 1] },
      true,
      () => this.log?.debug({ pid }, 'ssh killed a stopped command on the host'),
      (error) =>
        this.log?.warn({ pid, err: error.message }, 'ssh could not kill a stopped command on the host'),
    );
    this.queue.unshift(job);
    this.pump();
  }

  private abort(job: Job): void {
    const reason = job.options.signal?.reason;
    if (job.state === 'queued') {
      const at = this.queue.indexOf(job);
      if (at >= 0) this.queue.splice(at, 1);
      this.settle(job, new AbortedError(this.target.name, job.argv, false, { cause: reason }));
      this.pump();
    } else if (job.state === 'opening') {
      this.settle(job, new AbortedError(this.target.name, job.argv, false, { cause: reason }));
    } else if (job.state === 'running') {
      job.stop?.(() => new AbortedError(this.target.name, job.argv, true, { cause: reason }));
    }
  }

  private settle(job: Job, outcome: CommandResult | SshError): void {
    if (job.state === 'done') return;
    job.state = 'done';
    job.cleanup();
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  private armIdle(link: Link): void {
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.link !== link || link.channels > 0 || this.queue.length > 0) return;
      this.link = undefined;
      this.log?.info({ idleMs: this.settings.idleTimeoutMs }, 'ssh connection idle; closing');
      link.client.end();
    }, this.settings.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private disarmIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

function newJob(
  argv: readonly string[],
  command: string,
  options: RunOptions,
  internal: boolean,
  resolve: (result: CommandResult) => void,
  reject: (error: SshError) => void,
): Job {
  return {
    argv,
    command,
    options,
    internal,
    state: 'queued',
    refusals: 0,
    resends: 0,
    resolve,
    reject,
    cleanup: () => {},
  };
}

/**
 * Takes the `PID\n` line the shell prints before the command's own output. If the first line
 * is not a PID (a login shell that is not POSIX), it is left in the output untouched.
 */
class PidAnnouncement {
  value: number | undefined;
  private head: Buffer[] = [];
  private done = false;
  private listener: ((pid: number) => void) | undefined;

  /** Returns what belongs to the command's stdout. */
  feed(chunk: Buffer): Buffer | undefined {
    if (this.done) return chunk;
    this.head.push(chunk);
    const all = Buffer.concat(this.head);
    const newline = all.indexOf(0x0a);
    if (newline < 0 && all.length <= 12) {
      this.head = [all];
      return undefined;
    }
    this.done = true;
    this.head = [];
    const line = newline >= 0 ? all.subarray(0, newline).toString('latin1') : '';
    if (!/^\d{1,10}$/.test(line)) return all;
    this.value = Number(line);
    this.listener?.(this.value);
    return all.subarray(newline + 1);
  }

  /** Bytes held back while waiting for the first line, if the stream ended first. */
  unclaimed(): Buffer[] {
    return this.done ? [] : this.head;
  }

  onValue(listener: (pid: number) => void): void {
    this.listener = listener;
  }
}
