import { displayArgv } from '../../ssh/quote.js';

/** An argv as an operator would type it in a shell (quoted where needed). */
export function shown(argv: readonly string[]): string {
  return displayArgv(argv);
}
