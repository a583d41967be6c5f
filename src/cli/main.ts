import { type CliCommand, type CliIO, EXIT_OK, EXIT_USAGE } from './command.js';
import { botCommand } from './commands/bot.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { followHalogCommand } from './commands/follow-halog.js';
import { genCommand } from './commands/gen.js';
import { labCommand } from './commands/lab.js';
import { workerCommand } from './commands/worker.js';

const commands: CliCommand[] = [
  botCommand,
  workerCommand,
  demoCommand,
  labCommand,
  configCommand,
  doctorCommand,
  followHalogCommand,
  genCommand,
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: lvs-chatops COMMAND [ARGS]',
    '',
    'A Slack ChatOps bot and incident-response service for LVS/IPVS clusters.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'lvs-chatops COMMAND --help' for a command's options.",
    'Exit codes: 0 ok, 1 a failure you can fix (the message says how), 2 usage error.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.out('lvs-chatops 0.1.0');
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`lvs-chatops: unknown command '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}

function defaultIO(): CliIO {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}
