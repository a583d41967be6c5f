import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseDocument } from 'yaml';
import type { Inventory } from '../../src/config/inventory.js';
import { formatInventoryError, type InventoryError } from '../../src/config/inventory-error.js';
import { parseInventory } from '../../src/config/load-inventory.js';

/** Test helpers: broken copies of examples/inventory.yml, made by editing its YAML tree. */

export const EXAMPLE_PATH = fileURLToPath(new URL('../../examples/inventory.yml', import.meta.url));
export const EXAMPLE = readFileSync(EXAMPLE_PATH, 'utf8');

export const DELETE = Symbol('delete');
export type Edit = [path: (string | number)[], value: unknown];

/** The example with each edit applied (value DELETE removes the key), as YAML text. */
export function brokenCopy(...edits: Edit[]): string {
  const doc = parseDocument(EXAMPLE);
  for (const [path, value] of edits) {
    if (value === DELETE) doc.deleteIn(path);
    else doc.setIn(path, doc.createNode(value));
  }
  return String(doc);
}

export function loadOk(text: string): Inventory {
  const result = parseInventory(text);
  if (!result.ok)
    throw new Error(`expected a valid inventory:\n${result.error.map(formatInventoryError).join('\n')}`);
  return result.value;
}

export function errorsOf(text: string): InventoryError[] {
  const result = parseInventory(text);
  if (result.ok) throw new Error('expected the inventory to be refused');
  return result.error;
}

/** Asserts an error at exactly `path` whose message matches. */
export function expectError(errors: InventoryError[], path: string, message: RegExp): InventoryError {
  const found = errors.find((e) => e.path === path && message.test(e.message));
  expect(
    found,
    `no error at ${path} matching ${message}; got:\n${errors.map(formatInventoryError).join('\n')}`,
  ).toBeDefined();
  return found as InventoryError;
}

export const C0 = ['clusters', 0] as const;
