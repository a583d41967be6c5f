import type { ChannelRecord } from '../directory.js';
import type { LocalMessage } from '../types.js';
import type { Args } from './args.js';
import type { MethodContext, MethodTable } from './method-spec.js';
import { paginate } from './paginate.js';
import { SlackApiError } from './slack-api-error.js';

const CONVERSATION_TYPES = ['public_channel', 'private_channel', 'mpim', 'im'];

function visibleConversation(ctx: MethodContext, args: Args): ChannelRecord {
  const id = args.required('channel', 'channel_not_found');
  const channel = ctx.directory.resolveConversation(id);
  if (!channel || channel.id !== id || !ctx.directory.botCanSee(channel))
    throw new SlackApiError('channel_not_found');
  return channel;
}

function typeOf(channel: ChannelRecord): string {
  if (channel.isIm) return 'im';
  return channel.isPrivate ? 'private_channel' : 'public_channel';
}

export const conversationsMethods: MethodTable = {
  'conversations.list': {
    tier: 2,
    token: 'bot',
    scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
    handler(ctx, args) {
      const types = (args.string('types') ?? 'public_channel').split(',').map((t) => t.trim());
      if (types.some((t) => !CONVERSATION_TYPES.includes(t))) throw new SlackApiError('invalid_types');
      const excludeArchived = args.boolean('exclude_archived');
      const channels = ctx.directory
        .allChannels()
        .filter((c) => types.includes(typeOf(c)))
        .filter((c) => ctx.directory.botCanSee(c))
        .filter((c) => !(excludeArchived && c.isArchived))
        .sort((a, b) => a.id.localeCompare(b.id));
      const { page, nextCursor } = paginate(channels, args, 100);
      return {
        channels: page.map((c) => ctx.directory.channelJson(c)),
        response_metadata: { next_cursor: nextCursor },
      };
    },
  },
  'conversations.info': {
    tier: 3,
    token: 'bot',
    scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
    handler(ctx, args) {
      const channel = visibleConversation(ctx, args);
      const json = ctx.directory.channelJson(channel);
      if (!args.boolean('include_num_members')) delete json.num_members;
      return { channel: json };
    },
  },
  'conversations.members': {
    tier: 4,
    token: 'bot',
    scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
    handler(ctx, args) {
      const channel = visibleConversation(ctx, args);
      const { page, nextCursor } = paginate([...channel.members].sort(), args, 100);
      return { members: page, response_metadata: { next_cursor: nextCursor } };
    },
  },
  'conversations.open': {
    tier: 3,
    token: 'bot',
    scopes: ['im:write'],
    handler(ctx, args) {
      const users = (args.string('users') ?? '').split(',').filter((u) => u !== '');
      if (users.length === 0) throw SlackApiError.invalidArguments('missing required field: users');
      if (users.length > 1) throw new SlackApiError('method_not_supported_for_channel_type');
      const user = ctx.directory.user(users[0] ?? '');
      if (!user || user.isBot) throw new SlackApiError('user_not_found');
      const channel = ctx.directory.directMessages(user.id);
      return args.boolean('return_im')
        ? { channel: ctx.directory.channelJson(channel) }
        : { channel: { id: channel.id } };
    },
  },
  'conversations.history': {
    tier: 3,
    token: 'bot',
    scopes: ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
    handler(ctx, args) {
      const channel = visibleConversation(ctx, args);
      if (!channel.members.has(ctx.directory.botUserId)) throw new SlackApiError('not_in_channel');
      const latest = args.string('latest');
      const oldest = args.string('oldest');
      const inclusive = args.boolean('inclusive');
      const inRange = (ts: string): boolean => {
        const t = Number(ts);
        if (latest !== undefined && (inclusive ? t > Number(latest) : t >= Number(latest))) return false;
        if (oldest !== undefined && (inclusive ? t < Number(oldest) : t <= Number(oldest))) return false;
        return true;
      };
      const newestFirst = ctx.messages
        .list(channel.id)
        .filter((m) => inRange(m.ts))
        .reverse();
      const { page, nextCursor } = paginate(newestFirst, args, 100);
      return {
        messages: page.map((m) => ctx.messages.json(channel.id, m.ts)),
        has_more: nextCursor !== '',
        pin_count: 0,
        channel_actions_ts: null,
        channel_actions_count: 0,
        response_metadata: { next_cursor: nextCursor },
      };
    },
  },
  'conversations.replies': {
    tier: 3,
    token: 'bot',
    scopes: ['channels:history', 'groups:history', 'im:history', 'mpim:history'],
    handler(ctx, args) {
      const channel = visibleConversation(ctx, args);
      if (!channel.members.has(ctx.directory.botUserId)) throw new SlackApiError('not_in_channel');
      const ts = args.required('ts', 'thread_not_found');
      const parent = ctx.messages.find(channel.id, ts);
      if (!parent || parent.deleted) throw new SlackApiError('thread_not_found');
      const root = parent.threadTs ?? parent.ts;
      const thread = [ctx.messages.find(channel.id, root), ...ctx.messages.replies(channel.id, root)].filter(
        (m): m is LocalMessage => m !== undefined && !m.deleted,
      );
      const { page, nextCursor } = paginate(thread, args, 1000);
      return {
        messages: page.map((m) => ctx.messages.json(channel.id, m.ts)),
        has_more: nextCursor !== '',
        response_metadata: { next_cursor: nextCursor },
      };
    },
  },
};
