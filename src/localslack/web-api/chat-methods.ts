import type { ChannelRecord } from '../directory.js';
import { readMessageContent } from '../message-content.js';
import type { Args } from './args.js';
import type { MethodContext, MethodTable } from './method-spec.js';
import { RateLimitedError } from './rate-limited-error.js';
import { SlackApiError } from './slack-api-error.js';

/** The conversation a chat.* call names, as the bot sees it. */
function conversationFor(ctx: MethodContext, args: Args): ChannelRecord {
  const ref = args.required('channel', 'channel_not_found');
  const channel = ctx.directory.resolveConversation(ref);
  if (!channel || !ctx.directory.botCanSee(channel)) throw new SlackApiError('channel_not_found');
  return channel;
}

/** Bots post only where they are members, unless granted chat:write.public for public channels. */
function assertCanPost(ctx: MethodContext, channel: ChannelRecord): void {
  if (channel.isArchived) throw new SlackApiError('is_archived');
  if (channel.members.has(ctx.directory.botUserId)) return;
  if (!channel.isPrivate && ctx.directory.hasScope('chat:write.public')) return;
  throw new SlackApiError('not_in_channel');
}

function threadTsFor(ctx: MethodContext, channel: ChannelRecord, args: Args): string | undefined {
  const threadTs = args.string('thread_ts');
  if (threadTs === undefined) return undefined;
  const parent = ctx.messages.find(channel.id, threadTs);
  if (!parent || parent.deleted) throw new SlackApiError('thread_not_found');
  // Replying to a reply puts the message in the reply's thread, as Slack does.
  return parent.threadTs ?? parent.ts;
}

export const chatMethods: MethodTable = {
  'chat.postMessage': {
    tier: 'special',
    token: 'bot',
    scopes: ['chat:write'],
    handler(ctx, args) {
      const channel = conversationFor(ctx, args);
      const admission = ctx.admitPost(channel.id);
      if (!admission.ok) throw new RateLimitedError(admission.retryAfterSeconds);
      assertCanPost(ctx, channel);
      const content = readMessageContent(args.values);
      const threadTs = threadTsFor(ctx, channel, args);
      const message = ctx.messages.post({
        channel: channel.id,
        user: ctx.directory.botUserId,
        botId: ctx.directory.app.botId,
        content,
        via: 'chat.postMessage',
        ...(threadTs ? { threadTs } : {}),
      });
      return { channel: channel.id, ts: message.ts, message: ctx.messages.json(channel.id, message.ts) };
    },
  },
  'chat.update': {
    tier: 3,
    token: 'bot',
    scopes: ['chat:write'],
    handler(ctx, args) {
      const channel = conversationFor(ctx, args);
      const ts = args.required('ts', 'message_not_found');
      const existing = ctx.messages.find(channel.id, ts);
      if (!existing || existing.deleted) throw new SlackApiError('message_not_found');
      if (existing.user !== ctx.directory.botUserId) throw new SlackApiError('cant_update_message');
      const content = readMessageContent(args.values);
      const message = ctx.messages.update(channel.id, ts, content, ctx.directory.botUserId);
      const json = ctx.messages.json(channel.id, ts);
      return { channel: channel.id, ts: message.ts, text: message.text, message: json };
    },
  },
  'chat.postEphemeral': {
    tier: 4,
    token: 'bot',
    scopes: ['chat:write'],
    handler(ctx, args) {
      const channel = conversationFor(ctx, args);
      const user = args.required('user', 'user_not_found');
      if (!ctx.directory.user(user)) throw new SlackApiError('user_not_found');
      assertCanPost(ctx, channel);
      if (!channel.members.has(user)) throw new SlackApiError('user_not_in_channel');
      const content = readMessageContent(args.values);
      const threadTs = threadTsFor(ctx, channel, args);
      const ephemeral = ctx.messages.postEphemeral({
        user,
        channel: channel.id,
        content,
        via: 'chat.postEphemeral',
        ...(threadTs ? { threadTs } : {}),
      });
      return { message_ts: ephemeral.ts };
    },
  },
  'chat.getPermalink': {
    tier: 'special',
    token: 'bot',
    scopes: [],
    handler(ctx, args) {
      const channel = conversationFor(ctx, args);
      const ts = args.required('message_ts', 'message_not_found');
      const message = ctx.messages.find(channel.id, ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      const permalink = new URL(`archives/${channel.id}/p${ts.replace('.', '')}`, ctx.baseUrl);
      if (message.threadTs && message.threadTs !== ts) {
        permalink.searchParams.set('thread_ts', message.threadTs);
        permalink.searchParams.set('cid', channel.id);
      }
      return { channel: channel.id, permalink: permalink.toString() };
    },
  },
  'chat.delete': {
    tier: 3,
    token: 'bot',
    scopes: ['chat:write'],
    handler(ctx, args) {
      const channel = conversationFor(ctx, args);
      const ts = args.required('ts', 'message_not_found');
      const existing = ctx.messages.find(channel.id, ts);
      if (!existing || existing.deleted) throw new SlackApiError('message_not_found');
      if (existing.user !== ctx.directory.botUserId) throw new SlackApiError('cant_delete_message');
      ctx.messages.delete(channel.id, ts);
      return { channel: channel.id, ts };
    },
  },
};
