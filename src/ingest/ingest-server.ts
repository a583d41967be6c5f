import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIngestHandler, type IngestHandler, type IngestHandlerOptions } from './ingest-handler.js';
import { guardedRoutes, guardRoutes } from './route-guard.js';

export interface ListenOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

export type IngestServerOptions = IngestHandlerOptions & ListenOptions;

export interface IngestServer {
  server: Server;
  handler: IngestHandler;
  port: number;
  /** `http://HOST:PORT`, what senders take as LVS_CHATOPS_URL. */
  url: string;
  close(): Promise<void>;
}

/**
 * The ingest on a plain node:http server, until the bot mounts the same handler in Bolt's
 * HTTPReceiver. Every other path answers 404 (guardRoutes: before any body is read).
 */
export function startIngestServer(opts: IngestServerOptions): Promise<IngestServer> {
  return serveIngest(createIngestHandler(opts), opts);
}

/** Serves an existing ingest handler on its own HTTP server. */
export async function serveIngest(handler: IngestHandler, opts: ListenOptions): Promise<IngestServer> {
  const server = createServer(
    guardRoutes(guardedRoutes(handler.routes), (req, res) => {
      void handler(req, res);
    }),
  );
  // Senders keep connections open between alerts; a slow or silent client must not hold one forever.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 30_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    handler,
    port,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
