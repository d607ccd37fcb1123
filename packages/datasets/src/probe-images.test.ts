import { describe, expect, it } from 'vitest';
import { PROBE_KINDS, probeImages } from '@elbo/datasets';

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('probeImages', () => {
  it('gives n images of size x size x channels in [0, 1], the same for the same seed', () => {
    for (const kind of PROBE_KINDS) {
      const a = probeImages({ kind, n: 7, size: 9, channels: 3, seed: 4 });
      expect(a.shape).toEqual([7, 243]);
      expect(a.images.length).toBe(7 * 243);
      expect(a.images.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(probeImages({ kind, n: 7, size: 9, channels: 3, seed: 4 }).images).toEqual(a.images);
      expect(probeImages({ kind, n: 7, size: 9, channels: 3, seed: 5 }).images).not.toEqual(a.images);
      // image i depends on (seed, i) only: a longer set starts with the shorter one
      expect(probeImages({ kind, n: 9, size: 9, channels: 3, seed: 4 }).images.subarray(0, 7 * 243)).toEqual(a.images);
    }
  });

  it('draws what each kind promises', () => {
    const noise = probeImages({ kind: 'uniform-noise', n: 20, seed: 1 });
    expect(mean(noise.images)).toBeCloseTo(0.5, 1);
    expect(noise.shape).toEqual([20, 784]);

    const constant = probeImages({ kind: 'constant', n: 6, size: 10 });
    for (let i = 0; i < 6; i++) {
      const image = constant.images.subarray(i * 100, (i + 1) * 100);
      const level = [0, 0.5, 1][i % 3]!;
      expect(Math.max(...Array.from(image, (v) => Math.abs(v - level)))).toBeLessThanOrEqual(0.02 + 1e-7);
    }

    const dots = probeImages({ kind: 'sparse-dots', n: 50, size: 20, channels: 3, seed: 2 });
    for (let i = 0; i < 50; i++) {
      const image = dots.images.subarray(i * 1200, (i + 1) * 1200);
      expect(image.every((v) => v === 0 || v === 1)).toBe(true);
      // white dots: the three channels of a pixel agree
      for (let p = 0; p < 400; p++) expect(image[3 * p]).toBe(image[3 * p + 2]);
      const lit = mean(image);
      expect(lit).toBeLessThan(0.2);
    }
    expect(mean(dots.images)).toBeGreaterThan(0.02);
  });

  it('names the option that is wrong', () => {
    expect(() => probeImages(null as never)).toThrow('probeImages: options must be an object with kind and n, got null');
    expect(() => probeImages({ kind: 'stripes' as never, n: 1 })).toThrow(
      "probeImages: kind must be one of 'uniform-noise', 'constant', 'sparse-dots', got string \"stripes\"",
    );
    expect(() => probeImages({ kind: 'constant', n: 0 })).toThrow('probeImages: n must be a positive integer, got number 0');
    expect(() => probeImages({ kind: 'constant', n: 2, size: 2.5 })).toThrow(
      'probeImages: size must be a positive integer, got number 2.5',
    );
    expect(() => probeImages({ kind: 'constant', n: 2, channels: '3' as never })).toThrow(
      'probeImages: channels must be a positive integer, got string "3"',
    );
    expect(() => probeImages({ kind: 'constant', n: 2, seed: 0.5 })).toThrow('probeImages: seed must be an integer, got 0.5');
    expect(() => probeImages({ kind: 'constant', n: 2 ** 20, size: 100 })).toThrow(
      'probeImages: n * size * size * channels must be at most 2^30 values',
    );
  });
});
