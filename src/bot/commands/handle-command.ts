import type { Inventory } from '../../config/inventory.js';
import type { Command } from '../../core/commands/index.js';
import { parseCommand } from '../../core/commands/index.js';
import type { Logger } from '../../log/logger.js';
import type { IncidentStore } from '../../store/incident-store.js';
import type { SubscriptionStore } from '../../store/subscription-store.js';
import { channelAllowed, clusterFor, type GroupMembers, roleOf } from '../access.js';
import { renderHelp } from '../render/help.js';
import { ephemeral, problem, type Reply } from '../reply.js';
import { incidentsHandler } from './incidents.js';

/** Everything a command handler may use. The transport (HTTP, Socket Mode) is not here. */
export interface BotServices {
  inventory: Inventory;
  subscriptions: SubscriptionStore;
  incidents: IncidentStore;
  members: GroupMembers;
  /** false when the user sent too many commands lately. */
  allow: (user: string) => Promise<boolean>;
  logger: Logger;
  /** Running and recent jobs per cluster, for App Home (from the job system). */
  homeJobs?: () => Promise<Map<string, { id: string; text: string }[]>>;
  /** Handlers for commands that other parts of the bot provide (status, jobs, approvals…). */
  extra?: Partial<Record<Command['name'], CommandHandler>>;
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

/** Commands that change the cluster: only operators (and approvers) may ask for them. */
const CHANGING = new Set<Command['name']>([
  'drain',
  'undrain',
  'remove',
  'restore',
  'weight',
  'failback',
  'remount',
  'cancel',
]);

export async function handleCommand(services: BotServices, inv: Invocation): Promise<Outcome> {
  const { inventory, logger } = services;
  if (!channelAllowed(inventory, inv.channel)) {
    const where = inventory.clusters.map((c) => `<#${c.slack.channel}>`).join(', ');
    return {
      ack: problem(
        `/lvs is not enabled in this channel. Use it in ${where} or in a direct message with the bot.`,
      ),
    };
  }
  if (!(await services.allow(inv.user))) {
    return { ack: problem('Too many commands in a short time; wait a minute and try again.') };
  }
  const parsed = parseCommand(inv.text);
  if (!parsed.ok) {
    logger.info({ user: inv.user, code: parsed.error.code }, 'refused a malformed /lvs command');
    return { ack: problem(parsed.error.message) };
  }
  const command = parsed.value;

  if (CHANGING.has(command.name)) {
    const named = 'cluster' in command ? command.cluster : undefined;
    const cluster = clusterFor(inventory, inv.channel, named);
    if (cluster && (await roleOf(cluster, inv.user, services.members)) === 'viewer') {
      logger.warn(
        { user: inv.user, command: command.name },
        'refused a change by a user who is not an operator',
      );
      return {
        ack: problem(
          `You are not an operator of cluster ${cluster.name}; ask someone in its operators or approvers list.`,
        ),
      };
    }
  }

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
    await services.subscriptions.remove(sub.id);
    return { ack: ephemeral(`Removed ${sub.id} (<#${sub.channel}>: ${describeFilter(sub)}).`) };
  }
  const channel = command.channel ?? inv.channel;
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
  const lines = subs.map((s) => `• ${s.id}: <#${s.channel}>: ${describeFilter(s)}`);
  return {
    ack: ephemeral(
      ['*Subscriptions*', ...defaults, ...(lines.length ? lines : ['(none added with /lvs subscribe)'])].join(
        '\n',
      ),
    ),
  };
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
