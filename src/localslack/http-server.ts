import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The local Slack's one HTTP server: routes by path prefix, answers 404 elsewhere, and never
 * lets a handler's failure (or a client's garbage) take the process down.
 */
export class HttpServer {
  private readonly server: Server;
  private readonly routes: Array<{ prefix: string; handler: RequestHandler }> = [];
  private readonly sockets = new Set<Socket>();
  private upgrade: UpgradeHandler | undefined;

  constructor() {
    this.server = createServer((req, res) => this.dispatch(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      try {
        if (this.upgrade) this.upgrade(req, socket, head);
        else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      } catch {
        socket.destroy();
      }
    });
  }

  /** Routes requests whose path starts with `prefix` (longest prefix wins; a prefix given again is replaced). */
  route(prefix: string, handler: RequestHandler): void {
    const existing = this.routes.findIndex((r) => r.prefix === prefix);
    if (existing >= 0) this.routes.splice(existing, 1);
    this.routes.push({ prefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  onUpgrade(handler: UpgradeHandler): void {
    this.upgrade = handler;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const route = this.routes.find((r) => url.pathname.startsWith(r.prefix));
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    const fail = (): void => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal_error');
    };
    try {
      Promise.resolve(route.handler(req, res, url)).catch(fail);
    } catch {
      fail();
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
