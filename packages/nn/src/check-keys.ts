// Internal: option objects checked up front, unknown keys named with the closest known key.

/**
 * Throws when `options` has a key that is not in `known`, naming the caller,
 * the key and the closest known key (a typo such as `outputActivaton` reads
 * `did you mean "outputActivation"?`). `undefined` and `null` options pass.
 * @example
 * ```ts
 * checkKnownKeys({ sede: 1 }, ['seed', 'init'], 'mlp'); // throws: mlp: unknown option "sede"; did you mean "seed"? (known: seed, init)
 * ```
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

/** Edit distance where insertions, deletions, substitutions and swaps of neighbours each cost 1 (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
