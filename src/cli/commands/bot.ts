import { startBot } from '../../bot/start-bot.js';
import { hasIngestTokens } from '../../config/ingest-tokens.js';
import { createLogger } from '../../log/logger.js';
import { loadCliInventory, readCliEnv } from '../cli-setup.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops bot [--with-notifier] [--no-event-processor]

Runs the Slack app and the alert ingest in one process:
  - /slack/events (HTTP mode, every request's signature verified), or Socket Mode when
    SLACK_APP_TOKEN is set;
  - POST /hooks/mon, /hooks/heartbeat, /hooks/keepalived (bearer INGEST_TOKEN, or a token of
    the inventory's clusters[].ingest.tokens), GET /healthz
    and /metrics, on PORT;
  - the event processor that turns stored alerts into incidents (unless --no-event-processor).
Slow work (status reads, plans, runs, and the Slack notifications) is done by
'lvs-chatops worker' processes; run at least one. Run several bots behind a load balancer
if you like: they share everything through Redis.

Options:
  --with-notifier       also send the incident notifications from this process (one-process setups)
  --no-event-processor  leave turning alerts into incidents (and escalation) to workers started
                        with 'lvs-chatops worker --event-processor': this process's core is
                        left to the ingest and Slack (alert storms); run at least one such worker

Environment (docs/interfaces.md): LVS_INVENTORY, REDIS_URL, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SLACK_APP_TOKEN, SLACK_API_URL, PORT, INGEST_TOKEN, LOG_LEVEL.`;

export const botCommand: CliCommand = {
  name: 'bot',
  summary: 'the Slack app and the HTTP server for alert ingest (one process)',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    const unknown = args.find((a) => a !== '--with-notifier' && a !== '--no-event-processor');
    if (unknown) {
      io.err(`lvs-chatops bot: unknown option '${unknown}'\n\n${usage}`);
      return EXIT_USAGE;
    }
    const env = readCliEnv('bot', io);
    if (!env) return EXIT_FAILURE;
    const inventory = await loadCliInventory('bot', io, env.LVS_INVENTORY);
    if (!inventory) return EXIT_FAILURE;
    const missing = [
      !env.SLACK_BOT_TOKEN && 'SLACK_BOT_TOKEN (the xoxb- bot token)',
      !env.SLACK_APP_TOKEN &&
        !env.SLACK_SIGNING_SECRET &&
        'SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)',
      // Without INGEST_TOKEN, the inventory's clusters[].ingest.tokens are the only ones.
      !env.INGEST_TOKEN &&
        !hasIngestTokens(inventory) &&
        "INGEST_TOKEN (the shared secret of the alert scripts; or give the inventory's clusters their own ingest.tokens)",
    ].filter(Boolean);
    if (missing.length > 0) {
      io.err(`lvs-chatops bot: set ${missing.join(', ')} in the environment`);
      return EXIT_FAILURE;
    }
    const logger = createLogger({ level: env.LOG_LEVEL, name: 'lvs-chatops-bot' });
    let bot: Awaited<ReturnType<typeof startBot>>;
    try {
      bot = await startBot({
        env,
        inventory,
        logger,
        notifyWorker: args.includes('--with-notifier'),
        eventProcessor: !args.includes('--no-event-processor'),
      });
    } catch (error) {
      io.err(`lvs-chatops bot: could not start: ${(error as Error).message}`);
      return EXIT_FAILURE;
    }
    io.out(
      `lvs-chatops bot listening on port ${bot.port} (${env.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP mode'})`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'shutting down');
        // Nothing the bot holds is lost by stopping (it is all in Redis): never hang on the way out.
        const deadline = setTimeout(() => {
          logger.warn('shutdown took over 10 s; exiting anyway');
          resolve();
        }, 10_000);
        deadline.unref();
        void bot.close().then(resolve, resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    // Connections a library left open must not keep a stopped bot alive.
    setTimeout(() => process.exit(EXIT_OK), 2000).unref();
    return EXIT_OK;
  },
};
