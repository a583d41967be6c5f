import { InvalidArgvError } from './errors/invalid-argv-error.js';

/**
 * Linux refuses a single exec argument longer than MAX_ARG_STRLEN (32 pages = 131072 bytes,
 * NUL included), and sshd hands the whole command line to the user's shell as one `-c`
 * argument; longer lines fail on the host with "Argument list too long". The limit sits a little
 * below that, leaving room for the executor's own `echo $$; exec ` prefix.
 */
export const MAX_COMMAND_BYTES = 131_000;

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * One argument as a POSIX-shell word that the shell turns back into exactly `arg`: wrapped in
 * single quotes, inside which nothing is special, and each `'` written as `'\''` (close, escaped
 * quote, reopen). Every argument is quoted, the program name too, so that a value can never
 * become a reserved word (`if`), an assignment (`A=b cmd`) or an expansion.
 */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new InvalidArgvError(
      `argument ${JSON.stringify(arg)} contains a NUL byte, which no shell can pass`,
    );
  }
  // A lone UTF-16 surrogate has no UTF-8 form: it would reach the host as U+FFFD, not as given.
  if (LONE_SURROGATE.test(arg)) {
    throw new InvalidArgvError(`argument ${JSON.stringify(arg)} is not valid Unicode (a lone surrogate)`);
  }
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The one way a command reaches a remote shell: argv in, a command line out that runs
 * `argv[0]` with exactly `argv[1..]`. User text never reaches a shell any other way.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new InvalidArgvError('argv is empty; it needs at least the program to run');
  if (argv[0] === '') throw new InvalidArgvError('the program name (argv[0]) is empty');
  const line = argv.map(quoteArg).join(' ');
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes > MAX_COMMAND_BYTES) {
    throw new InvalidArgvError(
      `the command line is ${bytes} bytes once quoted; the remote shell accepts at most ${MAX_COMMAND_BYTES}. Pass large data on stdin instead`,
    );
  }
  return line;
}

const PLAIN = /^[\w@%+=:,./-]+$/;
const SHOWN = 120;

/** argv for humans (logs, error messages): plain words as they are, others JSON-quoted, long ones cut. Never run this. */
export function displayArgv(argv: readonly string[]): string {
  return argv
    .map((a) => {
      const shown = PLAIN.test(a) ? a : JSON.stringify(a);
      return shown.length > SHOWN ? `${shown.slice(0, SHOWN)}…(${a.length} chars)` : shown;
    })
    .join(' ');
}
