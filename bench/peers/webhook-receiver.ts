import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Counts what Alertmanager's webhook notifier delivered. */
export interface WebhookReceiver {
  url: string;
  /** Webhook POSTs received: one per notification Alertmanager sent. */
  notifications(): number;
  /** Alerts listed in those notifications, repeats included. */
  alerts(): number;
  /** Host numbers (web-N, the `group` label) that appeared in some notification. */
  hosts(): ReadonlySet<number>;
  /** When (Date.now()) the latest notification arrived, and when the last new host showed up. */
  lastAt(): number | undefined;
  lastNewHostAt(): number | undefined;
  close(): Promise<void>;
}

interface WebhookPayload {
  alerts?: { labels?: Record<string, string> }[];
}

/**
 * A webhook receiver on loopback, as a team would point Alertmanager at their chat bridge.
 * It answers 200 at once and counts notifications, the alerts in them and the hosts named.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let notifications = 0;
  let alerts = 0;
  let lastAt: number | undefined;
  let lastNewHostAt: number | undefined;
  const hosts = new Set<number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      notifications++;
      lastAt = Date.now();
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString()) as WebhookPayload;
        for (const alert of payload.alerts ?? []) {
          alerts++;
          const n = /^web-(\d+)$/.exec(alert.labels?.group ?? '')?.[1];
          if (n !== undefined && !hosts.has(Number(n))) {
            hosts.add(Number(n));
            lastNewHostAt = lastAt;
          }
        }
      } catch {}
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alertmanager`,
    notifications: () => notifications,
    alerts: () => alerts,
    hosts: () => hosts,
    lastAt: () => lastAt,
    lastNewHostAt: () => lastNewHostAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
