import type { Seed } from './seed.js';

export interface UserRecord {
  id: string;
  name: string;
  realName: string;
  email?: string;
  tz: string;
  isAdmin: boolean;
  deleted: boolean;
  isBot: boolean;
  botId?: string;
  updated: number;
}

export interface ChannelRecord {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isGeneral: boolean;
  /** A direct-message conversation: the bot's with one user (`imUser`), or two people's (no `imUser`). */
  isIm: boolean;
  imUser?: string;
  topic: string;
  purpose: string;
  created: number;
  creator: string;
  members: Set<string>;
}

export interface UsergroupRecord {
  id: string;
  handle: string;
  name: string;
  description: string;
  disabled: boolean;
  users: string[];
}

const TZ_OFFSETS: Record<string, [number, string]> = {
  UTC: [0, 'Coordinated Universal Time'],
  'Europe/Paris': [3600, 'Central European Time'],
  'Europe/London': [0, 'Greenwich Mean Time'],
  'America/New_York': [-18000, 'Eastern Standard Time'],
  'America/Los_Angeles': [-28800, 'Pacific Standard Time'],
};

/** The workspace's people and conversations, seeded once, as the bot can see them. */
export class Directory {
  readonly team: Seed['team'];
  readonly app: Seed['app'];
  readonly defaultChannel: string;
  private readonly users = new Map<string, UserRecord>();
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly usergroups = new Map<string, UsergroupRecord>();
  private readonly created: number;

  constructor(seed: Seed, now: number = Date.now()) {
    this.team = seed.team;
    this.app = seed.app;
    this.defaultChannel = seed.defaultChannel;
    this.created = Math.floor(now / 1000) - 86_400;
    for (const user of seed.users) {
      this.users.set(user.id, {
        id: user.id,
        name: user.name,
        realName: user.realName,
        tz: user.tz,
        isAdmin: user.isAdmin,
        deleted: user.deleted,
        isBot: false,
        updated: this.created,
        ...(user.email === undefined ? {} : { email: user.email }),
      });
    }
    this.users.set(seed.app.botUserId, {
      id: seed.app.botUserId,
      name: seed.app.botName,
      realName: seed.app.name,
      tz: 'UTC',
      isAdmin: false,
      deleted: false,
      isBot: true,
      botId: seed.app.botId,
      updated: this.created,
    });
    const firstHuman = seed.users[0]?.id ?? seed.app.botUserId;
    for (const channel of seed.channels) {
      this.channels.set(channel.id, {
        id: channel.id,
        name: channel.name,
        isPrivate: channel.private,
        isArchived: channel.archived,
        isGeneral: channel.general,
        isIm: false,
        topic: channel.topic,
        purpose: channel.purpose,
        created: this.created,
        creator: firstHuman,
        members: new Set(channel.members),
      });
    }
    for (const group of seed.usergroups) {
      this.usergroups.set(group.id, { ...group, users: [...group.users] });
    }
  }

  get botUserId(): string {
    return this.app.botUserId;
  }

  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  allUsers(): UserRecord[] {
    return [...this.users.values()];
  }

  channel(id: string): ChannelRecord | undefined {
    return this.channels.get(id);
  }

  allChannels(): ChannelRecord[] {
    return [...this.channels.values()];
  }

  allUsergroups(): UsergroupRecord[] {
    return [...this.usergroups.values()];
  }

  usergroup(id: string): UsergroupRecord | undefined {
    return this.usergroups.get(id);
  }

  /**
   * Finds a conversation the way chat.postMessage's `channel` argument does: an ID, a name
   * with or without `#`, or a user ID (the bot's direct messages with that user).
   */
  resolveConversation(ref: string): ChannelRecord | undefined {
    const byId = this.channels.get(ref);
    if (byId) return byId;
    if (/^[UW][A-Z0-9]+$/.test(ref)) {
      const user = this.users.get(ref);
      return user && !user.isBot ? this.directMessages(user.id) : undefined;
    }
    if (/^D[A-Z0-9]+$/.test(ref)) return undefined;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return [...this.channels.values()].find((c) => !c.isIm && c.name === name);
  }

  /** The ID of the bot's direct-message conversation with a user. */
  directMessageId(userId: string): string {
    return `D${userId.replace(/^[UW]/, '')}`;
  }

  /** The bot's direct-message conversation with a user, opened on first use. */
  directMessages(userId: string): ChannelRecord {
    const id = this.directMessageId(userId);
    let channel = this.channels.get(id);
    if (!channel) {
      channel = {
        id,
        name: id,
        isPrivate: true,
        isArchived: false,
        isGeneral: false,
        isIm: true,
        imUser: userId,
        topic: '',
        purpose: '',
        created: Math.floor(Date.now() / 1000),
        creator: userId,
        members: new Set([userId, this.app.botUserId]),
      };
      this.channels.set(id, channel);
    }
    return channel;
  }

  /**
   * A direct-message conversation between two people, the bot not in it: Slack delivers a slash
   * command typed there (its channel_id starts with D like the bot's own ims), but the bot
   * cannot see the conversation (conversations.info answers channel_not_found).
   */
  directMessagesBetween(a: string, b: string, id: string): ChannelRecord {
    const existing = [...this.channels.values()].find(
      (c) => c.isIm && c.imUser === undefined && c.members.has(a) && c.members.has(b) && c.members.size === 2,
    );
    if (existing) return existing;
    const channel: ChannelRecord = {
      id,
      name: id,
      isPrivate: true,
      isArchived: false,
      isGeneral: false,
      isIm: true,
      topic: '',
      purpose: '',
      created: Math.floor(Date.now() / 1000),
      creator: a,
      members: new Set([a, b]),
    };
    this.channels.set(id, channel);
    return channel;
  }

  /** Whether the bot can see the conversation at all (private ones only when a member). */
  botCanSee(channel: ChannelRecord): boolean {
    return !channel.isPrivate || channel.members.has(this.app.botUserId);
  }

  hasScope(scope: string): boolean {
    return this.app.scopes.includes(scope);
  }

  /** A user object as users.info returns it. */
  userJson(user: UserRecord): Record<string, unknown> {
    const [tzOffset, tzLabel] = TZ_OFFSETS[user.tz] ?? [0, user.tz];
    const profile: Record<string, unknown> = {
      real_name: user.realName,
      real_name_normalized: user.realName,
      display_name: user.name,
      display_name_normalized: user.name,
      team: this.team.id,
      status_text: '',
      status_emoji: '',
    };
    if (user.email !== undefined) profile.email = user.email;
    if (user.isBot) {
      profile.bot_id = user.botId;
      profile.api_app_id = this.app.id;
      profile.always_active = true;
    }
    return {
      id: user.id,
      team_id: this.team.id,
      name: user.name,
      deleted: user.deleted,
      real_name: user.realName,
      tz: user.tz,
      tz_label: tzLabel,
      tz_offset: tzOffset,
      profile,
      is_admin: user.isAdmin,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot,
      is_app_user: false,
      updated: user.updated,
    };
  }

  /** A conversation object as conversations.info and conversations.list return it. */
  channelJson(channel: ChannelRecord): Record<string, unknown> {
    const isMember = channel.members.has(this.app.botUserId);
    if (channel.isIm) {
      return {
        id: channel.id,
        created: channel.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: this.team.id,
        updated: channel.created * 1000,
        user: channel.imUser,
        is_user_deleted: false,
        priority: 0,
      };
    }
    return {
      id: channel.id,
      name: channel.name,
      is_channel: !channel.isPrivate,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      created: channel.created,
      is_archived: channel.isArchived,
      is_general: channel.isGeneral,
      unlinked: 0,
      name_normalized: channel.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.team.id,
      updated: channel.created * 1000,
      parent_conversation: null,
      creator: channel.creator,
      is_ext_shared: false,
      shared_team_ids: [this.team.id],
      pending_connected_team_ids: [],
      is_member: isMember,
      topic: { value: channel.topic, creator: channel.topic ? channel.creator : '', last_set: 0 },
      purpose: { value: channel.purpose, creator: channel.purpose ? channel.creator : '', last_set: 0 },
      previous_names: [],
      num_members: channel.members.size,
    };
  }
}
