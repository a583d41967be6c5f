import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalSlack } from '../local-slack.js';
import type { LocalSlackEvent } from '../types.js';

/** Server-sent events keep-alive: proxies and browsers drop a silent stream after a while. */
const PING_MS = 15_000;

/** What one user's page is told about: their channels' messages, their ephemerals and views. */
export function eventFor(
  slack: LocalSlack,
  user: string,
  event: LocalSlackEvent,
): { name: string; data: unknown } | undefined {
  switch (event.type) {
    case 'message_posted':
    case 'message_changed':
    case 'message_deleted': {
      const channel = slack.workspace().channels.find((c) => c.id === event.message.channel);
      if (!channel?.members.includes(user)) return undefined;
      return { name: 'message', data: event.message };
    }
    case 'ephemeral_posted':
    case 'ephemeral_changed':
      return event.ephemeral.user === user ? { name: 'ephemeral', data: event.ephemeral } : undefined;
    case 'view_opened':
    case 'view_updated':
    case 'view_closed':
      return event.view.user === user ? { name: 'view', data: event.view } : undefined;
    default:
      return undefined;
  }
}

/**
 * `GET /console/api/events?user=U…`: a text/event-stream of what that user's page shows,
 * live (`message`, `ephemeral`, `view`, and `controls` when the control panel acted).
 */
export class ConsoleEvents {
  private readonly streams = new Set<{ user: string; res: ServerResponse }>();
  private readonly unwatch: () => void;

  constructor(slack: LocalSlack) {
    this.unwatch = slack.watch((event) => {
      for (const stream of this.streams) {
        const out = eventFor(slack, stream.user, event);
        if (out) send(stream.res, out.name, out.data);
      }
    });
  }

  open(req: IncomingMessage, res: ServerResponse, user: string): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The browser reconnects after this long when the stream breaks.
    res.write('retry: 1000\n\n');
    const stream = { user, res };
    this.streams.add(stream);
    send(res, 'hello', { user });
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    ping.unref();
    const close = (): void => {
      clearInterval(ping);
      this.streams.delete(stream);
    };
    req.on('close', close);
    res.on('close', close);
  }

  /** Tells every page (whoever its user) something that is not Slack's: the control panel acted. */
  broadcast(name: string, data: unknown): void {
    for (const stream of this.streams) send(stream.res, name, data);
  }

  close(): void {
    this.unwatch();
    for (const stream of this.streams) stream.res.end();
    this.streams.clear();
  }
}

function send(res: ServerResponse, name: string, data: unknown): void {
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}
