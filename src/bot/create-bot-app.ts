import type { RequestListener, Server } from 'node:http';
import { App, type CustomRoute, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { HomeView } from '@slack/types';
import { WebClient } from '@slack/web-api';
import type { Env } from '../config/env.js';
import { guardedRoutes, guardRoutes } from '../ingest/route-guard.js';
import type { Logger } from '../log/logger.js';
import type { GroupMembers } from './access.js';
import { boltLogger } from './bolt-logger.js';
import { BotIdentity } from './bot-identity.js';
import { type BotServices, type Conversations, handleCommand } from './commands/handle-command.js';
import { renderAppHome } from './render/app-home.js';
import { problem } from './reply.js';
import { guardSlackRequests, SLACK_EVENTS_PATH } from './slack-request-guard.js';

export interface BotAppOptions {
  env: Env;
  logger: Logger;
  services: Omit<BotServices, 'members' | 'conversations'>;
  /** Extra HTTP routes served beside /slack/events (the alert ingest, /healthz, /metrics). */
  routes?: CustomRoute[];
  /** Registers more listeners (approval buttons, the guided build) on the app. */
  register?: (app: App, services: () => BotServices) => void;
  /**
   * The address the HTTP server listens on (HTTP mode); default every address, as a bot behind
   * a load balancer or Slack's requests needs. The demo gives 127.0.0.1.
   */
  host?: string;
}

export class BotConfigError extends Error {
  readonly code = 'BOT_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'BotConfigError';
  }
}

/**
 * The Bolt app, in HTTP mode (signed requests on /slack/events) or in Socket Mode when
 * SLACK_APP_TOKEN is set. Both hand every request to the same handlers.
 */
export interface BotApp {
  app: App;
  /** Starts listening; resolves to the HTTP port (the ingest routes' port in Socket Mode). */
  start: () => Promise<number>;
  stop: () => Promise<void>;
}

export function createBotApp(opts: BotAppOptions): BotApp {
  const { env, logger } = opts;
  if (!env.SLACK_BOT_TOKEN)
    throw new BotConfigError('SLACK_BOT_TOKEN is not set: the bot needs its xoxb- token');
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  if (!socketMode && !env.SLACK_SIGNING_SECRET) {
    throw new BotConfigError(
      'SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request from Slack with it',
    );
  }
  const token = env.SLACK_BOT_TOKEN;
  const boltLog = boltLogger(logger);
  const identity = new BotIdentity({
    token,
    slackApiUrl: env.SLACK_API_URL,
    logger,
    clientOptions: { logger: boltLog },
  });
  // Bolt's `token` option makes it ask Slack (auth.test) before it hands a request to a
  // listener, on every request until it knows the bot's ids: with the Web API down, no command
  // is acknowledged. This authorize never calls Slack; the ids are asked once, at start.
  const authorize = async () => ({ botToken: token, ...identity.known() });
  const common = {
    authorize,
    logger: boltLog,
    clientOptions: { slackApiUrl: env.SLACK_API_URL },
    customRoutes: opts.routes ?? [],
  };
  const app = socketMode
    ? new App({
        authorize,
        logger: boltLog,
        clientOptions: common.clientOptions,
        socketMode: true,
        receiver: guardedSocketModeReceiver(
          env.SLACK_APP_TOKEN!,
          common.customRoutes,
          { port: env.PORT, clientOptions: common.clientOptions },
          boltLog,
        ),
      })
    : new App({
        authorize,
        logger: boltLog,
        clientOptions: common.clientOptions,
        receiver: signedOnlyReceiver(env.SLACK_SIGNING_SECRET!, common.customRoutes, boltLog),
      });
  // One workspace: the app's own client carries the bot token, as it would with Bolt's `token`.
  app.client = new WebClient(token, app.webClientOptions);

  const members = groupMembersCache(app, logger);
  const conversations = conversationsOf(
    new WebClient(token, {
      ...app.webClientOptions,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 2_000,
    }),
  );
  const services: BotServices = { ...opts.services, members, conversations };

  app.command('/lvs', async ({ command, ack, respond }) => {
    let outcome: Awaited<ReturnType<typeof handleCommand>>;
    try {
      outcome = await handleCommand(services, {
        user: command.user_id,
        channel: command.channel_id,
        text: command.text,
      });
    } catch (err) {
      logger.error({ err }, '/lvs failed');
      await ack(problem('Something went wrong on our side; the error is in the bot log.'));
      return;
    }
    await ack(outcome.ack);
    if (outcome.later) {
      try {
        const reply = await outcome.later();
        if (reply) await respond(reply);
      } catch (err) {
        logger.error({ err }, '/lvs follow-up failed');
        // Our own typed errors say what to do; anything else stays in the log.
        const said =
          err instanceof Error && typeof (err as { code?: unknown }).code === 'string'
            ? err.message
            : undefined;
        await respond(
          problem(said ?? 'The command failed while working; the error is in the bot log.'),
        ).catch(() => undefined);
      }
    }
  });

  opts.register?.(app, () => services);

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      const openIncidents = new Map(
        await Promise.all(
          services.inventory.clusters.map(
            async (c) => [c.name, await services.incidents.open(c.name)] as const,
          ),
        ),
      );
      const jobs = services.homeJobs ? await services.homeJobs() : undefined;
      await client.views.publish({
        user_id: event.user,
        // Our blocks are plain objects checked by tests against Slack's limits; Bolt types them as View.
        view: renderAppHome({
          inventory: services.inventory,
          openIncidents,
          ...(jobs && { jobs }),
        }) as unknown as HomeView,
      });
    } catch (err) {
      logger.error({ err, user: event.user }, 'could not publish App Home');
    }
  });

  return {
    app,
    async start() {
      void identity.resolve();
      const listen = opts.host && !socketMode ? { port: env.PORT, host: opts.host } : env.PORT;
      const server = (await app.start(listen)) as unknown;
      const address = (server as { address?: () => unknown }).address?.();
      const port =
        typeof address === 'object' && address && 'port' in address ? Number(address.port) : env.PORT;
      logger.info({ port, mode: socketMode ? 'socket' : 'http' }, 'bot started');
      return port;
    },
    async stop() {
      identity.stop();
      await app.stop();
    },
  };
}

/**
 * Bolt's HTTP receiver, behind our checks of what it lets through: first the paths, methods
 * and declared sizes of every request (guardRoutes), then Slack's own checks
 * (guardSlackRequests). Bolt routes nothing else: no installer, so no /slack/install or
 * /slack/oauth_redirect.
 */
function signedOnlyReceiver(
  signingSecret: string,
  customRoutes: CustomRoute[],
  logger: ReturnType<typeof boltLogger>,
): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret, customRoutes, logger });
  const routes = [{ path: SLACK_EVENTS_PATH, methods: ['POST'] }, ...guardedRoutes(customRoutes)];
  receiver.requestListener = guardRoutes(
    routes,
    guardSlackRequests(signingSecret, receiver.requestListener, logger),
  );
  return receiver;
}

/**
 * Bolt's Socket Mode receiver serves the custom routes (the ingest) on an HTTP server of its
 * own, whose router reads paths as the HTTP receiver's does (dot segments resolved, case and a
 * trailing slash ignored): the same front door goes in front of it. Bolt keeps that server
 * private; it is made in the constructor, with one request listener.
 */
function guardedSocketModeReceiver(
  appToken: string,
  customRoutes: CustomRoute[],
  /** The routes' port, and the Web API's URL (apps.connections.open), as App would pass them. */
  installerOptions: { port: number; clientOptions: { slackApiUrl: string } },
  logger: ReturnType<typeof boltLogger>,
): SocketModeReceiver {
  const receiver = new SocketModeReceiver({ appToken, customRoutes, installerOptions, logger });
  if (customRoutes.length === 0) return receiver;
  const server = (receiver as unknown as { httpServer?: Server }).httpServer;
  const listeners = server?.listeners('request') as RequestListener[] | undefined;
  if (!server || listeners?.length !== 1) {
    throw new Error(
      "Bolt's Socket Mode receiver no longer has the one HTTP server this bot guards; its routes would be served unchecked",
    );
  }
  const [bolt] = listeners as [RequestListener];
  server.removeAllListeners('request');
  server.on('request', guardRoutes(guardedRoutes(customRoutes), bolt));
  return receiver;
}

/** Members of Slack user groups, asked of Slack and kept for five minutes. */
function groupMembersCache(app: App, logger: Logger): GroupMembers {
  const cache = new Map<string, { at: number; users: string[] }>();
  return async (usergroup) => {
    const hit = cache.get(usergroup);
    if (hit && Date.now() - hit.at < 300_000) return hit.users;
    try {
      const res = await app.client.usergroups.users.list({ usergroup });
      const users = res.users ?? [];
      cache.set(usergroup, { at: Date.now(), users });
      return users;
    } catch (err) {
      logger.warn({ err, usergroup }, 'could not list the members of a user group');
      return hit?.users ?? [];
    }
  };
}

/**
 * What the authorization asks Slack about conversations. Asked with a client that does not
 * retry and gives up after 2 s: the answer is needed within Slack's 3 s ack. Whether a
 * conversation is an im of the bot's, and with whom, never changes: that answer is kept.
 * Members are asked each time (only subscription changes need them).
 */
function conversationsOf(client: WebClient): Conversations {
  const ims = new Map<string, string | undefined>();
  return {
    async imUser(channel) {
      if (ims.has(channel)) return ims.get(channel);
      let user: string | undefined;
      try {
        const res = await client.conversations.info({ channel });
        const info = res.channel as { is_im?: boolean; user?: string } | undefined;
        user = info?.is_im === true && typeof info.user === 'string' ? info.user : undefined;
      } catch (err) {
        // Not one the bot can see (a direct message between two people): not the bot's im.
        if ((err as { data?: { error?: string } }).data?.error !== 'channel_not_found') throw err;
        user = undefined;
      }
      if (ims.size > 10_000) ims.clear();
      ims.set(channel, user);
      return user;
    },
    async members(channel) {
      const members: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await client.conversations.members({ channel, limit: 1000, ...(cursor && { cursor }) });
        members.push(...(res.members ?? []));
        cursor = res.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return members;
    },
  };
}
