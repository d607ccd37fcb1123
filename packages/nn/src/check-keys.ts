// Internal: option objects checked up front, unknown keys named with the closest known key.

/**
 * Throws when `options` has a key that is not in `known`, naming the caller,
 * the key and the closest known key (a typo such as `outputActivaton` reads
 * `did you mean "outputActivation"?`). `undefined` and `null` options pass.
 */
export function checkKnownKeys(options: unknown, known: readonly string[], caller: string): void {
  if (options == null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = closestKey(key, known);
    const hint = closest == null ? '' : `; did you mean "${closest}"?`;
    throw new Error(`${caller}: unknown option "${key}"${hint} (known: ${known.join(', ')})`);
  }
}

/** The known key at the smallest edit distance from `key` (case-insensitive), if it is close enough to be a typo. */
function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : null;
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
