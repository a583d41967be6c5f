import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Directory } from './directory.js';
import type { IdFactory } from './id-factory.js';
import { readMessageContent } from './message-content.js';
import type { MessageStore } from './message-store.js';
import { readBody } from './read-body.js';
import type { LocalSlackEvent, ResponsePost } from './types.js';
import { SlackApiError } from './web-api/slack-api-error.js';

/** The message an interaction came from: what replace_original and delete_original act on. */
export type ResponseOrigin =
  | { kind: 'message'; channel: string; ts: string }
  | { kind: 'ephemeral'; ts: string };

interface ResponseUrlRecord {
  url: string;
  user: string;
  channel: string;
  createdAt: number;
  uses: number;
  origin?: ResponseOrigin;
}

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const responseBody = z.looseObject({
  response_type: z.enum(['in_channel', 'ephemeral']).optional(),
  replace_original: flag.optional(),
  delete_original: flag.optional(),
  thread_ts: z.string().optional(),
});

const PATH = /^\/(commands|actions)\/T[A-Z0-9]+\/\d+\/[0-9a-f]+$/;

export interface ResponseUrlsOptions {
  ids: IdFactory;
  directory: Directory;
  messages: MessageStore;
  baseUrl: () => string;
  ttlMs: number;
  maxUses: number;
  maxBodyBytes: number;
  emit(event: LocalSlackEvent): void;
  now?: () => number;
}

/**
 * response_url endpoints, as Slack runs them for slash commands and interactions: JSON
 * posts with `response_type` (`ephemeral` by default, or `in_channel`), `replace_original`
 * and `delete_original`; usable 5 times within 30 minutes. Answers `ok` (text/plain) like
 * Slack's webhooks, or an error name with a 4xx status.
 */
export class ResponseUrls {
  private readonly records = new Map<string, ResponseUrlRecord>();
  private readonly log: ResponsePost[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ResponseUrlsOptions) {
    this.now = options.now ?? Date.now;
  }

  create(
    kind: 'commands' | 'actions',
    input: { user: string; channel: string; origin?: ResponseOrigin },
  ): string {
    const { ids, directory } = this.options;
    const path = `/${kind}/${directory.team.id}/${ids.numeric(13)}/${ids.secret()}`;
    const url = new URL(path.slice(1), this.options.baseUrl()).toString();
    this.records.set(path, {
      url,
      user: input.user,
      channel: input.channel,
      createdAt: this.now(),
      uses: 0,
      ...(input.origin ? { origin: input.origin } : {}),
    });
    return url;
  }

  static matches(pathname: string): boolean {
    return PATH.test(pathname);
  }

  posts(url?: string): ResponsePost[] {
    return structuredClone(url === undefined ? this.log : this.log.filter((p) => p.url === url));
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const at = this.now();
    const raw = await readBody(req, this.options.maxBodyBytes);
    const record = this.records.get(pathname);
    const url = record?.url ?? new URL(pathname.slice(1), this.options.baseUrl()).toString();
    let body: unknown;
    const reply = (status: number, error?: string, effect?: ResponsePost['effect']): void => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(error ?? 'ok');
      }
      const post: ResponsePost = {
        url,
        at,
        body,
        status,
        ...(error ? { error } : {}),
        ...(effect ? { effect } : {}),
      };
      this.log.push(post);
      this.options.emit({ type: 'response_url', post: structuredClone(post) });
    };
    if (raw === undefined) return reply(413, 'request_too_large');
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = raw.toString('utf8');
      return reply(400, 'invalid_payload');
    }
    if (!record) return reply(404, 'invalid_url');
    if (at - record.createdAt > this.options.ttlMs) return reply(404, 'expired_url');
    if (record.uses >= this.options.maxUses) return reply(404, 'used_url');
    const parsed = responseBody.safeParse(body);
    if (!parsed.success) return reply(400, 'invalid_payload');
    try {
      const effect = this.apply(record, parsed.data);
      record.uses += 1;
      return reply(200, undefined, effect);
    } catch (error) {
      if (error instanceof SlackApiError)
        return reply(error.error === 'message_not_found' ? 404 : 400, error.error);
      return reply(500, 'internal_error');
    }
  }

  private apply(record: ResponseUrlRecord, body: z.infer<typeof responseBody>): ResponsePost['effect'] {
    const { messages, directory } = this.options;
    const origin = record.origin;
    if (body.delete_original === true) {
      if (!origin) throw new SlackApiError('message_not_found');
      if (origin.kind === 'ephemeral') {
        const ephemeral = messages.findEphemeral(origin.ts);
        if (!ephemeral || ephemeral.deleted) throw new SlackApiError('message_not_found');
        messages.changeEphemeral(origin.ts, null);
        return { kind: 'deleted', channel: ephemeral.channel, ts: origin.ts };
      }
      const message = messages.find(origin.channel, origin.ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      messages.delete(origin.channel, origin.ts);
      return { kind: 'deleted', channel: origin.channel, ts: origin.ts };
    }
    const content = readMessageContent(body);
    if (body.replace_original === true && origin) {
      if (origin.kind === 'ephemeral') {
        const ephemeral = messages.findEphemeral(origin.ts);
        if (!ephemeral || ephemeral.deleted) throw new SlackApiError('message_not_found');
        messages.changeEphemeral(origin.ts, content);
        return { kind: 'replaced', channel: ephemeral.channel, ts: origin.ts };
      }
      const message = messages.find(origin.channel, origin.ts);
      if (!message || message.deleted) throw new SlackApiError('message_not_found');
      messages.update(origin.channel, origin.ts, content, directory.botUserId);
      return { kind: 'replaced', channel: origin.channel, ts: origin.ts };
    }
    const threadTs = body.thread_ts;
    if (body.response_type === 'in_channel') {
      const message = messages.post({
        channel: record.channel,
        user: directory.botUserId,
        botId: directory.app.botId,
        content,
        via: 'response_url',
        ...(threadTs ? { threadTs } : {}),
      });
      // Without an origin (slash commands), later replace/delete posts act on this message.
      record.origin = record.origin ?? { kind: 'message', channel: record.channel, ts: message.ts };
      return { kind: 'in_channel', channel: record.channel, ts: message.ts };
    }
    const ephemeral = messages.postEphemeral({
      user: record.user,
      channel: record.channel,
      content,
      via: 'response_url',
      ...(threadTs ? { threadTs } : {}),
    });
    record.origin = record.origin ?? { kind: 'ephemeral', ts: ephemeral.ts };
    return { kind: 'ephemeral', channel: record.channel, ts: ephemeral.ts };
  }
}
