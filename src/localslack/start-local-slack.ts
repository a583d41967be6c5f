import { LocalSlack } from './local-slack.js';
import { type LocalSlackOptions, resolveOptions } from './local-slack-options.js';

/**
 * Starts a local Slack on 127.0.0.1 (a free port unless `port` is given) and returns it
 * listening. Give the app `slack.apiUrl` as its Slack API URL.
 */
export async function startLocalSlack(options: LocalSlackOptions): Promise<LocalSlack> {
  return new LocalSlack(resolveOptions(options)).listen();
}
