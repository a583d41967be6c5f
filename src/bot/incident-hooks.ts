import { LogLevel, WebClient } from '@slack/web-api';
import type { Env } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import type { PipelineParts } from '../ingest/alert-pipeline.js';
import type { IncidentHook } from '../ingest/event-processor.js';
import type { Logger } from '../log/logger.js';
import { SilenceStore } from '../store/silence-store.js';
import { endSilencesOnResolve } from './commands/ack-silence.js';
import { Escalations } from './escalation/escalations.js';

export interface IncidentHooksOptions {
  env: Env;
  inventory: Inventory;
  logger: Logger;
  /** Also fire the due escalation steps from this process (they post to Slack: needs SLACK_BOT_TOKEN). */
  fireEscalations: boolean;
}

export interface IncidentHooks {
  hooks: IncidentHook[];
  escalations: Escalations;
  silences: SilenceStore;
}

/**
 * What the event processor does after each event besides notifying, wherever it runs (the
 * bot, or a `lvs-chatops worker --event-processor`): an open incident gets its escalation
 * scheduled, a resolved one ends the silences held until it resolved.
 */
export function incidentHooks(parts: PipelineParts, opts: IncidentHooksOptions): IncidentHooks {
  const { env, inventory, logger } = opts;
  // Fails fast, as the notifier's client: the escalation job retries with backoff. The client's
  // own retries (up to 30 minutes, rate limits waited out inside the job) kept a stopping bot
  // waiting on its running jobs.
  const slack = new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
  const escalations = new Escalations({
    redisUrl: env.REDIS_URL,
    keys: parts.keys,
    inventory,
    incidents: parts.incidents,
    events: parts.events,
    notifications: parts.notifications,
    post: async (args) => slack.chat.postMessage(args),
    logger,
    worker: opts.fireEscalations,
  });
  const silences = new SilenceStore(parts.redis, parts.keys.prefix);
  return {
    escalations,
    silences,
    hooks: [
      escalations.hook(),
      endSilencesOnResolve({
        silences,
        incidents: parts.incidents,
        events: parts.events,
        inventory: () => inventory,
        logger,
      }),
    ],
  };
}
