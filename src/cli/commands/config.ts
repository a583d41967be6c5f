import type { Inventory } from '../../config/inventory.js';
import { formatInventoryError } from '../../config/inventory-error.js';
import { loadInventory } from '../../config/load-inventory.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops config check [--json] FILE

Validates an inventory file (see examples/inventory.yml): its YAML, every key and value,
and the checks across them (unique names, every real server in a defined virtual service,
one preferred director, approvers where the policy asks for approval, ...).

Exits 0 printing a one-line summary, or 1 printing every error as
'path.to.key: message (line N)'. Exit 2 on a usage error.

Options:
  --json   print the inventory as lvs-chatops reads it, every default filled in
           (durations in milliseconds)`;

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'validates an inventory file (config check FILE)',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    const [subcommand, ...rest] = args;
    if (subcommand !== 'check') {
      io.err(
        `lvs-chatops config: ${subcommand === undefined ? 'missing subcommand' : `unknown subcommand '${subcommand}'`}\n\n${usage}`,
      );
      return EXIT_USAGE;
    }
    const json = rest.includes('--json');
    const unknownOption = rest.find((a) => a.startsWith('-') && a !== '--json');
    const files = rest.filter((a) => !a.startsWith('-'));
    if (unknownOption !== undefined || files.length !== 1) {
      const problem =
        unknownOption !== undefined
          ? `unknown option '${unknownOption}'`
          : files.length === 0
            ? 'missing FILE'
            : 'give one FILE';
      io.err(`lvs-chatops config check: ${problem}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const file = files[0] as string;
    const loaded = await loadInventory(file);
    if (!loaded.ok) {
      for (const error of loaded.error) io.out(formatInventoryError(error));
      const count = loaded.error.length;
      io.err(`${file}: ${count} ${count === 1 ? 'error' : 'errors'}`);
      return EXIT_FAILURE;
    }
    io.out(json ? JSON.stringify(loaded.value, null, 2) : `${file}: ok: ${summary(loaded.value)}`);
    return EXIT_OK;
  },
};

/** `1 cluster (seed), 2 directors, 1 virtual service, 3 real servers, 1 fileset`. */
export function summary(inventory: Inventory): string {
  const { clusters } = inventory;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const sum = (f: (c: Inventory['clusters'][number]) => number) => clusters.reduce((n, c) => n + f(c), 0);
  return [
    `${count(clusters.length, 'cluster')} (${clusters.map((c) => c.name).join(', ')})`,
    count(
      sum((c) => c.directors.length),
      'director',
    ),
    count(
      sum((c) => c.virtualServices.length),
      'virtual service',
    ),
    count(
      sum((c) => c.realServers.length),
      'real server',
    ),
    count(
      sum((c) => c.filesets.length),
      'fileset',
    ),
  ].join(', ');
}
