import { type DestinationStream, type Logger, pino } from 'pino';
import { maskUrlCredentials } from './mask-url-credentials.js';

export type { Logger };

/**
 * Secrets never reach the logs: tokens, signing secrets, private keys and Slack
 * signatures are redacted wherever they appear in a logged object.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'privateKey',
  '*.privateKey',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'env.SLACK_BOT_TOKEN',
  'env.SLACK_APP_TOKEN',
  'env.SLACK_SIGNING_SECRET',
  'env.INGEST_TOKEN',
];

// Slack tokens (bot, user, app, refresh, …) by their shape: wherever they are in a line.
const SLACK_TOKEN = /\bx(?:ox[a-z]|app)-[A-Za-z0-9-]{6,}/g;
// An Authorization header's credentials (the Slack token, INGEST_TOKEN) written out as text.
const BEARER = /\b(Bearer\s+)[^\s"\\,;]+/gi;

/**
 * What no log line may carry, whatever field or message it is in: a Slack token, a bearer
 * credential and the credentials of a URL (REDIS_URL's above all). The paths above catch secrets
 * by name; this catches them in text (an error message, a library's own line, a URL), where no
 * path can. pino's line is JSON, so each of its strings is scrubbed as the text it holds (a
 * password's `"` is a quote there, not `\"`), and the line stays JSON.
 */
export function scrubSecrets(line: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return scrubText(line);
  }
  let changed = false;
  const scrub = (text: string): string => {
    const clean = scrubText(text);
    if (clean !== text) changed = true;
    return clean;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      // fromEntries defines each key, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrub(k), walk(v)]));
    }
    return value;
  };
  const clean = walk(doc);
  // Untouched lines are written as pino wrote them (numbers beyond 2^53 included).
  if (!changed) return line;
  return `${JSON.stringify(clean)}${line.endsWith('\n') ? '\n' : ''}`;
}

function scrubText(text: string): string {
  return maskUrlCredentials(text.replace(SLACK_TOKEN, '[redacted]').replace(BEARER, '$1[redacted]'));
}

export function createLogger(
  opts: { level?: string; name?: string; destination?: DestinationStream } = {},
): Logger {
  const options = {
    name: opts.name ?? 'lvs-chatops',
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrubSecrets },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
