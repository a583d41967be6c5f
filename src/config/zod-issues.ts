import type { z } from 'zod';
import { suggestionText } from './closest-names.js';

/** A problem before it gets its line: the path as segments, and the operator's message. */
export interface Problem {
  path: PropertyKey[];
  message: string;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
};

export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

/**
 * The per-parse message map: plain words for zod's generic issues. Messages set on a schema
 * itself win over these; for a missing key those give way here (they return undefined).
 */
export function inventoryIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return 'required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => String(v)).join(' or ')}, got ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array')
        return `needs at least ${issue.minimum} ${plural(issue.minimum, 'entry')}`;
      if (issue.origin === 'string') return 'may not be empty';
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `takes at most ${issue.maximum} ${plural(issue.maximum, 'entry')}`;
      return `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
}

/** Schema-level messages give way to `required` when the key is missing. */
export function unlessMissing(message: (input: unknown) => string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message(issue.input));
}

function plural(n: number | bigint, word: string): string {
  return Number(n) === 1 ? word : word.replace(/y$/, 'ie') + 's';
}

/** zod's issues as problems: each unknown key becomes its own, named, with close known keys. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], root: z.ZodType): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(root, issue.path);
      for (const key of issue.keys) {
        const hint = known === undefined ? '' : `; ${suggestionText(key, known)}`;
        problems.push({ path: [...issue.path, key], message: `unknown key '${key}'${hint}` });
      }
    } else {
      problems.push({ path: [...issue.path], message: issue.message });
    }
  }
  return problems;
}

type Def = { type: string; [key: string]: unknown };

function defOf(schema: unknown): Def | undefined {
  const def = (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
  return typeof def?.type === 'string' ? def : undefined;
}

/** Unwraps optional/default/pipe/lazy wrappers down to the schema that holds the data. */
function unwrap(schema: unknown): Def | undefined {
  let def = defOf(schema);
  for (let depth = 0; def !== undefined && depth < 20; depth++) {
    if (
      ['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional'].includes(def.type)
    ) {
      def = defOf(def.innerType);
    } else if (def.type === 'pipe') {
      def = defOf(def.in);
    } else if (def.type === 'lazy' && typeof def.getter === 'function') {
      def = defOf((def.getter as () => unknown)());
    } else {
      return def;
    }
  }
  return def;
}

/** The keys an object schema at `path` knows, for "did you mean" on an unknown key. */
export function knownKeysAt(root: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let def = unwrap(root);
  for (const segment of path) {
    if (def === undefined) return undefined;
    if (def.type === 'array' && typeof segment === 'number') {
      def = unwrap(def.element);
    } else if (def.type === 'object' && typeof segment === 'string') {
      def = unwrap((def.shape as Record<string, unknown>)[segment]);
    } else {
      return undefined;
    }
  }
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : undefined;
}
