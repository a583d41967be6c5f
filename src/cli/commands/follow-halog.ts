import { basename } from 'node:path';
import { HaLogFollower } from '../../ingest/halog/halog-follower.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops follow-halog FILE [--url URL] [--token TOKEN] [--state FILE]
                                 [--cluster NAME] [--node NAME] [--from-start] [--once]

Follows a heartbeat ha-log (every line format heartbeat writes: syslog, plain and resource
script lines) and posts each failover event it recognises (node dead, link dead/up, takeover,
resources acquired/released, standby, shutdown, ...) to the bot's /hooks/heartbeat, in order.
Survives logrotate (rename and copytruncate) and restarts: the position is kept in a state
file, each event's id is its place in the log, so nothing is missed and nothing is counted
twice. While the bot is away it retries with backoff (up to 30 s apart).

Options:
  --url URL        the bot's base URL (default: $LVS_CHATOPS_URL)
  --token TOKEN    the ingest token (default: $LVS_CHATOPS_TOKEN; prefer the variable: argv is public)
  --state FILE     where the position is kept (default: /var/lib/lvs-chatops/follow-halog-NAME.state)
  --cluster NAME   the cluster of this director (default: $LVS_CHATOPS_CLUSTER, else the bot finds it)
  --node NAME      this director's heartbeat node name, for lines that name none (default: the
                   host name in the lines, else this host's)
  --from-start     with no saved position, read the file from its start (default: new lines only)
  --once           deliver what is in the file now, then exit (for cron or a test)

Exit codes: 0 stopped (SIGTERM/SIGINT) or done (--once), 1 cannot run (the message says why),
2 usage error.`;

class UsageError extends Error {}

interface Options {
  file: string;
  url?: string;
  token?: string;
  state?: string;
  cluster?: string;
  node?: string;
  fromStart: boolean;
  once: boolean;
}

function parse(args: string[]): Options {
  const o: Partial<Options> & { fromStart: boolean; once: boolean } = { fromStart: false, once: false };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      files.push(arg);
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--url':
        o.url = value();
        break;
      case '--token':
        o.token = value();
        break;
      case '--state':
        o.state = value();
        break;
      case '--cluster':
        o.cluster = value();
        break;
      case '--node':
        o.node = value();
        break;
      case '--from-start':
        o.fromStart = true;
        break;
      case '--once':
        o.once = true;
        break;
      default:
        throw new UsageError(`unknown option '${flag}'`);
    }
  }
  if (files.length !== 1)
    throw new UsageError(files.length === 0 ? 'FILE is missing' : `one FILE, got ${files.length}`);
  return { ...o, file: files[0]! };
}

export const followHalogCommand: CliCommand = {
  name: 'follow-halog',
  summary: 'follows a heartbeat ha-log and posts each parsed event to /hooks/heartbeat',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    let o: Options;
    try {
      o = parse(args);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`lvs-chatops follow-halog: ${error.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const url = o.url ?? io.env.LVS_CHATOPS_URL;
    const token = o.token ?? io.env.LVS_CHATOPS_TOKEN;
    const cluster = o.cluster ?? (io.env.LVS_CHATOPS_CLUSTER || undefined);
    if (!url || !/^https?:\/\/[^/\s]+/.test(url)) {
      io.err(
        `lvs-chatops follow-halog: ${url ? `'${url}' is not an http(s) URL` : 'no bot URL'}: give --url http://BOT:PORT or set LVS_CHATOPS_URL`,
      );
      return EXIT_USAGE;
    }
    if (!token) {
      io.err(
        "lvs-chatops follow-halog: no ingest token: set LVS_CHATOPS_TOKEN (the bot's INGEST_TOKEN) or give --token",
      );
      return EXIT_USAGE;
    }
    if (cluster !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(cluster)) {
      io.err(
        `lvs-chatops follow-halog: --cluster '${cluster}' is not a cluster name (letters, digits, ".", "_", "-")`,
      );
      return EXIT_USAGE;
    }
    const state =
      o.state ??
      `/var/lib/lvs-chatops/follow-halog-${basename(o.file).replace(/[^A-Za-z0-9._-]/g, '_')}.state`;
    const follower = new HaLogFollower({
      file: o.file,
      url,
      token,
      statePath: state,
      ...(cluster !== undefined && { cluster }),
      ...(o.node !== undefined && { node: o.node }),
      fromStart: o.fromStart,
      log: (line) => io.err(`lvs-chatops follow-halog: ${line}`),
    });
    const onSignal = () => follower.stop();
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      await follower.run(o.once);
    } catch (error) {
      if ((error as { code?: string }).code === 'STOPPED') return EXIT_OK;
      const e = error as NodeJS.ErrnoException;
      io.err(
        `lvs-chatops follow-halog: ${e.code === 'EACCES' ? `no permission (${e.path ?? o.file}): run it as a user who may read the log and write ${state}` : e.message}`,
      );
      return EXIT_FAILURE;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const s = follower.stats;
    io.err(
      `lvs-chatops follow-halog: ${s.lines} lines read, ${s.sent} events sent, ${s.duplicates} already there, ${s.refused} refused, ${s.skipped} not events`,
    );
    return EXIT_OK;
  },
};
