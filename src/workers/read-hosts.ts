import { randomBytes } from 'node:crypto';
import type { Observed } from '../playbooks/observed.js';
import { parseRead, type Read, type ReadOutput, readCommand } from '../playbooks/reads.js';
import { AbortedError } from '../ssh/errors/aborted-error.js';
import { HostKeyMismatchError } from '../ssh/errors/host-key-mismatch-error.js';
import { NonZeroExitError } from '../ssh/errors/non-zero-exit-error.js';
import { SshError } from '../ssh/errors/ssh-error.js';
import { quoteArgv } from '../ssh/quote.js';
import type { HostAccess } from './host-access.js';

/**
 * Runs the reads `observed` lacks (or holds stale), in parallel across hosts, and stores each
 * value or why it failed. A host that cannot be reached is data for the plan (a dead standby
 * must not stop a fix on the active director); the SSH errors are returned so the caller can
 * retry a plan that was blocked by a transient one. A host-key mismatch and a cancellation are
 * thrown: they stop the job whatever the plan says.
 *
 * Several reads of one host go as one command (see `batch`): on a director every process
 * start counts (each SSH command is a session, a login shell and the command).
 */
export async function readHosts(
  observed: Observed,
  reads: readonly Read[],
  access: HostAccess,
  signal: AbortSignal,
): Promise<SshError[]> {
  const byHost = new Map<string, Read[]>();
  for (const read of observed.missing(reads)) byHost.set(read.host, [...(byHost.get(read.host) ?? []), read]);
  const errors: SshError[] = [];
  await Promise.all(
    [...byHost.values()].map(async (hostReads) => {
      const at = Date.now();
      const store = (read: Read, output: ReadOutput) => {
        const parsed = parseRead(read as never, output);
        observed.set(
          read,
          parsed.ok ? { ok: true, value: parsed.value, at } : { ok: false, error: parsed.error.message, at },
        );
      };
      try {
        if (hostReads.length === 1) {
          const read = hostReads[0]!;
          const { argv, okCodes } = readCommand(read);
          store(read, await access.runner.run(access.target(read.host), argv, { okCodes, signal }));
          return;
        }
        const { argv, split } = batch(hostReads);
        const outputs = split(await access.runner.run(access.target(hostReads[0]!.host), argv, { signal }));
        hostReads.forEach((read, i) => {
          const output = outputs[i];
          if (!output) {
            observed.set(read, { ok: false, error: 'the batched read gave no output for it', at });
          } else if (output.code !== null && !readCommand(read).okCodes.includes(output.code)) {
            const first = output.stderr.trim().split('\n')[0] ?? '';
            const text = `${readCommand(read).argv.join(' ')} exited with ${output.code}${first ? `: ${first}` : ''}`;
            observed.set(read, { ok: false, error: text, at });
          } else {
            store(read, output);
          }
        });
      } catch (error) {
        if (error instanceof AbortedError || error instanceof HostKeyMismatchError) throw error;
        if (error instanceof NonZeroExitError) {
          for (const read of hostReads) observed.set(read, { ok: false, error: error.message, at });
          return;
        }
        if (error instanceof SshError) {
          errors.push(error);
          for (const read of hostReads) observed.set(read, { ok: false, error: error.message, at });
          return;
        }
        throw error;
      }
    }),
  );
  return errors;
}

/**
 * Reads that mostly wait on a daemon rather than work: `cl_status` signs on to heartbeat and
 * waits for its answer (about 100 ms on a lab director, most of it idle). In a batch they run
 * beside the other reads instead of before them.
 */
function waitsOnDaemon(read: Read): boolean {
  return read.kind === 'heartbeat';
}

/**
 * Several reads as one `sh -c` command: each read's argv, quoted by the one quoting function
 * (src/ssh/quote.ts), followed by a marker line carrying its exit status on stdout and a marker
 * on stderr, so the output splits back into one output per read. The marker holds a random
 * nonce: no output can fake it. Read-only commands only; nothing here changes the host.
 *
 * Reads that wait on a daemon (`waitsOnDaemon`) run at the same time as the others, on the
 * left of a pipe: their stdout goes into the pipe, their stderr into a variable printed after
 * their status marker, and the right side copies the pipe out (a few lines, with the shell's
 * own `read`: no process) once its own reads are done. No temporary file, no extra program.
 */
export function batch(reads: readonly Read[]): {
  argv: string[];
  /** One output per read, in order; undefined for a read whose part is missing (cut short). */
  split: (output: ReadOutput) => (ReadOutput | undefined)[];
} {
  const nonce = randomBytes(6).toString('hex');
  const mark = `@@lvs-chatops-${nonce}`;
  const aside = reads.filter(waitsOnDaemon);
  const inTurn = reads.filter((read) => !waitsOnDaemon(read));
  const sequence = inTurn
    .map((read) => {
      const command = quoteArgv(readCommand(read).argv);
      const input = aside.length > 0 ? ' </dev/null' : '';
      return `${command}${input}; printf '\\n${mark} %s\\n' "$?"; printf '\\n${mark}\\n' >&2`;
    })
    .join('\n');
  let script = sequence;
  if (aside.length > 0) {
    const left = aside
      .map((read) => {
        const command = quoteArgv(readCommand(read).argv);
        return `e=$(${command} 2>&1 1>&4 </dev/null); printf '\\n${mark}-code %s\\n' "$?"; printf '%s\\n${mark}-end\\n' "$e"`;
      })
      .join('\n');
    const copy = `while IFS= read -r l; do printf '%s\\n' "$l"; done`;
    script = `{\n${left}\n} 4>&1 | {\n${sequence ? `${sequence}\n` : ''}${copy}\n}`;
  }
  return {
    argv: ['sh', '-c', script],
    split(output) {
      const outParts = output.stdout.split(new RegExp(`\\n${mark} (\\d+)\\n`));
      const errParts = output.stderr.split(`\n${mark}\n`);
      const byRead = new Map<Read, ReadOutput>();
      inTurn.forEach((read, i) => {
        byRead.set(read, {
          stdout: outParts[i * 2] ?? '',
          code: outParts[i * 2 + 1] === undefined ? null : Number(outParts[i * 2 + 1]),
          stderr: errParts[i] ?? '',
        });
      });
      // After the reads in turn: each read run aside, as its stdout, status, stderr.
      const rest = outParts[inTurn.length * 2] ?? '';
      const asideParts = new RegExp(
        `([\\s\\S]*?)\\n${mark}-code (\\d+)\\n([\\s\\S]*?)\\n${mark}-end\\n`,
        'g',
      );
      let found = asideParts.exec(rest);
      for (const read of aside) {
        if (!found) break;
        byRead.set(read, { stdout: found[1]!, code: Number(found[2]), stderr: found[3]! });
        found = asideParts.exec(rest);
      }
      return reads.map((read) => byRead.get(read));
    },
  };
}
