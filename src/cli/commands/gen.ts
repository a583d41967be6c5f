import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GEN_KINDS, GENERATORS, type GenerateOptions, generate } from '../../build/generate/index.js';
import type { Cluster } from '../../config/inventory.js';
import { loadCliInventory, readCliEnv } from '../cli-setup.js';
import { type CliCommand, type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const width = Math.max(...GEN_KINDS.map((k) => k.length));
const usage = `usage: lvs-chatops gen KIND [--cluster NAME] [--host NAME] [--out FILE] [OPTIONS]

Prints a configuration file generated from the inventory (LVS_INVENTORY, default
./inventory.yml), or writes it with --out. KIND is one of:
${GEN_KINDS.map((k) => `  ${k.padEnd(width)}  ${GENERATORS[k].what}`).join('\n')}

Options:
  --cluster NAME      the cluster (default: the inventory's only one)
  --host NAME         only what goes on this director or real server
  --out FILE          write the file instead of printing it (authkeys with mode 600)
  --inventory FILE    the inventory (default: LVS_INVENTORY)
  --alert-url URL     mon.cf: the bot's URL for slack.alert (LVS_CHATOPS_URL); without it
                      slack.alert reads /etc/lvs-chatops/alert.conf
  --fping             mon.cf: fping.monitor (needs the fping package) instead of ping.monitor
  --secret-file FILE  authkeys: the directors' shared secret (its first line); without it
                      a new random secret is generated (then copy the same file to both)

A part the inventory lacks (no standby director for ha.cf, no fileset for fstab) is an
error naming what to add. Exit 0 ok, 1 when the inventory cannot give the file, 2 usage.`;

interface GenArgs {
  kind: string;
  cluster?: string;
  host?: string;
  out?: string;
  inventory?: string;
  alertUrl?: string;
  fping: boolean;
  secretFile?: string;
}

const VALUED = {
  '--cluster': 'cluster',
  '--host': 'host',
  '--out': 'out',
  '--inventory': 'inventory',
  '--alert-url': 'alertUrl',
  '--secret-file': 'secretFile',
} as const;

function parseArgs(args: string[]): GenArgs | string {
  const parsed: Partial<GenArgs> & { fping: boolean } = { fping: false };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--fping') parsed.fping = true;
    else if (a in VALUED) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) return `${a} needs a value`;
      parsed[VALUED[a as keyof typeof VALUED]] = value;
    } else if (a.startsWith('-')) return `unknown option '${a}'`;
    else positional.push(a);
  }
  if (positional.length === 0) return 'missing KIND';
  if (positional.length > 1) return `give one KIND (got ${positional.join(', ')})`;
  return { ...parsed, kind: positional[0]! };
}

export const genCommand: CliCommand = {
  name: 'gen',
  summary:
    'prints a generated config (mon.cf, ha.cf, haresources, authkeys, ipvsadm-rules, ifcfg-lo, fstab, …)',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.err(`lvs-chatops gen: ${parsed}\n\n${usage}`);
      return EXIT_USAGE;
    }
    if (!(GEN_KINDS as string[]).includes(parsed.kind)) {
      io.err(`lvs-chatops gen: unknown kind '${parsed.kind}'; the kinds are ${GEN_KINDS.join(', ')}`);
      return EXIT_USAGE;
    }
    let inventoryFile = parsed.inventory;
    if (inventoryFile === undefined) {
      inventoryFile = readCliEnv('gen', io)?.LVS_INVENTORY;
      if (inventoryFile === undefined) return EXIT_FAILURE;
    }
    const from = parsed.inventory === undefined ? 'LVS_INVENTORY' : '--inventory';
    const inventory = await loadCliInventory('gen', io, inventoryFile, from);
    if (!inventory) return EXIT_FAILURE;
    const cluster = pickCluster(inventory.clusters, parsed.cluster, io);
    if (cluster === undefined) return EXIT_FAILURE;

    const options: GenerateOptions = {
      ...(parsed.host !== undefined && { host: parsed.host }),
      ...(parsed.alertUrl !== undefined && { alertUrl: parsed.alertUrl }),
      ...(parsed.fping && { pingMonitor: 'fping.monitor' as const }),
    };
    let newSecret = false;
    if (parsed.kind === 'authkeys') {
      if (parsed.secretFile !== undefined) {
        try {
          options.authSecret = (await readFile(parsed.secretFile, 'utf8')).split('\n')[0]!.trim();
        } catch (e) {
          io.err(
            `lvs-chatops gen: cannot read the secret file ${parsed.secretFile}: ${(e as Error).message}`,
          );
          return EXIT_FAILURE;
        }
      } else {
        options.authSecret = randomBytes(20).toString('hex');
        newSecret = true;
      }
    }
    const files = generate(parsed.kind, cluster, options);
    if (!files.ok) {
      io.err(`lvs-chatops gen ${parsed.kind}: ${files.error.message}`);
      return EXIT_FAILURE;
    }
    const notes = [...new Set(files.value.flatMap((f) => f.notes))];
    if (newSecret)
      notes.unshift('A new random secret was generated: install this same file on both directors.');

    if (parsed.out !== undefined) {
      if (files.value.length > 1) {
        io.err(
          `lvs-chatops gen ${parsed.kind}: this gives ${files.value.length} files (${files.value.map((f) => `${f.path} for ${f.hosts.join(', ')}`).join('; ')}); pick one with --host, or print them without --out`,
        );
        return EXIT_FAILURE;
      }
      const file = files.value[0]!;
      try {
        // Written beside the target and renamed: never a moment with a world-readable secret.
        const tmp = join(dirname(parsed.out), `.${parsed.kind}.${process.pid}.tmp`);
        await writeFile(tmp, file.text, { mode: file.mode });
        await chmod(tmp, file.mode);
        await rename(tmp, parsed.out);
      } catch (e) {
        io.err(`lvs-chatops gen: cannot write ${parsed.out}: ${(e as Error).message}`);
        return EXIT_FAILURE;
      }
      io.err(
        `wrote ${parsed.out} (mode ${file.mode.toString(8)}): goes to ${file.path} on ${file.hosts.join(', ')}`,
      );
      for (const n of notes) io.err(`note: ${n}`);
      return EXIT_OK;
    }
    for (const [i, file] of files.value.entries()) {
      if (files.value.length > 1) {
        if (i > 0) io.out('');
        io.out(`# ==> ${file.path} on ${file.hosts.join(', ')}`);
      }
      io.out(file.text.replace(/\n$/, ''));
    }
    // On stderr, so the printed file can be redirected as it is.
    io.err(
      `# goes to ${[...new Set(files.value.map((f) => f.path))].join(', ')}; mode ${files.value[0]!.mode.toString(8)}`,
    );
    if (files.value.some((f) => f.mode === 0o600))
      io.err('# holds a secret: write it with --out FILE (mode 600), or chmod 600 it yourself');
    for (const n of notes) io.err(`# note: ${n}`);
    return EXIT_OK;
  },
};

function pickCluster(clusters: Cluster[], name: string | undefined, io: CliIO): Cluster | undefined {
  const names = clusters.map((c) => c.name).join(', ');
  if (name === undefined) {
    if (clusters.length === 1) return clusters[0];
    io.err(
      `lvs-chatops gen: the inventory has ${clusters.length} clusters (${names}); say which with --cluster`,
    );
    return undefined;
  }
  const found = clusters.find((c) => c.name === name);
  if (!found) io.err(`lvs-chatops gen: cluster ${name} is not in the inventory; known: ${names}`);
  return found;
}
