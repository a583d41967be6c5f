import { formatIssue, validateBlocks } from './block-kit-validator.js';
import type { MessageContent } from './message-store.js';
import type { Block } from './types.js';
import { SlackApiError } from './web-api/slack-api-error.js';

/** Slack truncates longer text; we refuse it, so the app learns of the overflow. */
export const MAX_TEXT_LENGTH = 40_000;
const MAX_ATTACHMENTS = 100;
/** Fields kept with the message as given. */
const EXTRA_FIELDS = [
  'username',
  'icon_emoji',
  'icon_url',
  'metadata',
  'mrkdwn',
  'unfurl_links',
  'unfurl_media',
];

/** A JSON argument: already parsed (JSON bodies) or a JSON string (form bodies). */
function parseJsonArgument(value: unknown, error: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackApiError(error);
  }
}

/** The refusal Slack answers for blocks it will not render. */
export function invalidBlocksError(messages: string[], error = 'invalid_blocks'): SlackApiError {
  return new SlackApiError(error, {
    errors: messages,
    response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) },
  });
}

/**
 * Reads and checks a message's text, blocks and attachments from Web API arguments or a
 * response_url body; throws Slack's error (`no_text`, `invalid_blocks`, …) when refused.
 */
export function readMessageContent(
  args: Record<string, unknown>,
  opts: { requireContent: boolean } = { requireContent: true },
): MessageContent {
  let blocks: Block[] = [];
  if (args.blocks !== undefined && args.blocks !== null && args.blocks !== '') {
    const parsed = parseJsonArgument(args.blocks, 'invalid_blocks_format');
    if (!Array.isArray(parsed)) throw new SlackApiError('invalid_blocks_format');
    const issues = validateBlocks(parsed, 'message');
    if (issues.length > 0) throw invalidBlocksError(issues.map(formatIssue));
    blocks = parsed as Block[];
  }
  let attachments: unknown[] = [];
  if (args.attachments !== undefined && args.attachments !== null && args.attachments !== '') {
    const parsed = parseJsonArgument(args.attachments, 'invalid_attachments');
    if (!Array.isArray(parsed)) throw new SlackApiError('invalid_attachments');
    if (parsed.length > MAX_ATTACHMENTS) throw new SlackApiError('too_many_attachments');
    attachments = parsed;
  }
  let text = '';
  if (typeof args.text === 'string') text = args.text;
  else if (typeof args.text === 'number' || typeof args.text === 'boolean') text = String(args.text);
  else if (args.text !== undefined && args.text !== null)
    throw SlackApiError.invalidArguments('must be a string [json-pointer:/text]');
  if (text.length > MAX_TEXT_LENGTH) throw new SlackApiError('msg_too_long');
  if (opts.requireContent && text.trim() === '' && blocks.length === 0 && attachments.length === 0) {
    throw new SlackApiError('no_text');
  }
  const extra: Record<string, unknown> = {};
  for (const key of EXTRA_FIELDS) {
    if (args[key] !== undefined) extra[key] = args[key];
  }
  return { text, blocks, attachments, ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}
