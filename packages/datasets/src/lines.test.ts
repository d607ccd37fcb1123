import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { LINE_FACTORS, lines, linesArrays, linesRanges } from '@elbo/datasets';
import { expectNoLeaks } from '../../../tooling/testing';

/** Intensity mass, centroid and principal-axis angle (mod pi) of one image. */
function moments(image: Float32Array, size: number) {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = image[r * size + c]!;
      mass += v;
      mx += v * (c + 0.5);
      my += v * (r + 0.5);
    }
  }
  mx /= mass;
  my /= mass;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const v = image[r * size + c]!;
      const dx = c + 0.5 - mx;
      const dy = r + 0.5 - my;
      sxx += v * dx * dx;
      syy += v * dy * dy;
      sxy += v * dx * dy;
    }
  }
  const angle = (0.5 * Math.atan2(2 * sxy, sxx - syy) + Math.PI) % Math.PI;
  return { mass, x: mx, y: my, angle };
}

/**
 * The integral of intensity * clamp(w/2 + 1/2 - d, 0, 1) over the plane, d the
 * distance to a segment of length L (w >= 1): the band contributes L * w and
 * the two half-disc caps together pi * (w^2 / 4 + 1 / 12).
 */
const exactMass = (length: number, width: number, intensity: number) => intensity * (length * width + Math.PI * (width ** 2 / 4 + 1 / 12));

const image = (images: Float32Array, i: number, size: number) => images.subarray(i * size * size, (i + 1) * size * size);

describe('linesArrays', () => {
  it('is deterministic for a seed, differs between seeds, and can be made in pieces', () => {
    const a = linesArrays({ n: 20, size: 16, seed: 5 });
    const b = linesArrays({ n: 20, size: 16, seed: 5 });
    const c = linesArrays({ n: 20, size: 16, seed: 6 });
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(c.images.buffer))).toBe(false);
    const tail = linesArrays({ n: 5, size: 16, seed: 5, start: 15 });
    expect(Array.from(tail.images)).toEqual(Array.from(a.images.subarray(15 * 256)));
    expect(Array.from(tail.factors.angle)).toEqual(Array.from(a.factors.angle.subarray(15)));
  });

  it('draws every factor within its range and spreads it over the range', () => {
    const size = 40;
    const { factors, ranges, shape } = linesArrays({ n: 500, size, seed: 1 });
    expect(shape).toEqual([500, 1600]);
    expect(ranges).toEqual(linesRanges(size));
    for (const name of LINE_FACTORS) {
      const [low, high] = ranges[name];
      const values = Array.from(factors[name]);
      expect(values.length).toBe(500);
      expect(Math.min(...values), name).toBeGreaterThanOrEqual(Math.fround(low));
      expect(Math.max(...values), name).toBeLessThanOrEqual(Math.fround(high));
      // uniform draws: 500 of them reach within 2% of each end
      expect(Math.min(...values) - low, name).toBeLessThan(0.02 * (high - low));
      expect(high - Math.max(...values), name).toBeLessThan(0.02 * (high - low));
    }
  });

  it('renders the intensity mass of the exact coverage integral, growing with length and width', () => {
    const size = 48;
    const { images, factors } = linesArrays({ n: 200, size, seed: 2 });
    let worst = 0;
    let bias = 0;
    for (let i = 0; i < 200; i++) {
      const { mass } = moments(image(images, i, size), size);
      const expected = exactMass(factors.length[i]!, factors.width[i]!, factors.intensity[i]!);
      worst = Math.max(worst, Math.abs(mass - expected) / expected);
      bias += (mass - expected) / expected / 200;
    }
    // Sampling the coverage at pixel centres aliases (worst for thin diagonal lines, about 5%)
    // but is unbiased: over 200 random lines the mean relative error is near zero.
    expect(worst).toBeLessThan(0.08);
    expect(Math.abs(bias)).toBeLessThan(0.005);

    // the same line, longer or wider: strictly more mass, by about intensity * w * dL and intensity * L * dw
    const base = { angle: [0.3, 0.3], intensity: [0.8, 0.8], x: [24, 24], y: [24, 24] } as const;
    const massOf = (length: number, width: number) =>
      moments(linesArrays({ n: 1, size, ranges: { ...base, length: [length, length], width: [width, width] } }).images, size).mass;
    const masses = [10, 14, 18, 22].map((length) => massOf(length, 2));
    for (let k = 1; k < masses.length; k++) {
      expect(masses[k]! - masses[k - 1]!).toBeGreaterThan(0.9 * 0.8 * 2 * 4);
    }
    const widths = [1, 2, 3, 4].map((width) => massOf(16, width));
    for (let k = 1; k < widths.length; k++) expect(widths[k]! - widths[k - 1]!).toBeGreaterThan(0.9 * 0.8 * 16);
  });

  it('puts the line where the factors say: centroid at (x, y), principal axis at the angle', () => {
    const size = 64;
    const { images, factors } = linesArrays({ n: 100, size, seed: 3 });
    let biasX = 0;
    let biasY = 0;
    for (let i = 0; i < 100; i++) {
      const m = moments(image(images, i, size), size);
      // within a fraction of a pixel (lattice aliasing), and without a systematic offset
      expect(Math.abs(m.x - factors.x[i]!)).toBeLessThan(0.25);
      expect(Math.abs(m.y - factors.y[i]!)).toBeLessThan(0.25);
      biasX += (m.x - factors.x[i]!) / 100;
      biasY += (m.y - factors.y[i]!) / 100;
      const diff = Math.abs(m.angle - factors.angle[i]!);
      expect(Math.min(diff, Math.PI - diff)).toBeLessThan(0.02);
    }
    expect(Math.abs(biasX)).toBeLessThan(0.03);
    expect(Math.abs(biasY)).toBeLessThan(0.03);
  });

  it('anti-aliases: edge pixels take values between 0 and intensity; lines stay inside the image', () => {
    const size = 28;
    const { images, factors } = linesArrays({ n: 50, size, seed: 4 });
    for (let i = 0; i < 50; i++) {
      const pixels = image(images, i, size);
      const intensity = factors.intensity[i]!;
      let partial = 0;
      let border = 0;
      for (let p = 0; p < pixels.length; p++) {
        const v = pixels[p]!;
        if (v < 0 || v > intensity * (1 + 1e-6)) throw new Error(`image ${i} pixel ${p}: ${v} outside [0, ${intensity}]`);
        if (v > 0.01 * intensity && v < 0.99 * intensity) partial++;
        const r = Math.floor(p / size);
        const c = p % size;
        if (r === 0 || c === 0 || r === size - 1 || c === size - 1) border += v;
      }
      expect(partial, `image ${i}`).toBeGreaterThan(4);
      expect(border, `image ${i}`).toBe(0);
    }
  });

  it('handles the smallest and largest sizes', () => {
    const small = linesArrays({ n: 3, size: 8 });
    expect(small.shape).toEqual([3, 64]);
    const large = linesArrays({ n: 2, size: 100 });
    expect(large.shape).toEqual([2, 10_000]);
    expect(Math.max(...large.images)).toBeGreaterThan(0.4);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => linesArrays({ n: 0 })).toThrow('lines: n must be an integer >= 1, got 0');
    expect(() => linesArrays({ n: 2.5 })).toThrow('lines: n must be an integer >= 1, got 2.5');
    expect(() => linesArrays({ n: 1, size: 101 })).toThrow('lines: size must be an integer in [8, 100], got 101');
    expect(() => linesArrays({ n: 1, size: 4 })).toThrow('lines: size must be an integer in [8, 100], got 4');
    expect(() => linesArrays({ n: 1, seed: 0.5 })).toThrow('lines: seed must be an integer, got 0.5');
    expect(() => linesArrays({ n: 1, start: -1 })).toThrow('lines: start must be an integer >= 0, got -1');
    expect(() => linesArrays({ n: 1, ranges: { width: [2, 1] } })).toThrow(
      'lines: ranges.width must be finite [low, high] with low <= high, got [2, 1]',
    );
    expect(() => linesArrays({ n: 1, ranges: { width: [0, 1] } })).toThrow('lines: ranges.width must be > 0, got [0, 1]');
    expect(() => linesArrays({ n: 1, ranges: { intensity: [0.5, 2] } })).toThrow(
      'lines: ranges.intensity must be within [0, 1], got [0.5, 2]',
    );
    expect(() => linesArrays({ n: 1, ranges: { colour: [0, 1] } as never })).toThrow(
      'lines: ranges has an unknown factor "colour" (factors: length, angle, width, intensity, x, y)',
    );
  });
});

describe('lines', () => {
  it('returns owned image and factor tensors matching the arrays; dispose() frees them', async () => {
    const before = tf.memory().numTensors;
    const data = await expectNoLeaks(() => lines({ n: 30, size: 20, seed: 9 }));
    const arrays = linesArrays({ n: 30, size: 20, seed: 9 });
    expect(data.images.shape).toEqual([30, 400]);
    expect(data.factors.shape).toEqual([30, 6]);
    expect(data.factorNames).toEqual(LINE_FACTORS);
    expect(Array.from(data.images.dataSync())).toEqual(Array.from(arrays.images));
    const table = data.factors.arraySync();
    LINE_FACTORS.forEach((name, column) => {
      expect(table.map((row) => row[column])).toEqual(Array.from(arrays.factors[name]));
    });
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
