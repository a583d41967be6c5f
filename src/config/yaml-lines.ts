import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/**
 * The 1-based line of the key at `path` in a parsed YAML document. For a key that is not
 * there (a required one left out), the line of the nearest enclosing key or item, so the
 * operator still lands in the right place. Undefined when nothing on the path has a position.
 */
export function lineOfPath(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  let anchor: Node | undefined = isNode(node) ? node : undefined;
  for (const segment of path) {
    node = resolve(doc, node);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (pair === undefined) break;
      anchor = isNode(pair.key) ? pair.key : anchor;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      anchor = isNode(item) ? item : anchor;
    } else {
      break;
    }
  }
  const offset = anchor?.range?.[0];
  return offset === undefined ? undefined : lineAt(lines, offset);
}

export function lineAt(lines: LineCounter, offset: number): number {
  return lines.linePos(offset).line;
}

function resolve(doc: Document, node: unknown): unknown {
  // An alias's target is where the data is; a cycle-free walk is guaranteed by the parser.
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}
