import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries `Bearer TOKEN`. The comparison takes the same time
 * whatever the header holds: both sides are hashed first, so neither a prefix nor the
 * token's length leaks through timing.
 */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  const given = match?.[1] ?? '';
  const a = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, digestOf(token)) && given.length > 0;
}

let cached: { token: string; digest: Buffer } | undefined;

/** The expected token's digest, computed once (the token does not change while we run). */
function digestOf(token: string): Buffer {
  if (cached?.token !== token) cached = { token, digest: createHash('sha256').update(token).digest() };
  return cached.digest;
}
