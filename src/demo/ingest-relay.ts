import { connect, createServer, type Socket } from 'node:net';

/**
 * Listens on the address and port the lab's mon sends alerts to (this machine's address on the
 * lab's segment) and passes each connection, byte for byte, to the bot's own port on
 * 127.0.0.1, where the ingest is served beside /slack/events. Binding only that address keeps
 * the demo beside other labs that use the same port on their own segment.
 */
export async function startIngestRelay(opts: {
  host: string;
  port: number;
  to: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(opts.to, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
