import type { Inventory } from '../../config/inventory.js';
import type { Command } from '../../core/commands/index.js';
import { parseCommand } from '../../core/commands/index.js';
import type { Logger } from '../../log/logger.js';
import type { IncidentStore } from '../../store/incident-store.js';
import type { SubscriptionStore } from '../../store/subscription-store.js';
import { type GroupMembers, placeOf } from '../access.js';
import { checkCommand } from '../command-target.js';
import { renderHelp } from '../render/help.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import { incidentsHandler } from './incidents.js';

/** Everything a command handler may use. The transport (HTTP, Socket Mode) is not here. */
export interface BotServices {
  inventory: Inventory;
  subscriptions: SubscriptionStore;
  incidents: IncidentStore;
  members: GroupMembers;
  /** What the bot asks Slack about conversations (cached; see create-bot-app.ts). */
  conversations: Conversations;
  /** The cluster of a job (for /lvs cancel), or undefined for an unknown job. */
  jobCluster?: (id: string) => Promise<string | undefined>;
  /** false when the user sent too many commands lately. */
  allow: (user: string) => Promise<boolean>;
  logger: Logger;
  /** Running and recent jobs per cluster, for App Home (from the job system). */
  homeJobs?: () => Promise<Map<string, { id: string; text: string }[]>>;
  /** Handlers for commands that other parts of the bot provide (status, jobs, approvals…). */
  extra?: Partial<Record<Command['name'], CommandHandler>>;
}

/** Slack's answers about conversations, as the authorization needs them. */
export interface Conversations {
  /**
   * The user at the other end when the channel is an im of the bot's (conversations.info says
   * `is_im` and `user`); undefined for any other conversation, or one the bot cannot see (a
   * direct message between two people). Throws when Slack could not be asked.
   */
  imUser(channel: string): Promise<string | undefined>;
  /** The members of a conversation (conversations.members); throws when Slack could not be asked. */
  members(channel: string): Promise<string[]>;
}

export interface Invocation {
  user: string;
  channel: string;
  text: string;
}

/** The answer to the command within Slack's 3 s (the ack), and slow work answered later. */
export interface Outcome {
  ack: Reply;
  later?: () => Promise<Reply | undefined>;
}

export type CommandHandler = (services: BotServices, inv: Invocation, command: Command) => Promise<Outcome>;

export async function handleCommand(services: BotServices, inv: Invocation): Promise<Outcome> {
  const { logger } = services;
  const place = await whereAsked(services, inv);
  if (place !== 'ok') return { ack: problem(place) };
  if (!(await services.allow(inv.user))) {
    return { ack: problem('Too many commands in a short time; wait a minute and try again.') };
  }
  const parsed = parseCommand(inv.text);
  if (!parsed.ok) {
    logger.info({ user: inv.user, code: parsed.error.code }, 'refused a malformed /lvs command');
    return { ack: problem(parsed.error.message) };
  }
  // Decided by what the command touches, not by the channel it was typed in: an operator of
  // one cluster cannot act on another's from their own channel, nor anyone from a DM.
  const check = await checkCommand(services, inv.user, inv.channel, parsed.value);
  if (!check.allowed) return { ack: problem(check.reason) };
  const { command } = check;

  const extra = services.extra?.[command.name];
  if (extra) return extra(services, inv, command);

  switch (command.name) {
    case 'help':
      return { ack: renderHelp() };
    case 'subscribe':
      return subscribe(services, inv, command);
    case 'unsubscribe':
      return unsubscribe(services, inv, command);
    case 'subscriptions':
      return listSubscriptions(services, inv);
    case 'incidents':
    case 'incident':
      return incidentsHandler()(services, inv, command);
    default:
      return { ack: problem(`/lvs ${command.name} is not available in this version of the bot yet.`) };
  }
}

/**
 * 'ok' where /lvs is answered: a cluster's channel or command channel, or the requester's own
 * direct message with the bot (asked of Slack, not guessed from the `D` of its id); else the
 * refusal, saying where to ask.
 */
async function whereAsked(services: BotServices, inv: Invocation): Promise<'ok' | string> {
  const { inventory, logger } = services;
  const where = `Use it in ${inventory.clusters.map((c) => `<#${c.slack.channel}>`).join(', ')} or in your direct message with the bot.`;
  let imUser: string | undefined;
  // Only an id of Slack's direct-message shape can be an im; anything else is not worth asking about.
  if (/^D[A-Z0-9]+$/.test(inv.channel) && !inventory.clusters.some((c) => c.slack.channel === inv.channel)) {
    try {
      imUser = await services.conversations.imUser(inv.channel);
    } catch (err) {
      logger.warn(
        { err: (err as Error).message, channel: inv.channel },
        'could not ask Slack what this conversation is',
      );
      return `Slack could not tell whether this is your direct message with the bot, so nothing was done. Try again, or ${where.charAt(0).toLowerCase()}${where.slice(1)}`;
    }
  }
  const place = placeOf(inventory, inv.channel, inv.user, imUser);
  if (place.kind !== 'elsewhere') return 'ok';
  logger.info(
    { user: inv.user, channel: inv.channel },
    "refused /lvs outside the clusters' channels and the bot's DMs",
  );
  return `/lvs is not enabled in this channel. ${where}`;
}

/**
 * A subscription routes a cluster's incidents (hosts, mon output, buttons) into a channel:
 * only someone in that channel may add or remove one there. Undefined when they are.
 */
async function notAMember(services: BotServices, user: string, channel: string): Promise<string | undefined> {
  let members: string[];
  try {
    members = await services.conversations.members(channel);
  } catch (err) {
    services.logger.warn({ err: (err as Error).message, channel }, 'could not list the members of a channel');
    return `The bot cannot see the members of <#${channel}> (is it in the channel?), so nothing was changed. Invite the bot there and try again.`;
  }
  if (members.includes(user)) return undefined;
  services.logger.warn({ user, channel }, 'refused a subscription change by someone not in the channel');
  return `You are not a member of <#${channel}>; only its members may change what it is sent. Nothing was changed.`;
}

async function subscribe(
  services: BotServices,
  inv: Invocation,
  command: Extract<Command, { name: 'subscribe' }>,
): Promise<Outcome> {
  const channel = command.channel ?? inv.channel;
  const f = command.filter;
  if (f.cluster && !services.inventory.clusters.some((c) => c.name === f.cluster)) {
    const known = services.inventory.clusters.map((c) => c.name).join(', ');
    return { ack: problem(`cluster ${f.cluster} is not in the inventory; known: ${known}`) };
  }
  const outsider = await notAMember(services, inv.user, channel);
  if (outsider) return { ack: problem(outsider) };
  const { subscription, created } = await services.subscriptions.add({
    channel,
    ...f,
    createdBy: inv.user,
  });
  const what = describeFilter(f);
  return {
    ack: ephemeral(
      created
        ? `Subscribed <#${channel}> to ${what} (${subscription.id}).`
        : `<#${channel}> is already subscribed to ${what} (${subscription.id}).`,
    ),
  };
}

async function unsubscribe(
  services: BotServices,
  inv: Invocation,
  command: Extract<Command, { name: 'unsubscribe' }>,
): Promise<Outcome> {
  if (command.id) {
    const subs = await services.subscriptions.list();
    const sub = subs.find((s) => s.id === command.id);
    if (!sub) return { ack: problem(`no subscription ${command.id}; see /lvs subscriptions`) };
    const outsider = await notAMember(services, inv.user, sub.channel);
    if (outsider) return { ack: problem(outsider) };
    await services.subscriptions.remove(sub.id);
    return { ack: ephemeral(`Removed ${sub.id} (<#${sub.channel}>: ${describeFilter(sub)}).`) };
  }
  const channel = command.channel ?? inv.channel;
  if ((await services.subscriptions.list(channel)).length > 0) {
    const outsider = await notAMember(services, inv.user, channel);
    if (outsider) return { ack: problem(outsider) };
  }
  const n = await services.subscriptions.removeChannel(channel);
  return {
    ack: ephemeral(
      n === 0 ? `<#${channel}> had no subscriptions.` : `Removed ${n} subscription(s) of <#${channel}>.`,
    ),
  };
}

async function listSubscriptions(services: BotServices, _inv: Invocation): Promise<Outcome> {
  const subs = await services.subscriptions.list();
  const defaults = services.inventory.clusters.map(
    (c) => `• <#${c.slack.channel}>: everything of cluster ${c.name} (inventory default)`,
  );
  const lines = subs.map((s) => `• ${s.id}: <#${s.channel}>: ${describeFilter(s)} · ${madeBy(s)}`);
  return {
    ack: ephemeral(
      ['*Subscriptions*', ...defaults, ...(lines.length ? lines : ['(none added with /lvs subscribe)'])].join(
        '\n',
      ),
    ),
  };
}

/** Who added a subscription and when; subscriptions stored before this was kept read "unknown". */
function madeBy(s: { createdBy?: string; createdAt?: number }): string {
  const by = s.createdBy ? `<@${s.createdBy}>` : 'unknown';
  const at = s.createdAt
    ? `${new Date(s.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
    : 'unknown';
  return `added by ${by} at ${at}`;
}

function describeFilter(f: { cluster?: string; group?: string; service?: string; kind?: string }): string {
  const parts = [
    f.kind ? `${f.kind}s` : 'everything',
    f.cluster && `of cluster ${f.cluster}`,
    f.group && `group ${f.group}`,
    f.service && `service ${f.service}`,
  ].filter(Boolean);
  return parts.join(' ');
}
