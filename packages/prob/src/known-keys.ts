import { describeValue } from './convert';

/**
 * Edit distance between two strings where an insertion, a deletion, a
 * substitution or a swap of neighbours each cost 1 (optimal string
 * alignment), so the typo `bacthSize` is one edit from `batchSize`.
 */
export function editDistance(a: string, b: string): number {
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

/**
 * The known key nearest to `key` (ignoring case), or null when even the
 * nearest is too far to be a typo: more than max(1, floor(|key| / 3)) edits.
 */
function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : null;
}

/**
 * Throws unless every own key of `options` is in `known`, naming the caller,
 * the unknown key and, when it looks like a typo of one, the closest known key
 * (`epoch` for `epochs` would otherwise be ignored silently; `learningRate`
 * given to a layer gets no misleading suggestion). Also throws when `options`
 * is not a plain object (null and undefined included: give `options = {}` a
 * default where it may be left out). The one check of every elbo function
 * that takes an options object.
 *
 * @param options - the object the caller passed.
 * @param known - every key the function reads.
 * @param caller - the public function, e.g. `'fit'`; `'fit: earlyStopping'` for a nested object.
 * @example
 * ```ts
 * checkKnownKeys({ epoch: 3 }, ['epochs', 'batchSize'], 'fit');
 * // throws: fit: unknown option "epoch"; did you mean "epochs"? (known: epochs, batchSize)
 * ```
 */
export function checkKnownKeys(options: unknown, known: readonly string[], caller: string): void {
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${caller}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = closestKey(key, known);
    const hint = closest == null ? '' : `; did you mean "${closest}"?`;
    throw new Error(`${caller}: unknown option "${key}"${hint} (known: ${known.join(', ')})`);
  }
}
