import { readEnv } from '../../src/config/env.js';
import { type AlertPipeline, startAlertPipeline } from '../../src/ingest/alert-pipeline.js';
import { createLogger } from '../../src/log/logger.js';
import { Keys } from '../../src/store/keys.js';
import { stormInventory } from './storm-alerts.js';

/**
 * The lvs-chatops alert path as processes of its own, as Alertmanager is one, started by
 * `startAlertPipeline` with its defaults (flood throttle, channel pacing, storm digest), in
 * one of two roles, as an operator deploys it for storms:
 * - `ingest`: `/hooks/mon` only, what `lvs-chatops bot --no-event-processor` runs of it;
 * - `events`: the event processor and the Slack notifier, what `lvs-chatops worker
 *   --event-processor` runs of it.
 * Forked by lvs-chatops.ts with its settings in BENCH_PIPELINE; answers `{ ready, url }`
 * over IPC (`url` for the ingest), stops on 'stop'.
 */
export interface PipelineChildSettings {
  redisUrl: string;
  prefix: string;
  slackApiUrl: string;
  botToken: string;
  ingestToken: string;
  hosts: number;
  role: 'ingest' | 'events';
}

// The bench went away (it crashed, or gave up waiting for us): go too, whatever state we are in.
let stop = async (): Promise<void> => {
  process.exit(1);
};
process.on('disconnect', () => void stop());

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_PIPELINE ?? '') as PipelineChildSettings;
  const env = readEnv({
    REDIS_URL: settings.redisUrl,
    SLACK_BOT_TOKEN: settings.botToken,
    SLACK_API_URL: settings.slackApiUrl,
    INGEST_TOKEN: settings.ingestToken,
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: 'warn', name: 'bench-pipeline' });
  const pipeline: AlertPipeline = await startAlertPipeline({
    env,
    inventory: stormInventory(settings.hosts),
    logger,
    keys: new Keys(settings.prefix),
    port: 0,
    host: '127.0.0.1',
    serve: settings.role === 'ingest',
    processor: settings.role === 'events',
    worker: settings.role === 'events',
  });
  let stopping = false;
  stop = async () => {
    if (stopping) return;
    stopping = true;
    await pipeline.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  if (!process.connected) return stop();
  process.send?.({ ready: true, url: pipeline.server?.url ?? '' });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench pipeline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
