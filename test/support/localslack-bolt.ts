import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { LocalSlack } from '../../src/localslack/index.js';

export type BoltApp = App;

export const SIGNING_SECRET = 'local-slack-test-signing-secret';
export const BOT_TOKEN = 'xoxb-0000000000-local-slack-test';
export const APP_TOKEN = 'xapp-1-A0LVSCHATOPS-0000-local-slack-test';

/** A quiet logger: Bolt's warnings about refused requests are expected in these tests. */
export const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/**
 * An unmodified Bolt app in HTTP mode, listening on a free port, pointed at the local Slack
 * (Web API via clientOptions.slackApiUrl, deliveries to its /slack/events).
 */
export async function startHttpBolt(
  slack: LocalSlack,
  register: (app: BoltApp) => void,
): Promise<{ app: BoltApp; requestUrl: string; stop(): Promise<void> }> {
  const app = new App({
    token: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logger: quietLogger,
  });
  register(app);
  const server = (await app.start(0)) as Server;
  const { port } = server.address() as AddressInfo;
  const requestUrl = `http://127.0.0.1:${port}/slack/events`;
  slack.setApp({ requestUrl });
  return { app, requestUrl, stop: () => app.stop().then(() => undefined) };
}

/**
 * An unmodified Bolt app in Socket Mode: Bolt's SocketModeReceiver, whose SocketModeClient
 * reaches apps.connections.open through clientOptions.slackApiUrl.
 */
export async function startSocketBolt(
  slack: LocalSlack,
  register: (app: BoltApp) => void,
  opts: { clientPingTimeout?: number } = {},
): Promise<{ app: BoltApp; stop(): Promise<void> }> {
  const receiver = new SocketModeReceiver({
    appToken: APP_TOKEN,
    logger: quietLogger,
    installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } },
    ...(opts.clientPingTimeout ? { clientPingTimeout: opts.clientPingTimeout } : {}),
  });
  const app = new App({
    token: BOT_TOKEN,
    receiver,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logger: quietLogger,
  });
  register(app);
  await app.start();
  return { app, stop: () => app.stop().then(() => undefined) };
}
