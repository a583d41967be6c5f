import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { IngestError } from './ingest-error.js';

/** A path the HTTP server answers, and the methods it takes there. */
export interface GuardedRoute {
  path: string;
  methods: readonly string[];
}

/** Routes as Bolt's `customRoutes` (and the ingest's `routes`) spell them. */
export function guardedRoutes(
  routes: readonly { path: string; method: string | string[] }[],
): GuardedRoute[] {
  return routes.map((r) => ({ path: r.path, methods: [r.method].flat().map((m) => m.toUpperCase()) }));
}

/**
 * How much of a body is read and dropped when a request is refused before its body is read.
 * Closing a connection with unread data resets it, and a client still sending may lose the
 * answer with it (the 404 or 413 it should see); reading a little lets a client that reads as
 * it sends get the answer. Past this, the connection is cut.
 */
export const LINGER_BYTES = 256 * 1024;

/**
 * For a request answered without its body: reads and drops the rest of the body, at most
 * LINGER_BYTES, then cuts the connection. A body that ends within them leaves the connection
 * open for the next request. (Left alone, Node would read the whole body after the answer.)
 */
export function dropBody(req: IncomingMessage): void {
  if (req.complete) return;
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) req.socket.destroy();
  });
  req.resume();
}

/** Bolt's own limit on a Slack request body (Slack's requests are far smaller); the ingest's is lower. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The HTTP server's front door, in front of every route (Bolt's `/slack/events`, the ingest's
 * `/hooks/*`, `/healthz`, `/metrics`). It decides on the request line and headers alone, before
 * any body is read:
 * - a path not spelled exactly as a route is 404. That includes spellings that normalise to
 *   a route (`/x/../slack/events`, `/slack/%2e/events`, `//slack/events`, `/slack/events/`,
 *   `/Slack/Events`, `http://host/slack/events`): the routers behind us read paths each their own
 *   way (Bolt resolves dot segments and percent-encoded dots, and matches custom routes
 *   ignoring case and a trailing slash), and a spelling one of them took for a route while the
 *   checks in front of it did not is how requests reached Bolt unchecked. Refusing them is
 *   simpler than proving every reader normalises alike; no sender of ours spells a path so.
 *   The query string is not part of the path (Bolt ignores it too).
 * - a method the route does not take is 405.
 * - a declared body larger than `maxBodyBytes` is 413. A body without a length is bounded by
 *   the route's own reader (the Slack guard's, the ingest's `readBody`).
 * After these answers at most LINGER_BYTES of the body are read (and dropped), then the
 * connection is cut (dropBody).
 */
export function guardRoutes(
  routes: readonly GuardedRoute[],
  next: RequestListener,
  maxBodyBytes: number = MAX_BODY_BYTES,
): RequestListener {
  return (req, res) => {
    const target = req.url ?? '';
    const query = target.indexOf('?');
    const path = query >= 0 ? target.slice(0, query) : target;
    const method = req.method ?? '';
    const route = routes.find((r) => r.path === path);
    if (!route) return refuse(req, res, notFound(routes, method, path));
    if (!route.methods.includes(method)) {
      return refuse(
        req,
        res,
        new IngestError('method_not_allowed', `${path} takes ${route.methods.join(' or ')}`, [
          `method: ${method} is not ${route.methods.join(' or ')}`,
        ]),
        { allow: route.methods.join(', ') },
      );
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return refuse(
        req,
        res,
        new IngestError('body_too_large', `the body is larger than ${maxBodyBytes} bytes`, [
          `content-length: ${declared} is over ${maxBodyBytes}`,
        ]),
      );
    }
    // Routes taking GET answer without reading a body; Node would then read one to its end.
    if (method === 'GET' || method === 'HEAD') dropBody(req);
    return next(req, res);
  };
}

/**
 * The path as a resolving router reads it: percent-encoded unreserved characters decoded
 * (`%2e` is `.`), `\` as `/`, `.` and `..` segments resolved, empty segments and a trailing
 * slash dropped. `%2F` stays encoded: it is not a separator.
 */
export function normalisePath(path: string): string {
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(char) ? char : encoded.toUpperCase();
  });
  const segments: string[] = [];
  for (const segment of decoded.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

function notFound(routes: readonly GuardedRoute[], method: string, path: string): IngestError {
  const paths = routes.map((r) => r.path).join(', ');
  const shown = JSON.stringify(path.slice(0, 200));
  const meant = path.startsWith('/')
    ? routes.find((r) => r.path.toLowerCase() === normalisePath(path).toLowerCase())
    : undefined;
  if (meant) {
    return new IngestError(
      'not_found',
      `${shown} is not how ${meant.path} is spelled; send it to ${meant.path}`,
      [
        `path: only the exact spelling ${meant.path} is served (no dot segments, escapes, doubled or trailing slashes, other case)`,
      ],
    );
  }
  return new IngestError('not_found', `no ${method} ${shown} here; try ${paths}`);
}

function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: IngestError,
  headers: Record<string, string> = {},
): void {
  dropBody(req);
  res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(refusal.toJSON()));
}
