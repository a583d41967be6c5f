import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { InventoryError } from '../../src/config/inventory-error.js';
import { type InventoryResult, parseInventory, validateInventory } from '../../src/config/load-inventory.js';
import { anyText } from '../support/any-text.js';
import { EXAMPLE } from './inventory-edit.js';

// Whatever an operator (or a program) feeds the loader, it answers with a value or a list of
// errors; it never throws.

function expectWellFormed(result: InventoryResult): void {
  if (result.ok) return;
  expect(result.error.length).toBeGreaterThan(0);
  for (const error of result.error as InventoryError[]) {
    expect(typeof error.path).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    if (error.line !== undefined) expect(error.line).toBeGreaterThanOrEqual(1);
  }
}

const example = parse(EXAMPLE) as unknown;

/** Every path into the example's tree, inner nodes included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null) {
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  }
  return [prefix];
}
const paths = pathsOf(example).filter((p) => p.length > 0);

function mutate(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (replacement === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else {
    node[last] = replacement;
  }
  return copy;
}

const scalarOrSmall = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -100_000, max: 100_000 }),
  fc.double(),
  fc.string(),
  fc.constantFrom(
    '',
    '0',
    '30',
    '10s',
    '::1',
    '10.0.0.1',
    'web',
    'web-1',
    'lvs-master',
    'C0LVSOPS',
    'U0X',
    'dr',
    'wlc',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

// Hundreds of whole-inventory checks per property: generous timeouts, since other work may
// share this machine's two cores.
describe('the inventory loader under random input', { timeout: 120_000 }, () => {
  it('never throws on random text', () => {
    fc.assert(
      fc.property(anyText(400), (text) => {
        expectWellFormed(parseInventory(text));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random YAML-looking text', () => {
    const token = fc.constantFrom(
      'version: 1\n',
      'clusters:\n',
      '  - name: x\n',
      '    directors: [',
      ']\n',
      '{',
      '}',
      '&a ',
      '*a',
      '- ',
      '  ',
      ': ',
      '!!binary ',
      '!!set ',
      '? ',
      '|\n',
      '"',
      "'",
      '#',
      '\n',
      '---\n',
      '...\n',
      '<<: *a\n',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => {
        expectWellFormed(parseInventory(tokens.join('')));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random data, as YAML or as objects', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (value) => {
        expectWellFormed(validateInventory(value));
        let text: string | undefined;
        try {
          text = stringify(value);
        } catch {
          // Some values (symbols, functions) have no YAML form; the loader never sees those.
        }
        if (text !== undefined) expectWellFormed(parseInventory(text));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on the example with any one part replaced or removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), scalarOrSmall, (path, replacement) => {
        const mutated = mutate(example, path, replacement);
        expectWellFormed(validateInventory(mutated));
        expectWellFormed(parseInventory(stringify(mutated)));
      }),
      // Each run loads the whole example twice (~10 ms each on 2 busy cores).
      { numRuns: 200 },
    );
  }, 60_000);

  it('never throws on the example with several parts replaced at once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...paths), scalarOrSmall), { minLength: 2, maxLength: 6 }),
        (edits) => {
          let mutated = example;
          for (const [path, replacement] of edits) {
            try {
              mutated = mutate(mutated, path, replacement);
            } catch {
              // An earlier edit removed this path's parent: skip the edit.
            }
          }
          expectWellFormed(validateInventory(mutated));
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
