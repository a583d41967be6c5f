import { type DestinationStream, type Logger, pino } from 'pino';

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
// The password of a URL (redis://:secret@host, redis://user:secret@host, https://u:p@host).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"\\]*):[^\s@/"\\]+@/gi;
// redis://secret@host: ioredis reads a lone userinfo as the password.
const REDIS_LONE_PASSWORD = /\b(rediss?(?:-sentinel|-cluster)?:\/\/)[^\s:@/"\\]+@/gi;
// An Authorization header's credentials (the Slack token, INGEST_TOKEN) written out as text.
const BEARER = /\b(Bearer\s+)[^\s"\\,;]+/gi;

/**
 * What no log line may carry, whatever field or message it is in: a Slack token, a bearer
 * credential and the password of a URL (REDIS_URL's above all). The paths above catch secrets
 * by name; this catches them in text (an error message, a library's own line, a URL), where no
 * path can.
 */
export function scrubSecrets(line: string): string {
  return line
    .replace(SLACK_TOKEN, '[redacted]')
    .replace(BEARER, '$1[redacted]')
    .replace(URL_PASSWORD, '$1:***@')
    .replace(REDIS_LONE_PASSWORD, '$1***@');
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
