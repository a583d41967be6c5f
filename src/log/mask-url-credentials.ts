/**
 * The credentials of every URL in a text, masked: the password of `scheme://user:password@host`
 * becomes `***`, and so does the value of a query parameter that names a secret
 * (`?sentinelPassword=…`, `?access_token=…`).
 *
 * The URL is read as WHATWG's parser (and so ioredis, which uses it) reads it, not guessed by a
 * pattern: the authority runs from `//` to the first `/`, `?` or `#`, and the credentials are
 * everything before its LAST `@`, so `redis://:p@ss@host` and `redis://:a"b@host` mask the
 * whole password. In free text a URL also ends at whitespace (a password with a space must be
 * percent-encoded to be read anywhere but from a URL alone on its line).
 */
export function maskUrlCredentials(text: string): string {
  const edits: Edit[] = [];
  for (const m of text.matchAll(SCHEME)) {
    const scheme = m[1] as string;
    const start = (m.index as number) + m[0].length;
    const authorityEnd = indexOfAny(text, start, AUTHORITY_END);
    const at = text.lastIndexOf('@', authorityEnd - 1);
    if (at >= start) edits.push(userinfoEdit(scheme, start, text.slice(start, at)));
    edits.push(...queryEdits(text, authorityEnd));
  }
  return apply(text, edits);
}

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

// The character before a scheme is not one a scheme may hold, so `xredis://` is not `redis://`.
const SCHEME = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*):\/\//g;
const AUTHORITY_END = /[/?#\s]/;
const QUERY_END = /[#\s]/;
// ioredis reads a lone userinfo (redis://secret@host) as the password.
const LONE_USERINFO_IS_PASSWORD = /^rediss?(?:-sentinel|-cluster)?$/i;
const SECRET_PARAM = /pass|secret|token|key|auth/i;

function userinfoEdit(scheme: string, start: number, userinfo: string): Edit {
  const colon = userinfo.indexOf(':');
  if (colon >= 0) return { start: start + colon + 1, end: start + userinfo.length, replacement: '***' };
  if (LONE_USERINFO_IS_PASSWORD.test(scheme))
    return { start, end: start + userinfo.length, replacement: '***' };
  return { start, end: start, replacement: '' };
}

/** The values of secret-named parameters of the query that may follow `from` (the path's start). */
function queryEdits(text: string, from: number): Edit[] {
  const pathEnd = indexOfAny(text, from, /[?#\s]/);
  if (text[pathEnd] !== '?') return [];
  const end = indexOfAny(text, pathEnd + 1, QUERY_END);
  const edits: Edit[] = [];
  let pos = pathEnd + 1;
  for (const pair of text.slice(pathEnd + 1, end).split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && eq < pair.length - 1 && SECRET_PARAM.test(pair.slice(0, eq))) {
      edits.push({ start: pos + eq + 1, end: pos + pair.length, replacement: '***' });
    }
    pos += pair.length + 1;
  }
  return edits;
}

function indexOfAny(text: string, from: number, chars: RegExp): number {
  for (let i = from; i < text.length; i++) if (chars.test(text[i] as string)) return i;
  return text.length;
}

/** Applies the edits left to right; where two overlap, what either covers is masked. */
function apply(text: string, edits: Edit[]): string {
  const real = edits.filter((e) => e.end > e.start).sort((a, b) => a.start - b.start);
  let out = '';
  let copied = 0;
  for (const e of real) {
    if (e.end <= copied) continue;
    out += `${text.slice(copied, Math.max(e.start, copied))}${e.replacement}`;
    copied = e.end;
  }
  return out + text.slice(copied);
}
