import type { Directory } from './directory.js';
import type { IdFactory } from './id-factory.js';
import type {
  Block,
  LocalEphemeral,
  LocalMessage,
  LocalSlackEvent,
  MessageSource,
  Revision,
} from './types.js';

/** What a message says: its fallback text, blocks and legacy attachments. */
export interface MessageContent {
  text: string;
  blocks: Block[];
  attachments: unknown[];
  /** Other fields kept as given (username, icon_emoji, metadata, …). */
  extra?: Record<string, unknown>;
}

interface MessageRecord {
  channel: string;
  ts: string;
  user: string;
  botId?: string;
  content: MessageContent;
  threadTs?: string;
  replies: string[];
  replyUsers: Set<string>;
  edited?: { user: string; ts: string };
  edits: Revision[];
  deleted: boolean;
  via: MessageSource;
}

interface EphemeralRecord {
  user: string;
  channel: string;
  ts: string;
  content: MessageContent;
  threadTs?: string;
  via: MessageSource;
  notice?: string;
  edits: Revision[];
  deleted: boolean;
}

export interface PostInput {
  channel: string;
  user: string;
  botId?: string;
  content: MessageContent;
  threadTs?: string;
  via: MessageSource;
}

export interface EphemeralInput {
  user: string;
  channel: string;
  content: MessageContent;
  threadTs?: string;
  via: MessageSource;
  notice?: string;
}

/** Every message with its edits and thread replies, and every user's ephemeral messages. */
export class MessageStore {
  private readonly byChannel = new Map<string, MessageRecord[]>();
  private readonly byKey = new Map<string, MessageRecord>();
  private readonly ephemeralsByTs = new Map<string, EphemeralRecord>();
  private readonly ephemeralsByUser = new Map<string, EphemeralRecord[]>();

  constructor(
    private readonly ids: IdFactory,
    private readonly directory: Directory,
    private readonly emit: (event: LocalSlackEvent) => void,
  ) {}

  /** Slack fills in a block_id for every block the app left without one. */
  private withBlockIds(blocks: Block[]): Block[] {
    return blocks.map((block) =>
      typeof block.block_id === 'string'
        ? structuredClone(block)
        : { ...structuredClone(block), block_id: this.ids.blockId() },
    );
  }

  private normalize(content: MessageContent): MessageContent {
    return {
      text: content.text,
      blocks: this.withBlockIds(content.blocks),
      attachments: structuredClone(content.attachments),
      ...(content.extra ? { extra: structuredClone(content.extra) } : {}),
    };
  }

  post(input: PostInput): LocalMessage {
    const record: MessageRecord = {
      channel: input.channel,
      ts: this.ids.ts(),
      user: input.user,
      content: this.normalize(input.content),
      replies: [],
      replyUsers: new Set(),
      edits: [],
      deleted: false,
      via: input.via,
      ...(input.botId ? { botId: input.botId } : {}),
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
    };
    const list = this.byChannel.get(input.channel) ?? [];
    list.push(record);
    this.byChannel.set(input.channel, list);
    this.byKey.set(`${record.channel}/${record.ts}`, record);
    if (input.threadTs) {
      const parent = this.byKey.get(`${input.channel}/${input.threadTs}`);
      if (parent) {
        parent.replies.push(record.ts);
        parent.replyUsers.add(record.user);
        parent.threadTs = parent.ts;
        this.emit({ type: 'message_changed', message: this.snapshot(parent) });
      }
    }
    const snapshot = this.snapshot(record);
    this.emit({ type: 'message_posted', message: snapshot });
    return snapshot;
  }

  /** The message, deleted or not. */
  find(channel: string, ts: string): LocalMessage | undefined {
    const record = this.byKey.get(`${channel}/${ts}`);
    return record ? this.snapshot(record) : undefined;
  }

  update(channel: string, ts: string, content: MessageContent, editor: string): LocalMessage {
    const record = this.mustFind(channel, ts);
    record.edits.push({
      replacedAt: this.ids.ts(),
      text: record.content.text,
      blocks: record.content.blocks,
      attachments: record.content.attachments,
    });
    record.content = this.normalize(content);
    record.edited = { user: editor, ts: this.ids.ts() };
    const snapshot = this.snapshot(record);
    this.emit({ type: 'message_changed', message: snapshot });
    return snapshot;
  }

  delete(channel: string, ts: string): LocalMessage {
    const record = this.mustFind(channel, ts);
    record.deleted = true;
    const snapshot = this.snapshot(record);
    this.emit({ type: 'message_deleted', message: snapshot });
    return snapshot;
  }

  private mustFind(channel: string, ts: string): MessageRecord {
    const record = this.byKey.get(`${channel}/${ts}`);
    if (!record) throw new Error(`no message ${channel}/${ts}`);
    return record;
  }

  /** Top-level messages of a channel (thread replies only when asked), oldest first. */
  list(channel: string, opts: { includeReplies?: boolean; includeDeleted?: boolean } = {}): LocalMessage[] {
    return (this.byChannel.get(channel) ?? [])
      .filter((m) => opts.includeDeleted || !m.deleted)
      .filter((m) => opts.includeReplies || !m.threadTs || m.threadTs === m.ts)
      .map((m) => this.snapshot(m));
  }

  /** A thread's replies, oldest first (the parent excluded). */
  replies(channel: string, threadTs: string): LocalMessage[] {
    return (this.byChannel.get(channel) ?? [])
      .filter((m) => !m.deleted && m.threadTs === threadTs && m.ts !== threadTs)
      .map((m) => this.snapshot(m));
  }

  snapshot(record: MessageRecord): LocalMessage {
    return {
      channel: record.channel,
      ts: record.ts,
      user: record.user,
      text: record.content.text,
      blocks: structuredClone(record.content.blocks),
      attachments: structuredClone(record.content.attachments),
      replyCount: record.replies.length,
      edits: structuredClone(record.edits),
      deleted: record.deleted,
      via: record.via,
      ...(record.botId ? { botId: record.botId } : {}),
      ...(record.threadTs ? { threadTs: record.threadTs } : {}),
    };
  }

  /** The message object as Slack returns it from chat.* and puts it in block_actions payloads. */
  json(channel: string, ts: string): Record<string, unknown> {
    const record = this.mustFind(channel, ts);
    const json: Record<string, unknown> = {
      type: 'message',
      text: record.content.text,
      user: record.user,
      ts: record.ts,
      team: this.directory.team.id,
    };
    if (record.botId) {
      json.bot_id = record.botId;
      json.app_id = this.directory.app.id;
      json.bot_profile = {
        id: record.botId,
        app_id: this.directory.app.id,
        name: this.directory.app.name,
        deleted: false,
        team_id: this.directory.team.id,
        user_id: this.directory.botUserId,
      };
    }
    if (record.content.blocks.length > 0) json.blocks = structuredClone(record.content.blocks);
    if (record.content.attachments.length > 0) json.attachments = structuredClone(record.content.attachments);
    if (record.content.extra) Object.assign(json, structuredClone(record.content.extra));
    if (record.threadTs) json.thread_ts = record.threadTs;
    if (record.replies.length > 0) {
      json.reply_count = record.replies.length;
      json.reply_users = [...record.replyUsers];
      json.reply_users_count = record.replyUsers.size;
      json.latest_reply = record.replies[record.replies.length - 1];
    }
    if (record.threadTs && record.threadTs !== record.ts) {
      const parent = this.byKey.get(`${channel}/${record.threadTs}`);
      if (parent) json.parent_user_id = parent.user;
    }
    if (record.edited) json.edited = { ...record.edited };
    return json;
  }

  postEphemeral(input: EphemeralInput): LocalEphemeral {
    const record: EphemeralRecord = {
      user: input.user,
      channel: input.channel,
      ts: this.ids.ts(),
      content: this.normalize(input.content),
      via: input.via,
      edits: [],
      deleted: false,
      ...(input.threadTs ? { threadTs: input.threadTs } : {}),
      ...(input.notice ? { notice: input.notice } : {}),
    };
    this.ephemeralsByTs.set(record.ts, record);
    const list = this.ephemeralsByUser.get(record.user) ?? [];
    list.push(record);
    this.ephemeralsByUser.set(record.user, list);
    const snapshot = this.ephemeralSnapshot(record);
    this.emit({ type: 'ephemeral_posted', ephemeral: snapshot });
    return snapshot;
  }

  findEphemeral(ts: string): LocalEphemeral | undefined {
    const record = this.ephemeralsByTs.get(ts);
    return record ? this.ephemeralSnapshot(record) : undefined;
  }

  /** Replaces (content) or removes (null) an ephemeral message, as response_url can. */
  changeEphemeral(ts: string, content: MessageContent | null): LocalEphemeral {
    const record = this.ephemeralsByTs.get(ts);
    if (!record) throw new Error(`no ephemeral message ${ts}`);
    if (content === null) {
      record.deleted = true;
    } else {
      record.edits.push({
        replacedAt: this.ids.ts(),
        text: record.content.text,
        blocks: record.content.blocks,
        attachments: record.content.attachments,
      });
      record.content = this.normalize(content);
    }
    const snapshot = this.ephemeralSnapshot(record);
    this.emit({ type: 'ephemeral_changed', ephemeral: snapshot });
    return snapshot;
  }

  ephemerals(user: string, opts: { includeDeleted?: boolean } = {}): LocalEphemeral[] {
    return (this.ephemeralsByUser.get(user) ?? [])
      .filter((e) => opts.includeDeleted || !e.deleted)
      .map((e) => this.ephemeralSnapshot(e));
  }

  private ephemeralSnapshot(record: EphemeralRecord): LocalEphemeral {
    return {
      user: record.user,
      channel: record.channel,
      ts: record.ts,
      text: record.content.text,
      blocks: structuredClone(record.content.blocks),
      attachments: structuredClone(record.content.attachments),
      via: record.via,
      edits: structuredClone(record.edits),
      deleted: record.deleted,
      ...(record.threadTs ? { threadTs: record.threadTs } : {}),
      ...(record.notice ? { notice: record.notice } : {}),
    };
  }
}
