/**
 * Turns a Web API request into its arguments the way Slack reads them: query string, then a
 * form-encoded, JSON or multipart body. Never throws; a body Slack cannot read is reported
 * with Slack's error name.
 */

export type ParsedArguments =
  | { ok: true; args: Record<string, unknown>; warnings: string[]; bodyHadToken: boolean; json: boolean }
  | { ok: false; error: string };

function contentTypeOf(header: string | undefined): { type: string; charset?: string; boundary?: string } {
  if (!header) return { type: '' };
  const [type = '', ...params] = header.split(';').map((s) => s.trim());
  const out: { type: string; charset?: string; boundary?: string } = { type: type.toLowerCase() };
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const value = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'charset') out.charset = value;
    if (key === 'boundary') out.boundary = value;
  }
  return out;
}

function formArgs(text: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) args[key] = value;
  return args;
}

/** The text fields of a multipart/form-data body; file parts are skipped. */
function multipartArgs(body: Buffer, boundary: string): Record<string, unknown> | undefined {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  if (!text.includes(delimiter)) return undefined;
  const args: Record<string, unknown> = {};
  for (const part of text.split(delimiter).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /filename=/i.test(headers)) continue;
    const value = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    args[name] = Buffer.from(value, 'latin1').toString('utf8');
  }
  return args;
}

export function parseArguments(
  httpMethod: string,
  query: URLSearchParams,
  contentTypeHeader: string | undefined,
  body: Buffer,
): ParsedArguments {
  const args: Record<string, unknown> = {};
  for (const [key, value] of query) args[key] = value;
  const warnings: string[] = [];
  if (httpMethod !== 'POST' || body.length === 0) {
    return { ok: true, args, warnings, bodyHadToken: false, json: false };
  }
  const { type, charset, boundary } = contentTypeOf(contentTypeHeader);
  if (type === 'application/json') {
    if (charset === undefined) warnings.push('missing_charset');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { ok: false, error: 'json_not_object' };
    }
    const object = parsed as Record<string, unknown>;
    // Slack does not read a token from a JSON body: it must come in the Authorization header.
    const { token, ...rest } = object;
    return { ok: true, args: { ...args, ...rest }, warnings, bodyHadToken: token !== undefined, json: true };
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') warnings.push('superfluous_charset');
    return {
      ok: true,
      args: { ...args, ...formArgs(body.toString('utf8')) },
      warnings,
      bodyHadToken: false,
      json: false,
    };
  }
  if (type === 'multipart/form-data') {
    const fields = boundary ? multipartArgs(body, boundary) : undefined;
    if (!fields) return { ok: false, error: 'invalid_form_data' };
    return { ok: true, args: { ...args, ...fields }, warnings, bodyHadToken: false, json: false };
  }
  return { ok: false, error: 'invalid_post_type' };
}
