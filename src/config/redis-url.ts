import type { Result } from '../core/result.js';
import { maskUrlCredentials } from '../log/mask-url-credentials.js';

/**
 * Where REDIS_URL says the Redis is: one server (the `redis://host:port/db` form, handed to
 * ioredis as it is), a Sentinel set that names the primary, or a Redis Cluster.
 *
 *   redis://[[user]:password@]host[:port][/db]                 one server (rediss:// for TLS)
 *   redis-sentinel://[[user]:password@]host[:port][,host[:port]…]/primary[?db=N&sentinelPassword=…]
 *   redis-cluster://[[user]:password@]host[:port][,host[:port]…]
 *
 * The password of a Sentinel URL is the data nodes' one (requirepass); the Sentinels' own, if
 * they have one, is `sentinelPassword` (and `sentinelUsername`). `rediss-sentinel://` and
 * `rediss-cluster://` use TLS. Sentinels listen on 26379 unless told; the rest on 6379.
 */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      /** The primary's name in the Sentinels' configuration (`sentinel monitor NAME …`). */
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

export interface RedisNode {
  host: string;
  port: number;
}

export const REDIS_URL_FORMS = [
  'redis://[:password@]host[:port][/db]',
  'redis-sentinel://[:password@]host[:port][,host[:port]…]/primary-name[?db=N]',
  'redis-cluster://[:password@]host[:port][,host[:port]…]',
];

const SHAPE = /^([a-z-]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;

/** Parses REDIS_URL; the error says what is wrong and which forms are understood. */
export function parseRedisUrl(raw: string): Result<RedisTarget, string> {
  const url = raw.trim();
  const scheme = /^([a-z-]+):\/\//.exec(url)?.[1];
  if (scheme === 'redis' || scheme === 'rediss') return standalone(url);
  const m = SHAPE.exec(url);
  if (!m || scheme === undefined) return fail(`'${redact(url)}' is not a Redis URL`);
  const [, , userinfo, hostPart = '', path = '', query = ''] = m;
  switch (scheme) {
    case 'redis-sentinel':
    case 'rediss-sentinel':
      return sentinel(scheme, userinfo, hostPart, path, query);
    case 'redis-cluster':
    case 'rediss-cluster':
      return cluster(scheme, userinfo, hostPart, path, query);
    default:
      return fail(`unknown scheme '${scheme}://'`);
  }
}

/** The form ioredis itself reads (a WHATWG URL), so every URL that worked before still does. */
function standalone(url: string): Result<RedisTarget, string> {
  if (/^rediss?:\/\/[^/?#]*,/.test(url)) {
    return fail(
      'redis:// names one server; for several, name a Sentinel set (redis-sentinel://) or a Cluster (redis-cluster://)',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`'${redact(url)}' is not a Redis URL`);
  }
  if (parsed.port !== '' && Number(parsed.port) === 0) return fail('port 0 is not a Redis port');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !isDb(db)) return fail(`the database '${db}' is not a number from 0 to 15`);
  return { ok: true, value: { kind: 'standalone', url } };
}

function sentinel(
  scheme: string,
  userinfo: string | undefined,
  hostPart: string,
  path: string,
  query: string,
): Result<RedisTarget, string> {
  const sentinels = parseHosts(hostPart, 26379);
  if (!sentinels.ok) return sentinels;
  const name = decode(path.replace(/^\//, ''));
  if (name === undefined || name === '' || name.includes('/')) {
    return fail(
      `${scheme}:// needs the primary's name as set in the Sentinels' configuration, e.g. ${scheme}://host:26379/mymaster`,
    );
  }
  const params = parseQuery(query, ['db', 'sentinelUsername', 'sentinelPassword']);
  if (!params.ok) return params;
  const db = params.value.db ?? '0';
  if (!isDb(db)) return fail(`db=${db} is not a number from 0 to 15`);
  const auth = parseUserinfo(userinfo);
  if (!auth.ok) return auth;
  return {
    ok: true,
    value: {
      kind: 'sentinel',
      sentinels: sentinels.value,
      name,
      db: Number(db),
      ...auth.value,
      ...(params.value.sentinelUsername && { sentinelUsername: params.value.sentinelUsername }),
      ...(params.value.sentinelPassword && { sentinelPassword: params.value.sentinelPassword }),
      tls: scheme.startsWith('rediss'),
    },
  };
}

function cluster(
  scheme: string,
  userinfo: string | undefined,
  hostPart: string,
  path: string,
  query: string,
): Result<RedisTarget, string> {
  const nodes = parseHosts(hostPart, 6379);
  if (!nodes.ok) return nodes;
  if (path !== '' && path !== '/' && path !== '/0') {
    return fail(`a Redis Cluster has only database 0; remove '${path}' from the ${scheme}:// URL`);
  }
  const params = parseQuery(query, []);
  if (!params.ok) return params;
  const auth = parseUserinfo(userinfo);
  if (!auth.ok) return auth;
  return {
    ok: true,
    value: { kind: 'cluster', nodes: nodes.value, ...auth.value, tls: scheme.startsWith('rediss') },
  };
}

function parseHosts(part: string, defaultPort: number): Result<RedisNode[], string> {
  if (part === '') return fail('no host: name at least one host[:port]');
  const nodes: RedisNode[] = [];
  for (const item of part.split(',')) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/.exec(item);
    if (!m) return fail(`'${item}' is not host[:port]`);
    const port = m[3] === undefined ? defaultPort : Number(m[3]);
    if (port < 1 || port > 65535) return fail(`the port of '${item}' is not from 1 to 65535`);
    nodes.push({ host: (m[1] ?? m[2]) as string, port });
  }
  return { ok: true, value: nodes };
}

function parseUserinfo(
  userinfo: string | undefined,
): Result<{ username?: string; password?: string }, string> {
  if (userinfo === undefined || userinfo === '') return { ok: true, value: {} };
  const colon = userinfo.indexOf(':');
  // `secret@` alone is a password, as ioredis reads redis://secret@host.
  const user = colon < 0 ? '' : decode(userinfo.slice(0, colon));
  const password = decode(colon < 0 ? userinfo : userinfo.slice(colon + 1));
  if (user === undefined || password === undefined) return fail('the user or password is not URL-encoded');
  return { ok: true, value: { ...(user && { username: user }), ...(password && { password }) } };
}

function parseQuery(query: string, known: string[]): Result<Record<string, string>, string> {
  const out: Record<string, string> = {};
  for (const pair of query.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (!known.includes(key)) {
      return fail(
        known.length === 0
          ? `unknown parameter '${key}': this form takes none`
          : `unknown parameter '${key}'; known: ${known.join(', ')}`,
      );
    }
    if (value === undefined || value === '') return fail(`the parameter '${key}' has no value`);
    out[key] = value;
  }
  return { ok: true, value: out };
}

function isDb(s: string): boolean {
  return /^\d{1,2}$/.test(s) && Number(s) <= 15;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return maskUrlCredentials(url);
}

function fail<T>(why: string): Result<T, string> {
  return { ok: false, error: `${why}; REDIS_URL takes one of: ${REDIS_URL_FORMS.join(' | ')}` };
}
