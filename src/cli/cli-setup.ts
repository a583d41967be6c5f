import { type Env, EnvError, readEnv } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import { formatInventoryError } from '../config/inventory-error.js';
import { loadInventory } from '../config/load-inventory.js';
import type { CliIO } from './command.js';

/**
 * The environment (docs/interfaces.md, "Environment") for command NAME, or undefined once it has said what is wrong
 * (`lvs-chatops NAME: invalid environment: …`); the command then exits 1. `overrides` are
 * defaults the command sets for itself (the demo's quieter LOG_LEVEL).
 */
export function readCliEnv(
  name: string,
  io: CliIO,
  overrides: Record<string, string | undefined> = {},
): Env | undefined {
  try {
    return readEnv({ ...io.env, ...overrides });
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    io.err(`lvs-chatops ${name}: ${error.message}`);
    return undefined;
  }
}

/**
 * The inventory at `file` for command NAME, or undefined once it has printed every error
 * (`path.to.key: message`) and what to do; the command then exits 1. `from` says where the
 * path came from (`LVS_INVENTORY`, `--inventory`).
 */
export async function loadCliInventory(
  name: string,
  io: CliIO,
  file: string,
  from = 'LVS_INVENTORY',
): Promise<Inventory | undefined> {
  const loaded = await loadInventory(file);
  if (loaded.ok) return loaded.value;
  for (const e of loaded.error) io.err(`  ${formatInventoryError(e)}`);
  io.err(
    `lvs-chatops ${name}: ${file} is not a usable inventory (${from}); fix it (lvs-chatops config check ${file}) and run again`,
  );
  return undefined;
}
