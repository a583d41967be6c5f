import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { IdFactory } from '../id-factory.js';
import type { DeliveryKind, LocalSlackEvent } from '../types.js';

/** A Socket Mode envelope as Slack sends it. */
export interface Envelope {
  envelope_id: string;
  type: DeliveryKind;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export type EnvelopeOutcome =
  | { kind: 'acked'; payload: unknown; ms: number }
  | { kind: 'timeout' }
  | { kind: 'no_connection' };

export interface SocketModeServerOptions {
  ids: IdFactory;
  appId: string;
  /** Whether the app has Socket Mode turned on; if not, connections get `link_disabled`. */
  enabled: boolean;
  pingIntervalMs: number;
  emit(event: LocalSlackEvent): void;
}

/** Slack accepts up to 10 open connections per app. */
const MAX_CONNECTIONS = 10;
/** A URL from apps.connections.open is good for one connection, soon. */
const TICKET_TTL_MS = 30_000;
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface Connection {
  id: number;
  pinger: NodeJS.Timeout;
}

/**
 * Socket Mode's WebSocket side: single-use URLs from apps.connections.open, `hello` on
 * connect, envelopes with `envelope_id` sent to one open connection, acks
 * (`{ envelope_id, payload }`) matched back, Slack's ping frames, and `disconnect` messages.
 */
export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly tickets = new Map<string, number>();
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly pending = new Map<
    string,
    { ack(payload: unknown): void; timer: NodeJS.Timeout; expire(): void }
  >();
  private nextId = 1;
  private turn = 0;
  enabled: boolean;

  constructor(private readonly options: SocketModeServerOptions) {
    this.enabled = options.enabled;
  }

  /** A fresh `ws://…/link/?ticket=…` URL, as apps.connections.open returns. */
  issueUrl(baseUrl: string): string {
    const ticket = this.options.ids.ticket();
    this.tickets.set(ticket, Date.now());
    const url = new URL('link/', baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    url.searchParams.set('app_id', this.options.appId);
    return url.toString();
  }

  /** Takes a WebSocket upgrade for `/link/`; refuses unknown, used or stale tickets. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (url.pathname !== '/link/' && url.pathname !== '/link') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (issued === undefined || Date.now() - issued > TICKET_TTL_MS) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    if (!this.enabled) {
      this.sendJson(ws, this.disconnectMessage('link_disabled'));
      ws.close(1000);
      return;
    }
    if (this.connections.size >= MAX_CONNECTIONS) {
      this.sendJson(ws, this.disconnectMessage('too_many_websockets'));
      ws.close(1000);
      return;
    }
    const connection: Connection = {
      id: this.nextId++,
      pinger: setInterval(() => {
        if (ws.readyState === ws.OPEN) ws.ping(`ping-${Date.now()}`);
      }, this.options.pingIntervalMs),
    };
    this.connections.set(ws, connection);
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('close', () => {
      clearInterval(connection.pinger);
      if (this.connections.delete(ws)) {
        this.options.emit({ type: 'socket', state: 'disconnected', connections: this.connections.size });
      }
    });
    this.sendJson(ws, {
      type: 'hello',
      num_connections: this.connections.size,
      debug_info: {
        host: `applink-local-${connection.id}`,
        build_number: 1,
        approximate_connection_time: 18060,
      },
      connection_info: { app_id: this.options.appId },
    });
    this.options.emit({ type: 'socket', state: 'connected', connections: this.connections.size });
  }

  /** Acks are `{ envelope_id, payload? }`; anything else is ignored, as Slack does. */
  private receive(data: unknown, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { envelope_id: envelopeId, payload } = message as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const waiting = this.pending.get(envelopeId);
    if (waiting) {
      this.pending.delete(envelopeId);
      waiting.ack(payload);
    }
  }

  private disconnectMessage(reason: string): Record<string, unknown> {
    return {
      type: 'disconnect',
      reason,
      num_connections: this.connections.size,
      debug_info: { host: 'applink-local' },
      connection_info: { app_id: this.options.appId },
    };
  }

  private sendJson(ws: WebSocket, message: unknown): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  count(): number {
    return this.connections.size;
  }

  /** Sends the envelope to one open connection and waits for its ack until the deadline. */
  send(envelope: Envelope, deadlineMs: number): Promise<EnvelopeOutcome> {
    const open = [...this.connections.keys()].filter((ws) => ws.readyState === ws.OPEN);
    if (open.length === 0) return Promise.resolve({ kind: 'no_connection' });
    const ws = open[this.turn++ % open.length] as WebSocket;
    const started = performance.now();
    return new Promise((resolve) => {
      const expire = (): void => {
        clearTimeout(timer);
        this.pending.delete(envelope.envelope_id);
        resolve({ kind: 'timeout' });
      };
      const timer = setTimeout(expire, deadlineMs);
      this.pending.set(envelope.envelope_id, {
        timer,
        expire,
        ack: (payload) => {
          clearTimeout(timer);
          resolve({ kind: 'acked', payload, ms: performance.now() - started });
        },
      });
      this.sendJson(ws, envelope);
    });
  }

  /** Cuts every connection without a close frame. */
  drop(): void {
    for (const ws of this.connections.keys()) ws.terminate();
  }

  /** Asks every connection to reconnect, with Slack's `disconnect` message. */
  disconnect(reason: string): void {
    for (const ws of this.connections.keys()) this.sendJson(ws, this.disconnectMessage(reason));
  }

  close(): void {
    for (const waiting of [...this.pending.values()]) waiting.expire();
    for (const [ws, connection] of this.connections) {
      clearInterval(connection.pinger);
      ws.terminate();
    }
    this.connections.clear();
    this.wss.close();
  }
}
