import type { Logger } from 'pino';
import { parseHostKeyPins } from '../core/host-key-pin.js';
import type { CommandResult } from './command-result.js';
import type { CommandRunner } from './command-runner.js';
import { ExecutorClosedError } from './errors/executor-closed-error.js';
import { HostKeyPinError } from './errors/host-key-pin-error.js';
import { InvalidArgvError } from './errors/invalid-argv-error.js';
import { HostConnection } from './host-connection.js';
import { quoteArgv } from './quote.js';
import type { RunOptions } from './run-options.js';
import { formatAddress, type SshTarget } from './target.js';

export interface SshExecutorOptions {
  /** Commands at once on one connection; more wait in a queue. OpenSSH's MaxSessions is 10. Default 8. */
  maxChannelsPerConnection?: number;
  /** TCP connect, handshake and authentication together. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default per-command timeout (RunOptions.timeoutMs overrides it). Default 60 s. */
  commandTimeoutMs?: number;
  /** SSH keepalive: a peer that answers none of `keepaliveCountMax` probes is dropped. Default 10 s × 3. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** A connection with nothing to do for this long is closed (and reopened on demand). Default 60 s. */
  idleTimeoutMs?: number;
  /** Connects, drops and finished commands are logged here (argv at debug); keys never are. */
  logger?: Logger;
}

export const SSH_EXECUTOR_DEFAULTS = {
  maxChannelsPerConnection: 8,
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 60_000,
  keepaliveIntervalMs: 10_000,
  keepaliveCountMax: 3,
  idleTimeoutMs: 60_000,
} as const;

/**
 * Runs argv on SSH targets over one pooled connection per target, with pinned host keys.
 * `run` rejects only with SshError subclasses, each saying whether a retry may help.
 */
export class SshExecutor implements CommandRunner {
  private readonly connections = new Map<string, HostConnection>();
  private readonly settings;
  private closed = false;

  constructor(options: SshExecutorOptions = {}) {
    const { logger, ...rest } = options;
    const s = { ...SSH_EXECUTOR_DEFAULTS, ...rest };
    if (!Number.isInteger(s.maxChannelsPerConnection) || s.maxChannelsPerConnection < 1) {
      throw new RangeError(
        `maxChannelsPerConnection must be a positive integer, got ${s.maxChannelsPerConnection}`,
      );
    }
    this.settings = {
      maxChannels: s.maxChannelsPerConnection,
      connectTimeoutMs: s.connectTimeoutMs,
      commandTimeoutMs: s.commandTimeoutMs,
      keepaliveIntervalMs: s.keepaliveIntervalMs,
      keepaliveCountMax: s.keepaliveCountMax,
      idleTimeoutMs: s.idleTimeoutMs,
      logger: logger?.child({ component: 'ssh' }),
    };
  }

  /**
   * Runs `argv` on the target: quoted by `quoteArgv`, so every element reaches the program as
   * exactly one argument. Resolves when the command exits with one of `okCodes`.
   */
  async run(target: SshTarget, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (this.closed) throw new ExecutorClosedError(target.name, argv);
    let command: string;
    try {
      command = quoteArgv(argv);
    } catch (error) {
      if (error instanceof InvalidArgvError) throw new InvalidArgvError(error.problem, target.name);
      throw error;
    }
    return this.connectionFor(target).run(argv, command, options);
  }

  /** Ends every connection; queued and running commands fail with ExecutorClosedError. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  private connectionFor(target: SshTarget): HostConnection {
    // A different pin or key for the same address is a different connection: never share a verified one.
    const keyId =
      typeof target.privateKey === 'string' ? target.privateKey : target.privateKey.toString('base64');
    const id = [
      target.name,
      target.user,
      formatAddress(target.host, target.port),
      target.hostKey,
      keyId,
    ].join('\n');
    let connection = this.connections.get(id);
    if (!connection) {
      const pins = parseHostKeyPins(typeof target.hostKey === 'string' ? target.hostKey : '');
      if (!pins.ok) throw new HostKeyPinError(target.name, pins.error);
      connection = new HostConnection(target, pins.value, this.settings);
      this.connections.set(id, connection);
    }
    return connection;
  }
}
