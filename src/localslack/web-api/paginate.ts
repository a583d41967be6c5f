import type { Args } from './args.js';
import { SlackApiError } from './slack-api-error.js';

/** Opaque page cursors, as Slack's are: base64 of where the next page starts. */
function encodeCursor(offset: number): string {
  return Buffer.from(`next:${offset}`).toString('base64');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^next:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match?.[1]) throw new SlackApiError('invalid_cursor');
  return Number(match[1]);
}

function pageLimit(args: Args, fallback: number): number {
  const limit = args.integer('limit') ?? fallback;
  if (limit < 1 || limit > 1000) throw new SlackApiError('invalid_limit');
  return limit;
}

/** One page of `items` and Slack's `response_metadata.next_cursor` ('' on the last page). */
export function paginate<T>(
  items: T[],
  args: Args,
  fallbackLimit: number,
): { page: T[]; nextCursor: string } {
  const offset = decodeCursor(args.string('cursor'));
  const limit = pageLimit(args, fallbackLimit);
  const page = items.slice(offset, offset + limit);
  const nextCursor = offset + limit < items.length ? encodeCursor(offset + limit) : '';
  return { page, nextCursor };
}
