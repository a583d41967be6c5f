import {
  type ChatPostMessageArguments,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  type WebClient,
} from '@slack/web-api';
import type { NotificationStore } from '../../store/notification-store.js';
import { ChannelBusyError } from '../errors/channel-busy-error.js';
import { NotifyRefusedError } from '../errors/notify-refused-error.js';
import { NotifyUnavailableError } from '../errors/notify-unavailable-error.js';
import type { ChannelPacer } from './channel-pacer.js';
import type { SlackMessage } from './render-incident.js';

/** Slack errors that say "try again later" rather than "this will never work". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'team_added_to_org',
]);

/** The marker a message carries in its Slack `metadata`, to find it again after a crash. */
export interface MessageMarker {
  cluster: string;
  /** The incident id, or `digest-N` for a storm digest. */
  subject: string;
  /** Which message of the subject: `main`, or a timeline entry's key. */
  part: string;
}

export const METADATA_EVENT_TYPE = 'lvs_chatops_notification';

/** A message as conversations.history returns it, the fields we read. */
interface HistoryMessage {
  ts?: string;
  metadata?: unknown;
}

/**
 * The Web API calls the Slack notifier makes, each paced per channel and with Slack's
 * answers turned into three kinds of error: ChannelBusyError (wait, then the same call
 * again), NotifyUnavailableError (5xx, timeouts: retry with backoff), NotifyRefusedError
 * (final). The WebClient must not retry by itself: the job owns the retry policy.
 */
export class SlackChannelClient {
  constructor(
    private readonly client: WebClient,
    private readonly pacer: ChannelPacer,
    private readonly store: NotificationStore,
  ) {}

  async post(
    channel: string,
    message: SlackMessage,
    marker: MessageMarker,
    threadTs?: string,
  ): Promise<string> {
    const args: ChatPostMessageArguments = {
      channel,
      text: message.text,
      blocks: message.blocks,
      metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { ...marker } },
      unfurl_links: false,
      unfurl_media: false,
      ...(threadTs && { thread_ts: threadTs }),
    } as unknown as ChatPostMessageArguments;
    const res = await this.write(channel, () => this.client.chat.postMessage(args));
    if (!res.ts)
      throw new NotifyUnavailableError('slack', `chat.postMessage to ${channel} answered without a ts`);
    return res.ts;
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.write(
      channel,
      () =>
        this.client.chat.update({
          channel,
          ts,
          text: message.text,
          blocks: message.blocks as never,
        }),
      'chat.update',
    );
  }

  /**
   * The ts of the message carrying `marker` posted since `sinceMs` (in the thread of
   * `threadTs` when given), or undefined. Used only after a crash may have left a post
   * unrecorded, so that the retry finds it instead of posting again.
   */
  async find(
    channel: string,
    marker: MessageMarker,
    sinceMs: number,
    threadTs?: string,
  ): Promise<string | undefined> {
    const oldest = ((sinceMs - 60_000) / 1000).toFixed(6);
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await this.read(() =>
        threadTs
          ? this.client.conversations.replies({
              channel,
              ts: threadTs,
              oldest,
              limit: 200,
              include_all_metadata: true,
              ...(cursor && { cursor }),
            })
          : this.client.conversations.history({
              channel,
              oldest,
              limit: 200,
              include_all_metadata: true,
              ...(cursor && { cursor }),
            }),
      );
      const messages = (res.messages ?? []) as HistoryMessage[];
      const found = messages.find((m) => carries(m, marker));
      if (found?.ts) return found.ts;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  private async write<T>(channel: string, call: () => Promise<T>, method = 'chat.postMessage'): Promise<T> {
    const slot = await this.pacer.reserve(channel, method);
    if (!slot.reserved) throw new ChannelBusyError(channel, slot.waitMs, false);
    if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
    try {
      const res = await call();
      await this.store.count('sent:slack');
      return res;
    } catch (error) {
      throw await this.classify(channel, error);
    }
  }

  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw await this.classify(undefined, error);
    }
  }

  private async classify(channel: string | undefined, error: unknown): Promise<Error> {
    if (error instanceof WebAPIRateLimitedError) {
      const waitMs = Math.max(1, error.retryAfter) * 1000;
      await this.store.count('ratelimited:slack');
      if (channel) {
        await this.pacer.block(channel, waitMs);
        return new ChannelBusyError(channel, waitMs, true);
      }
      return new NotifyUnavailableError('slack', `Slack rate-limited a read: retry after ${waitMs} ms`);
    }
    if (error instanceof WebAPIPlatformError) {
      const code = error.data.error;
      if (TRANSIENT_PLATFORM_ERRORS.has(code)) {
        return new NotifyUnavailableError('slack', `Slack answered ${code}`, { cause: error });
      }
      return new NotifyRefusedError('slack', code, `Slack refused the call: ${code}${where(channel)}`);
    }
    if (error instanceof WebAPIHTTPError) {
      if (error.statusCode >= 500 || error.statusCode === 408) {
        return new NotifyUnavailableError('slack', `Slack answered HTTP ${error.statusCode}`, {
          cause: error,
        });
      }
      return new NotifyRefusedError(
        'slack',
        `http_${error.statusCode}`,
        `Slack answered HTTP ${error.statusCode}${where(channel)}`,
      );
    }
    if (error instanceof WebAPIRequestError) {
      return new NotifyUnavailableError('slack', `Slack did not answer: ${error.original.message}`, {
        cause: error,
      });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function where(channel: string | undefined): string {
  return channel ? ` (channel ${channel})` : '';
}

/** Whether a message carries the marker; Slack returns metadata as an object, form posts may keep it a string. */
function carries(message: HistoryMessage, marker: MessageMarker): boolean {
  let metadata = message.metadata;
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      return false;
    }
  }
  if (typeof metadata !== 'object' || metadata === null) return false;
  const m = metadata as { event_type?: unknown; event_payload?: Record<string, unknown> };
  const p = m.event_payload;
  return (
    m.event_type === METADATA_EVENT_TYPE &&
    p !== undefined &&
    p.cluster === marker.cluster &&
    p.subject === marker.subject &&
    p.part === marker.part
  );
}
