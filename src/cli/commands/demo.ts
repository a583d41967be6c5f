import { pino } from 'pino';
import { DemoError } from '../../demo/demo-error.js';
import { type Demo, startDemo } from '../../demo/start-demo.js';
import { LabError } from '../../lab/index.js';
import { createLogger } from '../../log/logger.js';
import { readCliEnv } from '../cli-setup.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const DEFAULT_PORT = 3100;

const usage = `usage: lvs-chatops demo [--port N] [--no-lab]

Everything on one machine, without a Slack workspace: Redis (the one at REDIS_URL, or a
redis-server started for the demo that keeps nothing on disk), the lab (two UML directors
with IPVS and heartbeat, three real servers, mon), the local Slack with its console page,
the bot, the alert pipeline and a playbook worker; #lvs-ops is subscribed to the lab.

It prints the console's URL on a line of its own (http://127.0.0.1:PORT/; the local Slack's
Web API is that URL + api/) and a few things to try. Ctrl-C (SIGINT) or SIGTERM stops
everything it started and leaves nothing behind: the lab goes down, its redis-server stops,
its keys are removed from a Redis it did not start.

Options:
  --port N   the console's port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 takes a free one)
  --no-lab   no lab: the page and the bot only, for a quick look (no root needed)

Environment: REDIS_URL, LOG_LEVEL (the demo logs warnings and errors to stderr unless set).
The lab needs root and the packages of scripts/install-deps.sh.`;

class UsageError extends Error {}

function options(args: string[]): { port: number; lab: boolean } {
  let port = DEFAULT_PORT;
  let lab = true;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === '--port') {
      const value = inline ?? args[++i];
      if (value === undefined || !/^(0|[1-9][0-9]{0,4})$/.test(value) || Number(value) > 65535) {
        throw new UsageError(`--port takes a port number from 0 to 65535, got '${value ?? ''}'`);
      }
      port = Number(value);
    } else if (flag === '--no-lab' && inline === undefined) {
      lab = false;
    } else {
      throw new UsageError(`unknown option '${args[i]}'`);
    }
  }
  return { port, lab };
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'everything on one machine: Redis, the lab, bot, worker and the local Slack console',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    let opts: { port: number; lab: boolean };
    try {
      opts = options(args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`lvs-chatops demo: ${error.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const env = readCliEnv('demo', io, { LOG_LEVEL: io.env.LOG_LEVEL || 'warn' });
    if (!env) return EXIT_FAILURE;
    // Run with its output piped (`demo 2>&1 | tee demo.log`), Ctrl-C stops the reader too, and
    // every later write fails (EPIPE): unheard, that error would end the process before it took
    // down what it started. What cannot be written is dropped; the cleanup goes on.
    const dropped = (): void => undefined;
    process.stdout.on('error', dropped);
    process.stderr.on('error', dropped);
    // Logs go to stderr: stdout is the progress, the URL and the list.
    const logDestination = pino.destination({ fd: 2, sync: true });
    logDestination.on('error', dropped);
    const logger = createLogger({
      name: 'lvs-chatops-demo',
      level: env.LOG_LEVEL,
      destination: logDestination,
    });

    const starting = new AbortController();
    let demo: Demo | undefined;
    let stopRequested: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      stopRequested = resolve;
    });
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        // The cleanup first: nothing it does depends on this line being written.
        starting.abort();
        stopRequested();
        io.out(`\n${signal}: stopping everything the demo started…`);
      } else {
        io.out('still stopping (taking the lab down takes a few seconds); nothing will be left behind');
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      io.out(
        `lvs-chatops demo: starting${opts.lab ? ' (the lab needs root)' : ' without the lab'}; Ctrl-C stops everything`,
      );
      try {
        demo = await startDemo({
          env,
          port: opts.port,
          lab: opts.lab ? 'own' : 'none',
          logger,
          log: (line) => io.out(`  ${line}`),
          signal: starting.signal,
        });
      } catch (error) {
        if (error instanceof DemoError && error.code === 'DEMO_ABORTED') {
          io.out('stopped before it was up; nothing is left behind');
          return EXIT_OK;
        }
        if (error instanceof DemoError || error instanceof LabError) {
          io.err(`lvs-chatops demo: ${error.message}`);
          return EXIT_FAILURE;
        }
        throw error;
      }
      io.out('');
      io.out('Running:');
      for (const line of demo.running) io.out(`  - ${line}`);
      io.out('');
      io.out(`Open the console (the local Slack; its Web API is this URL + api/):`);
      io.out(demo.url);
      io.out('');
      io.out('Try this:');
      for (const [i, hint] of demo.hints.entries()) io.out(`  ${i + 1}. ${hint}`);
      io.out('');
      io.out(`Ctrl-C stops everything${opts.lab ? ' and takes the lab down' : ''}.`);
      await stopped;
      await demo.close();
      io.out('stopped: nothing the demo started is left running');
      return EXIT_OK;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // The `dropped` listeners stay: the EPIPE of the last line is emitted after this returns.
    }
  },
};
