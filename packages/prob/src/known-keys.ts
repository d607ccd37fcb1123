import { describeValue } from './convert';

/**
 * Edit distance between two strings (insertions, deletions, substitutions),
 * the classic two-row dynamic programme.
 */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Throws unless every own key of `options` is in `known`, naming the unknown
 * key and the closest known one (a typo such as `epoch` for `epochs` would
 * otherwise be ignored silently). Also throws when `options` is not a plain
 * object. The one check of every elbo function that takes an options object.
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
    const closest = [...known].sort((a, b) => levenshtein(key, a) - levenshtein(key, b))[0];
    const hint = closest == null ? '' : `; did you mean "${closest}"?`;
    throw new Error(`${caller}: unknown option "${key}"${hint} (known: ${known.join(', ')})`);
  }
}
