import { readFile } from 'node:fs/promises';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { err, ok, type Result } from '../core/result.js';
import { checkInventory } from './check-inventory.js';
import type { Inventory } from './inventory.js';
import { type InventoryError, joinPath } from './inventory-error.js';
import { inventorySchema } from './inventory-schema.js';
import { normalizeInventory } from './normalize-inventory.js';
import { lineAt, lineOfPath } from './yaml-lines.js';
import { inventoryIssueMessage, type Problem, problemsFromIssues } from './zod-issues.js';

export type InventoryResult = Result<Inventory, InventoryError[]>;

/** Reads, parses and checks an inventory file. Never throws: every problem comes back as data. */
export async function loadInventory(file: string): Promise<InventoryResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return err([{ path: '', message: readFailure(file, error) }]);
  }
  return parseInventory(text, file);
}

/** Parses and checks inventory YAML; errors carry the line of the key they are about. */
export function parseInventory(text: string, source = 'the inventory'): InventoryResult {
  const lines = new LineCounter();
  // logLevel 'error': yaml's warnings (a list used as a key, …) would go to stderr; the checks
  // below report what matters as errors instead.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    return err(
      doc.errors.map((e) => ({
        path: '',
        message: `${source} is not valid YAML: ${firstLine(e.message)}`,
        line: lineAt(lines, e.pos[0]),
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml package refuses alias bombs ("Excessive alias count") by throwing.
    return err([{ path: '', message: `${source} cannot be read as data: ${firstLine(messageOf(error))}` }]);
  }
  if (data === null || data === undefined) {
    return err([{ path: '', message: `${source} is empty; start from examples/inventory.yml` }]);
  }
  return check(data, source, doc, lines);
}

/** Checks inventory data that did not come from YAML (a program building one). */
export function validateInventory(data: unknown): InventoryResult {
  return check(data, 'the inventory', undefined, undefined);
}

function check(
  data: unknown,
  source: string,
  doc: Document | undefined,
  lines: LineCounter | undefined,
): InventoryResult {
  if (refersToItself(data)) {
    return err([
      { path: '', message: `${source} refers to itself through a YAML alias (*name inside &name)` },
    ]);
  }
  const parsed = inventorySchema.safeParse(data, { error: inventoryIssueMessage });
  const problems: Problem[] = parsed.success ? [] : problemsFromIssues(parsed.error.issues, inventorySchema);
  problems.push(...checkInventory(data));
  if (parsed.success && problems.length === 0) return ok(normalizeInventory(parsed.data));
  return err(toErrors(problems, doc, lines));
}

function toErrors(
  problems: Problem[],
  doc: Document | undefined,
  lines: LineCounter | undefined,
): InventoryError[] {
  const seen = new Set<string>();
  const errors: InventoryError[] = [];
  for (const problem of problems) {
    const path = joinPath(problem.path);
    const key = `${path}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = doc && lines ? lineOfPath(doc, lines, problem.path) : undefined;
    errors.push(
      line === undefined ? { path, message: problem.message } : { path, message: problem.message, line },
    );
  }
  // In file order, so the list reads top to bottom beside the file.
  return errors
    .map((e, order) => ({ e, order }))
    .sort(
      (a, b) =>
        (a.e.line ?? Number.MAX_SAFE_INTEGER) - (b.e.line ?? Number.MAX_SAFE_INTEGER) || a.order - b.order,
    )
    .map(({ e }) => e);
}

function refersToItself(data: unknown, ancestors = new Set<unknown>()): boolean {
  if (typeof data !== 'object' || data === null) return false;
  if (ancestors.has(data)) return true;
  ancestors.add(data);
  const children = data instanceof Map ? [...data.values()] : Object.values(data);
  const cyclic = children.some((child) => refersToItself(child, ancestors));
  ancestors.delete(data);
  return cyclic;
}

function readFailure(file: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT')
    return `${file}: no such file; give the path of an inventory (see examples/inventory.yml)`;
  if (code === 'EACCES') return `${file}: permission denied; make it readable by this user`;
  if (code === 'EISDIR') return `${file} is a directory; give the path of the inventory file`;
  return `${file}: cannot be read (${messageOf(error)})`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
