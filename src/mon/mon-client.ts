import { connect, type Socket } from 'node:net';
import {
  type MonDisabled,
  type MonReply,
  type MonServiceRef,
  type MonServiceStatus,
  parseListDisabledReply,
  parseListWatchReply,
  parseMonReply,
  parseOpstatusReply,
} from '../core/mon/index.js';
import { MonClientError } from './mon-client-error.js';

export interface MonClientOptions {
  host: string;
  port: number;
  /** Set when mon's auth.cf asks for a login. */
  user?: string;
  password?: string;
  /** Connect and per-command timeout. */
  timeoutMs?: number;
}

/** mon's names (groups, services): what its config accepts, and nothing a line could hide in. */
const NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const STATUS_LINE = /^[25]\d\d /m;

function checkName(what: string, value: string): void {
  if (!NAME.test(value)) {
    throw new MonClientError(
      'MON_BAD_ARGUMENT',
      `${what} ${JSON.stringify(value.slice(0, 60))} is not a mon name`,
      false,
    );
  }
}

/**
 * A comment travels on one protocol line as one quoted word: mon keeps only the first
 * shell-style word of it (Text::ParseWords), so it is sent in double quotes, without control
 * characters, quotes or backslashes, and bounded in length.
 */
function quoteComment(text: string): string {
  const clean = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/["\\]/g, "'")
    .trim()
    .slice(0, 300);
  return `"${clean || '-'}"`;
}

/**
 * mon's client protocol on TCP 2583: one command per line, the reply
 * ends with a `2xx`/`5xx` status line, and commands are never pipelined — mon reads one
 * buffered line per wakeup, so each command waits for the previous reply.
 */
export class MonClient {
  private buffer = '';
  private waiting: { resolve: (text: string) => void; reject: (err: Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Required<Pick<MonClientOptions, 'timeoutMs'>> & MonClientOptions,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) =>
      this.fail(new MonClientError('MON_CONNECTION', `mon at ${this.where}: ${err.message}`, true)),
    );
    socket.on('close', () => {
      this.closed = true;
      this.fail(new MonClientError('MON_CONNECTION', `mon at ${this.where} closed the connection`, true));
    });
  }

  get where(): string {
    return `${this.opts.host}:${this.opts.port}`;
  }

  static async connect(options: MonClientOptions): Promise<MonClient> {
    const opts = { timeoutMs: 5000, ...options };
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: opts.host, port: opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          new MonClientError(
            'MON_TIMEOUT',
            `mon at ${opts.host}:${opts.port} did not accept a connection in ${opts.timeoutMs} ms`,
            true,
          ),
        );
      }, opts.timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new MonClientError(
            'MON_CONNECTION',
            `cannot reach mon at ${opts.host}:${opts.port}: ${err.message}`,
            true,
          ),
        );
      });
    });
    const client = new MonClient(socket, opts);
    if (opts.user !== undefined) {
      checkName('user', opts.user);
      const password = opts.password ?? '';
      if (/\s/.test(password)) {
        client.close();
        throw new MonClientError(
          'MON_BAD_ARGUMENT',
          'a mon password cannot contain whitespace (mon splits the login line on it)',
          false,
        );
      }
      const reply = await client.raw(`login ${opts.user} ${password}`);
      if (!reply.status.ok) {
        client.close();
        throw new MonClientError(
          'MON_AUTH',
          `mon at ${client.where} refused the login for ${opts.user}: ${reply.status.text}`,
          false,
        );
      }
    }
    return client;
  }

  /** Sends one command and resolves to mon's reply (a 5xx status is a reply, not an error). */
  raw(line: string): Promise<MonReply> {
    if (line.includes('\n') || line.includes('\r')) {
      return Promise.reject(new MonClientError('MON_BAD_ARGUMENT', 'a mon command is one line', false));
    }
    const run = this.queue.then(() => this.send(line));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async ack(group: string, service: string, comment: string): Promise<MonReply> {
    checkName('group', group);
    checkName('service', service);
    return this.raw(`ack ${group} ${service} ${quoteComment(comment)}`);
  }

  async disableService(group: string, service: string): Promise<MonReply> {
    checkName('group', group);
    checkName('service', service);
    return this.raw(`disable service ${group} ${service}`);
  }

  async enableService(group: string, service: string): Promise<MonReply> {
    checkName('group', group);
    checkName('service', service);
    return this.raw(`enable service ${group} ${service}`);
  }

  async disableWatch(group: string): Promise<MonReply> {
    checkName('group', group);
    return this.raw(`disable watch ${group}`);
  }

  async enableWatch(group: string): Promise<MonReply> {
    checkName('group', group);
    return this.raw(`enable watch ${group}`);
  }

  async opstatus(): Promise<MonServiceStatus[]> {
    return this.parsed('list opstatus', parseOpstatusReply);
  }

  async disabled(): Promise<MonDisabled> {
    return this.parsed('list disabled', parseListDisabledReply);
  }

  async watches(): Promise<MonServiceRef[]> {
    return this.parsed('list watch', parseListWatchReply);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end('quit\n');
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private async parsed<T>(
    command: string,
    parse: (text: string) => { ok: true; value: T } | { ok: false; error: { message: string } },
  ): Promise<T> {
    const text = await this.send(command, true);
    const r = parse(text);
    if (!r.ok)
      throw new MonClientError(
        'MON_REPLY',
        `mon at ${this.where} answered '${command}' with: ${r.error.message}`,
        false,
      );
    return r.value;
  }

  private send(line: string, rawText?: false): Promise<MonReply>;
  private send(line: string, rawText: true): Promise<string>;
  private send(line: string, rawText = false): Promise<MonReply | string> {
    if (this.closed)
      return Promise.reject(new MonClientError('MON_CONNECTION', `mon at ${this.where} is closed`, true));
    return new Promise<MonReply | string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(
          new MonClientError(
            'MON_TIMEOUT',
            `mon at ${this.where} did not answer '${line.split(' ')[0]}' in ${this.opts.timeoutMs} ms`,
            true,
          ),
        );
        this.socket.destroy();
      }, this.opts.timeoutMs);
      this.waiting = {
        resolve: (text) => {
          clearTimeout(timer);
          if (rawText) return resolve(text);
          const reply = parseMonReply(text);
          if (reply.ok) resolve(reply.value);
          else reject(new MonClientError('MON_REPLY', `mon at ${this.where}: ${reply.error.message}`, false));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.socket.write(`${line}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    // A reply is complete at the first full status line.
    const lines = this.buffer.split('\n');
    for (let i = 0; i < lines.length - 1; i++) {
      if (STATUS_LINE.test(lines[i]!)) {
        const text = `${lines.slice(0, i + 1).join('\n')}\n`;
        this.buffer = lines.slice(i + 1).join('\n');
        const w = this.waiting;
        this.waiting = undefined;
        w?.resolve(text);
        return;
      }
    }
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}
