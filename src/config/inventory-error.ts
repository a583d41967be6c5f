/**
 * One problem found in an inventory. `path` names the key as the YAML spells it
 * (`clusters.0.realServers.1.address`); it is empty for a problem with the file itself
 * (missing, unreadable, not YAML at all). `line` is 1-based, when the key is in the file.
 */
export interface InventoryError {
  path: string;
  message: string;
  line?: number;
}

/** `path.to.key: message (line N)`, as `lvs-chatops config check` prints it. */
export function formatInventoryError(error: InventoryError): string {
  const where = error.line === undefined ? '' : ` (line ${error.line})`;
  return error.path === '' ? `${error.message}${where}` : `${error.path}: ${error.message}${where}`;
}

export function joinPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join('.');
}
