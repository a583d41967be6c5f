/** Levenshtein distance, case-insensitive: how many edits turn one name into the other. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * The known names nearest to `wanted`, in the given order: those at the smallest distance,
 * if it is within a third of the longer name's length (at least two edits). At most `limit`.
 */
export function closestNames(wanted: string, known: readonly string[], limit = 3): string[] {
  const close = [...new Set(known)]
    .map((name) => ({ name, distance: editDistance(wanted, name) }))
    .filter((c) => c.distance <= Math.max(2, Math.ceil(Math.max(wanted.length, c.name.length) / 3)));
  const best = Math.min(...close.map((c) => c.distance));
  return close
    .filter((c) => c.distance === best)
    .slice(0, limit)
    .map((c) => c.name);
}

/** `did you mean a, b?` when something is close, else `known: …` (the first dozen). */
export function suggestionText(wanted: string, known: readonly string[]): string {
  const close = closestNames(wanted, known);
  if (close.length > 0) return `did you mean ${close.join(', ')}?`;
  const unique = [...new Set(known)];
  if (unique.length === 0) return 'there are none';
  const shown = unique.slice(0, 12).join(', ');
  return `known: ${shown}${unique.length > 12 ? `, … (${unique.length} in all)` : ''}`;
}
