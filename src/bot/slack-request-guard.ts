import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { isValidSlackRequest } from '@slack/bolt';
import { dropBody, MAX_BODY_BYTES } from '../ingest/route-guard.js';

/** Slack's rule: a request's timestamp is within five minutes of our clock, either way. */
const MAX_SKEW_SECONDS = 300;

/** Bolt's own limit on a request body; Slack's requests are far smaller. */
const SLACK_BODY_LIMIT = MAX_BODY_BYTES;

/** Where Bolt takes Slack's requests (its default `endpoints`). */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface GuardLog {
  warn(message: string): void;
}

/**
 * Checks a request to the Slack endpoint before Bolt's HTTP receiver takes it, for what Bolt
 * lets through. It stands behind guardRoutes (src/ingest/route-guard.ts), which lets through
 * only paths spelled exactly as a route, so every request Bolt could take as `/slack/events`
 * is spelled `/slack/events` here (anything else passes on to the ingest's routes):
 * - a timestamp from the future, or one that is not whole seconds (`Infinity`, `NaN`, signed
 *   as such): Bolt refuses only stale ones, and either would let a signed request be replayed
 *   long after it was made. Answered 401, before the body is read.
 * - a correctly signed body that is not an object (`null`, or `payload=null`): Bolt reads
 *   `body.ssl_check` of it and fails in a promise nobody awaits, leaving the request without
 *   an answer. Answered 400.
 * - a body past Slack's limit: answered 413 as soon as the limit is passed; the rest is not
 *   read (src/ingest/route-guard.ts, dropBody).
 * The body is read once, here, and left on the request as `rawBody`, which Bolt reuses.
 */
export function guardSlackRequests(
  signingSecret: string,
  next: RequestListener,
  log: GuardLog,
  now: () => number = Date.now,
): RequestListener {
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== SLACK_EVENTS_PATH) return next(req, res);
    if (untimely(req, now)) {
      log.warn('refused a Slack request whose timestamp is not a time within 5 minutes of our clock');
      answerUnread(req, res, 401);
      return;
    }
    readBody(req, SLACK_BODY_LIMIT).then(
      (raw) => {
        if (raw === undefined) {
          log.warn(`refused a Slack request larger than ${SLACK_BODY_LIMIT} bytes`);
          answerUnread(req, res, 413);
          return;
        }
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        if (signed(req, raw, signingSecret, now) && !bodyIsObject(req, raw)) {
          log.warn('refused a signed Slack request whose body is not an object');
          answer(res, 400);
          return;
        }
        try {
          next(req, res);
        } catch {
          answer(res, 404);
        }
      },
      () => answer(res, 400),
    );
  };
}

function answer(res: ServerResponse, status: number): void {
  if (!res.headersSent) res.writeHead(status);
  res.end();
}

/** An answer before the body is read to its end: the rest is not read (dropBody). */
function answerUnread(req: IncomingMessage, res: ServerResponse, status: number): void {
  dropBody(req);
  answer(res, status);
}

/** A timestamp header that is not whole seconds, or more than five minutes ahead of us. */
function untimely(req: IncomingMessage, now: () => number): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  // Without the header Bolt refuses the request itself (it cannot be verified).
  if (header === undefined) return false;
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return true;
  return Number(header) > now() / 1000 + MAX_SKEW_SECONDS;
}

/** The whole body, or undefined as soon as it passes `limit` bytes (the rest is left unread). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function signed(req: IncomingMessage, raw: Buffer, signingSecret: string, now: () => number): boolean {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  return isValidSlackRequest({
    signingSecret,
    body: raw.toString(),
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
    nowMilliseconds: now(),
  });
}

/** Whether the body reads, as Bolt reads it, to an object. */
function bodyIsObject(req: IncomingMessage, raw: Buffer): boolean {
  const text = raw.toString();
  try {
    if (req.headers['content-type'] === 'application/x-www-form-urlencoded') {
      const { payload } = parseQuery(text);
      if (typeof payload !== 'string') return true;
      return isObject(JSON.parse(payload));
    }
    return isObject(JSON.parse(text));
  } catch {
    // Bolt answers a body it cannot parse with 400 itself.
    return true;
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
