/** One `lvs-chatops` subcommand. Each lives in its own file under ./commands. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** The full `--help` text. */
  usage: string;
  /** Returns the exit code: 0 ok, 1 failure the user can fix, 2 usage error. */
  run(args: string[], io: CliIO): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** A command whose issue has not landed yet: it says so, and still answers --help. */
export function notBuiltYet(name: string, summary: string, usage: string, issue: string): CliCommand {
  return {
    name,
    summary,
    usage,
    async run(args, io) {
      if (wantsHelp(args)) {
        io.out(usage);
        return EXIT_OK;
      }
      io.err(`lvs-chatops ${name}: not built yet (${issue}).`);
      return EXIT_FAILURE;
    },
  };
}
