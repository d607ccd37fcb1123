// One seeded randomness for every elbo package: a 32-bit generator (mulberry32),
// foldIn to derive independent seeds from (seed, index, ...), and seeded
// permutations. Not cryptographic; chosen for determinism across platforms and
// backends (32-bit integer arithmetic only, no Math.random).

/**
 * A source of uniform numbers in [0, 1).
 * @example
 * ```ts
 * const random: Random = mulberry32(7); random(); // 0 <= u < 1
 * ```
 */
export type Random = () => number;

/**
 * Derives a new 32-bit seed from a seed and any integers (an epoch, a layer
 * index, a step): the murmur3 finalizer over each part in turn, so
 * `foldIn(seed, i)` and `foldIn(seed, j)` give unrelated streams, and
 * `foldIn(foldIn(seed, a), b)` differs from `foldIn(seed, b, a)`. The same
 * arguments give the same seed on every platform. Named after JAX's
 * `random.fold_in`, which serves the same purpose.
 *
 * @param seed - any finite number (fractions and values past 2^32 are folded in too).
 * @param data - the integers to fold in, in order.
 * @returns an unsigned 32-bit integer.
 * @example
 * ```ts
 * const layerSeed = foldIn(seed, layerIndex);
 * const batchOrder = permutation(n, foldIn(seed, epoch));
 * ```
 */
export function foldIn(seed: number, ...data: number[]): number {
  let h = 0x9e3779b9;
  for (const part of [seed, ...data]) {
    h = (h + Math.imul((part | 0) ^ (Math.floor(part / 2 ** 32) | 0), 0x85ebca6b)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * mulberry32: a 32-bit generator with a full 2^32 period, uniform in [0, 1).
 * @param seed - taken modulo 2^32.
 * @example
 * ```ts
 * const random = mulberry32(foldIn(seed, 1)); random(); random();
 * ```
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher-Yates shuffle of `values` in place with `random`.
 * @returns `values`.
 * @example
 * ```ts
 * shuffleInPlace(Int32Array.of(0, 1, 2, 3), mulberry32(1));
 * ```
 */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, random: Random): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}

/**
 * `0, 1, ..., n - 1` in a seeded random order: the order in which every elbo
 * `fit` visits the rows of a tensor in epoch e is `permutation(n, foldIn(seed, e))`.
 * @param n - how many indices, an integer >= 0.
 * @param random - a seed (passed through {@link mulberry32}) or a {@link Random} stream.
 * @example
 * ```ts
 * permutation(5, 0); // the same order of 0..4 on every call and platform
 * ```
 */
export function permutation(n: number, random: number | Random): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`permutation: n must be an integer >= 0, got ${String(n)}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, typeof random === 'number' ? mulberry32(random) : random);
}

/**
 * Throws `<where>: seed must be an integer, got <value>` unless `seed` is a
 * finite integer (the seeds elbo accepts).
 * @example
 * ```ts
 * checkSeed(options.seed ?? 0, 'lines');
 * ```
 */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new Error(`${where}: seed must be an integer, got ${String(seed)}`);
  }
  return seed;
}
