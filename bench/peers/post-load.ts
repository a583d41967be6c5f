import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** From the first request sent to the last answer received. */
  ms: number;
  /** Answers by HTTP status (0: no answer, the connection failed). */
  statuses: Map<number, number>;
  /** The first few answers that were not 2xx, for the log. */
  refusals: string[];
  /** Per body, in order: whether it was answered 2xx. */
  ok: boolean[];
}

/**
 * POSTs every body to `url`, `concurrency` clients at once, each on its own kept-alive
 * connection, as fast as the server answers. The same client for every peer, so the
 * figures differ only by the server.
 */
export async function postAll(
  url: string,
  bodies: readonly string[],
  opts: { concurrency: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const statuses = new Map<number, number>();
  const refusals: string[] = [];
  const ok = bodies.map(() => false);
  let next = 0;
  const one = (body: string, index: number) =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...opts.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            ok[index] = status >= 200 && status <= 299;
            if ((status < 200 || status > 299) && refusals.length < 5) {
              refusals.push(`${status} ${Buffer.concat(chunks).toString().slice(0, 300)}`);
            }
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        if (refusals.length < 5) refusals.push(`no answer: ${err.message}`);
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < bodies.length) {
        const index = next++;
        await one(bodies[index]!, index);
      }
    }),
  );
  const ms = performance.now() - t0;
  agent.destroy();
  return { ms, statuses, refusals, ok };
}

/** How many answers had a 2xx status. */
export function accepted(result: LoadResult): number {
  let n = 0;
  for (const [status, count] of result.statuses) if (status >= 200 && status <= 299) n += count;
  return n;
}

export function describeStatuses(result: LoadResult): string {
  return [...result.statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, c]) => `${c}×${s || 'no answer'}`)
    .join(', ');
}
