/**
 * The payloads Slack sends an app, field for field as documented: slash commands
 * (docs.slack.dev/interactivity/implementing-slash-commands), block_actions and
 * view_submission (docs.slack.dev/reference/interaction-payloads), and the Events API's
 * event_callback wrapper (docs.slack.dev/apis/events-api).
 */
import type { ChannelRecord, Directory, UserRecord } from './directory.js';

type Json = Record<string, unknown>;

function channelName(channel: ChannelRecord): string {
  if (channel.isIm) return 'directmessage';
  return channel.isPrivate ? 'privategroup' : channel.name;
}

function teamJson(directory: Directory): Json {
  return { id: directory.team.id, domain: directory.team.domain };
}

function userJson(directory: Directory, user: UserRecord): Json {
  return { id: user.id, username: user.name, name: user.name, team_id: directory.team.id };
}

/** The form fields of a slash command request (all strings, as they travel form-encoded). */
export function slashCommandPayload(
  directory: Directory,
  input: {
    user: UserRecord;
    channel: ChannelRecord;
    command: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): Record<string, string> {
  return {
    token: directory.app.verificationToken,
    team_id: directory.team.id,
    team_domain: directory.team.domain,
    channel_id: input.channel.id,
    channel_name: channelName(input.channel),
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: directory.app.id,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  };
}

export type ActionSource =
  | { kind: 'message'; channel: ChannelRecord; message: Json; responseUrl: string }
  | { kind: 'ephemeral'; channel: ChannelRecord; messageTs: string; responseUrl: string }
  | { kind: 'view'; view: Json };

export function blockActionsPayload(
  directory: Directory,
  input: { user: UserRecord; source: ActionSource; action: Json; state: Json; triggerId: string },
): Json {
  const { source } = input;
  const payload: Json = {
    type: 'block_actions',
    user: userJson(directory, input.user),
    api_app_id: directory.app.id,
    token: directory.app.verificationToken,
    container: {},
    trigger_id: input.triggerId,
    team: teamJson(directory),
    enterprise: null,
    is_enterprise_install: false,
  };
  if (source.kind === 'view') {
    payload.container = { type: 'view', view_id: source.view.id };
    payload.view = source.view;
  } else {
    const messageTs = source.kind === 'message' ? String(source.message.ts) : source.messageTs;
    payload.container = {
      type: 'message',
      message_ts: messageTs,
      channel_id: source.channel.id,
      is_ephemeral: source.kind === 'ephemeral',
    };
    payload.channel = { id: source.channel.id, name: channelName(source.channel) };
    // Slack sends the message for channel messages, not for ephemeral ones.
    if (source.kind === 'message') payload.message = source.message;
    payload.state = input.state;
    payload.response_url = source.responseUrl;
  }
  payload.actions = [input.action];
  return payload;
}

export function viewSubmissionPayload(
  directory: Directory,
  input: { user: UserRecord; view: Json; triggerId: string },
): Json {
  return {
    type: 'view_submission',
    team: teamJson(directory),
    user: userJson(directory, input.user),
    api_app_id: directory.app.id,
    token: directory.app.verificationToken,
    trigger_id: input.triggerId,
    view: input.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function viewClosedPayload(
  directory: Directory,
  input: { user: UserRecord; view: Json; isCleared: boolean },
): Json {
  return {
    type: 'view_closed',
    team: teamJson(directory),
    user: userJson(directory, input.user),
    api_app_id: directory.app.id,
    token: directory.app.verificationToken,
    view: input.view,
    is_cleared: input.isCleared,
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** The Events API wrapper around one event. */
export function eventCallbackPayload(
  directory: Directory,
  input: { event: Json; eventId: string; eventTime: number },
): Json {
  const channel = typeof input.event.channel === 'string' ? input.event.channel : '';
  return {
    token: directory.app.verificationToken,
    team_id: directory.team.id,
    context_team_id: directory.team.id,
    context_enterprise_id: null,
    api_app_id: directory.app.id,
    event: input.event,
    type: 'event_callback',
    event_id: input.eventId,
    event_time: input.eventTime,
    authorizations: [
      {
        enterprise_id: null,
        team_id: directory.team.id,
        user_id: directory.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(`${input.event.type}-${directory.team.id}-${channel}`).toString('base64url')}`,
  };
}
