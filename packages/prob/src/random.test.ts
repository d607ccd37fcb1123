import { describe, expect, it } from 'vitest';
import { checkSeed, foldIn, mulberry32, permutation } from './random';

describe('seeded random numbers', () => {
  it('mulberry32 repeats for a seed and is uniform on [0, 1) (chi-square, 10 bins)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const counts = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const u = a();
      if (u !== b()) throw new Error(`draw ${i} differs between two generators of one seed`);
      if (!(u >= 0 && u < 1)) throw new Error(`draw ${i}: ${u} outside [0, 1)`);
      counts[Math.floor(u * 10)]!++;
    }
    const chi2 = counts.reduce((s, c) => s + (c - draws / 10) ** 2 / (draws / 10), 0);
    expect(chi2).toBeLessThan(27.88); // chi-square 0.999 quantile, 9 degrees of freedom
  });

  it('foldIn gives distinct seeds for distinct (seed, index) pairs', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) for (let i = 0; i < 1000; i++) seen.add(foldIn(seed, i));
    expect(seen.size).toBe(20_000);
    expect(foldIn(1, 2)).not.toBe(foldIn(2, 1));
  });

  it('permutation holds each index once', () => {
    const p = permutation(1000, mulberry32(1));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('checkSeed accepts integers only', () => {
    expect(checkSeed(-3, 'f')).toBe(-3);
    expect(() => checkSeed('1', 'f')).toThrow('f: seed must be an integer, got 1');
  });
});

describe('foldIn and permutation', () => {
  it('foldIn keeps the values datasets were generated with (lines, the MNIST split)', () => {
    // Values of the seed mixer that @elbo/datasets used before it moved here: a change would silently
    // change every generated data set and the reference split.
    expect([foldIn(0, 0), foldIn(1, 2), foldIn(12345, 0x6d6e), foldIn(-7, 3)]).toEqual([2856213345, 1940668451, 2560875591, 737325261]);
  });

  it('permutation takes a seed or a stream, the same seed giving the same order', () => {
    expect(Array.from(permutation(50, 3))).toEqual(Array.from(permutation(50, mulberry32(3))));
    expect(Array.from(permutation(50, 3))).not.toEqual(Array.from(permutation(50, 4)));
    expect(permutation(0, 1)).toHaveLength(0);
    expect(() => permutation(-1, 0)).toThrow('permutation: n must be an integer >= 0, got -1');
  });
});
