import type { CommandResult } from './command-result.js';
import type { RunOptions } from './run-options.js';
import type { SshTarget } from './target.js';

/** What workers and playbooks need from the executor: run argv on a target. */
export interface CommandRunner {
  run(target: SshTarget, argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}
