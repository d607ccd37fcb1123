// Small seeded pseudo-random numbers for data generation and shuffling.
// Not cryptographic; chosen for determinism across platforms (32-bit integer
// arithmetic only, no Math.random).

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Mixes integers into one 32-bit seed (the splitmix32 / murmur3 finalizer over
 * each part), so `(seed, index)` pairs give unrelated streams.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = (h + Math.imul((part | 0) ^ (Math.floor(part / 2 ** 32) | 0), 0x85ebca6b)) | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32: a 32-bit generator with a full 2^32 period, uniform in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle of `values` in place with `random`; returns `values`. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, random: Random): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}

/** `0, 1, ..., n - 1` in a seeded random order. */
export function permutation(n: number, random: Random): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, random);
}

/** Throws unless `seed` is a finite integer (the seeds this package accepts). */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new Error(`${where}: seed must be an integer, got ${String(seed)}`);
  }
  return seed;
}
