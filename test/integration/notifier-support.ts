import {
  defaultSeedInput,
  type LocalSlack,
  type LocalSlackOptions,
  startLocalSlack,
} from '../../src/localslack/index.js';
import type { LocalMessage } from '../../src/localslack/types.js';

export const BOT_TOKEN = 'xoxb-0000000000-alerts-test';
export const SIGNING_SECRET = 'alerts-test-signing-secret';

/** Channels the alert tests post to; the bot is a member of each. */
export const CHANNELS = ['C0LVSOPS', 'C0ALERTS', 'C0PROD', 'C0WEB'] as const;

/**
 * A local Slack for the notifier: the lab's workspace plus a few channels, and the history
 * scopes the notifier needs to find a post it made just before a crash.
 */
export async function startAlertSlack(limits?: LocalSlackOptions['limits']): Promise<LocalSlack> {
  const seed = defaultSeedInput();
  seed.app.scopes = [...new Set([...seed.app.scopes, 'channels:history', 'groups:history', 'chat:write'])];
  const members = ['U0OPERATOR', 'U0APPROVER', seed.app.botUserId];
  for (const id of CHANNELS) {
    if (!seed.channels.some((c) => c.id === id)) {
      seed.channels.push({ id, name: id.toLowerCase().slice(1), members });
    }
  }
  return startLocalSlack({
    seed,
    app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    ...(limits && { limits }),
  });
}

/** Top-level messages the bot posted in a channel. */
export function botMessages(slack: LocalSlack, channel: string): LocalMessage[] {
  return slack.messages(channel).filter((m) => m.botId !== undefined && !m.deleted);
}

/** The incident id a message is about (from its metadata), or the digest id. */
export function subjectOf(slack: LocalSlack, message: LocalMessage): string | undefined {
  const call = slack
    .calls('chat.postMessage')
    .find((c) => c.response.ts === message.ts && c.response.channel === message.channel);
  let metadata = call?.args.metadata;
  if (typeof metadata === 'string') metadata = JSON.parse(metadata);
  return (metadata as { event_payload?: { subject?: string } } | undefined)?.event_payload?.subject;
}
