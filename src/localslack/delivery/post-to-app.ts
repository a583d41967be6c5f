import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type PostOutcome =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: string; ms: number }
  | { kind: 'timeout' }
  | { kind: 'failed'; reason: string };

const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * POSTs to the app's request URL and waits for its full answer until `deadlineMs`, after
 * which Slack stops listening. A fresh connection each time (no keep-alive), as Slack's
 * dispatchers are not the app's friends.
 */
export function postToApp(
  url: string,
  headers: Record<string, string>,
  body: string,
  deadlineMs: number,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const settle = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ kind: 'failed', reason: `invalid request URL ${url}` });
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout' });
      req.destroy();
    }, deadlineMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('end', () =>
        settle({
          kind: 'answered',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - started,
        }),
      );
      res.on('error', (error) => settle({ kind: 'failed', reason: error.message }));
    });
    req.on('error', (error) => settle({ kind: 'failed', reason: error.message }));
    req.end(body);
  });
}
