import * as tf from '@tensorflow/tfjs-core';
import { assertBackend, checkSeed, foldIn, mulberry32 } from '@elbo/prob';

/**
 * The hidden factors of a `lines` image, in the column order of `factors`.
 *
 * @example
 * ```ts
 * const angleColumn = LINE_FACTORS.indexOf('angle'); // 1
 * ```
 */
export const LINE_FACTORS = ['length', 'angle', 'width', 'intensity', 'x', 'y'] as const;

/** One hidden factor: `length`, `angle`, `width`, `intensity`, `x` or `y`. */
export type LineFactor = (typeof LINE_FACTORS)[number];

/** A closed range `[low, high]` a factor is drawn from, uniformly. */
export type FactorRange = readonly [number, number];

/**
 * Smallest image side `lines` draws.
 *
 * @example
 * ```ts
 * lines({ n: 10, size: LINES_MIN_SIZE }); // 8 x 8 images
 * ```
 */
export const LINES_MIN_SIZE = 8;
/**
 * Largest image side `lines` draws.
 *
 * @example
 * ```ts
 * lines({ n: 10, size: LINES_MAX_SIZE }); // 100 x 100 images
 * ```
 */
export const LINES_MAX_SIZE = 100;

export interface LinesOptions {
  /** Number of images, a positive integer. */
  n: number;
  /** Image side in pixels, an integer in [8, 100]. Default 28. */
  size?: number;
  /** Seed; the same seed, size and ranges give the same images. Default 0. */
  seed?: number;
  /**
   * Index of the first image: image `i` depends only on `(seed, start + i)`,
   * so a large set can be generated in pieces. Default 0.
   */
  start?: number;
  /** Overrides of the factor ranges (see `linesRanges`). */
  ranges?: Partial<Record<LineFactor, FactorRange>>;
}

/** Images and factors as plain arrays; no tensors. */
export interface LinesArrays {
  /** `[n * size * size]` row-major pixels in [0, 1]. */
  images: Float32Array;
  /** `[n, size * size]`. */
  shape: [number, number];
  size: number;
  /** The ground-truth factors, one named `[n]` column each. */
  factors: Record<LineFactor, Float32Array>;
  /** The ranges the factors were drawn from. */
  ranges: Record<LineFactor, FactorRange>;
}

/** Images and factors as tensors, owned by the caller: free them with `dispose()`. */
export interface LinesSet {
  /** `[n, size * size]` float32 in [0, 1]. */
  images: tf.Tensor2D;
  /** `[n, 6]` float32, columns in `LINE_FACTORS` order. */
  factors: tf.Tensor2D;
  /** `LINE_FACTORS`: the names of the columns of `factors`. */
  factorNames: readonly LineFactor[];
  /** The factors as named plain `[n]` columns. */
  columns: Record<LineFactor, Float32Array>;
  ranges: Record<LineFactor, FactorRange>;
  size: number;
  /** Disposes `images` and `factors`. */
  dispose(): void;
}

/**
 * The default factor ranges for images of side `size` (pixels, radians):
 * length [0.2, 0.55] x size, angle [0, pi) from the +x (column) axis towards
 * +y (down the rows), width [1, max(1, size / 14)], intensity [0.5, 1],
 * centre x and y [0.35, 0.65] x size: a line lies inside the image.
 *
 * @example
 * ```ts
 * linesRanges(28).length; // [5.6, 15.4]
 * ```
 */
export function linesRanges(size: number): Record<LineFactor, FactorRange> {
  return {
    length: [0.2 * size, 0.55 * size],
    angle: [0, Math.PI],
    width: [1, Math.max(1, size / 14)],
    intensity: [0.5, 1],
    x: [0.35 * size, 0.65 * size],
    y: [0.35 * size, 0.65 * size],
  };
}

function checkInteger(value: unknown, name: string, low: number, high = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    const bounds = high === Number.MAX_SAFE_INTEGER ? `>= ${low}` : `in [${low}, ${high}]`;
    throw new Error(`lines: ${name} must be an integer ${bounds}, got ${String(value)}`);
  }
  return value;
}

function resolveRanges(size: number, overrides: LinesOptions['ranges'] = {}): Record<LineFactor, FactorRange> {
  const ranges = linesRanges(size);
  for (const [name, range] of Object.entries(overrides)) {
    if (!(LINE_FACTORS as readonly string[]).includes(name)) {
      throw new Error(`lines: ranges has an unknown factor "${name}" (factors: ${LINE_FACTORS.join(', ')})`);
    }
    if (range === undefined) continue;
    const [low, high] = range;
    if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
      throw new Error(`lines: ranges.${name} must be finite [low, high] with low <= high, got [${low}, ${high}]`);
    }
    const min = name === 'angle' || name === 'x' || name === 'y' ? -Infinity : name === 'width' ? Number.MIN_VALUE : 0;
    const max = name === 'intensity' ? 1 : Infinity;
    if (low < min || high > max) {
      const need = name === 'intensity' ? 'within [0, 1]' : name === 'width' ? '> 0' : '>= 0';
      throw new Error(`lines: ranges.${name} must be ${need}, got [${low}, ${high}]`);
    }
    ranges[name as LineFactor] = [low, high];
  }
  return ranges;
}

/**
 * Draws one line of the given factors into `out` (`size * size`, zeroed).
 * Each pixel's value is intensity times its coverage by the capsule of
 * half-width w/2 around the segment, with a one-pixel linear ramp:
 *
 * ```
 * d(p)     = distance from the pixel centre p to the segment
 * value(p) = intensity * clamp(w/2 + 1/2 - d(p), 0, 1)
 * mass     = sum_p value(p) ~ intensity * (length * w + pi * w^2 / 4)
 * ```
 */
function drawLine(out: Float32Array, size: number, f: Record<LineFactor, number>): void {
  const ux = Math.cos(f.angle);
  const uy = Math.sin(f.angle);
  const half = f.length / 2;
  const x0 = f.x - half * ux;
  const y0 = f.y - half * uy;
  const reach = f.width / 2 + 0.5;
  const lowCol = Math.max(0, Math.floor(Math.min(x0, f.x + half * ux) - reach));
  const highCol = Math.min(size - 1, Math.ceil(Math.max(x0, f.x + half * ux) + reach));
  const lowRow = Math.max(0, Math.floor(Math.min(y0, f.y + half * uy) - reach));
  const highRow = Math.min(size - 1, Math.ceil(Math.max(y0, f.y + half * uy) + reach));
  for (let row = lowRow; row <= highRow; row++) {
    const py = row + 0.5 - y0;
    for (let col = lowCol; col <= highCol; col++) {
      const px = col + 0.5 - x0;
      // projection onto the segment, clamped to its ends
      const t = Math.min(f.length, Math.max(0, px * ux + py * uy));
      const dx = px - t * ux;
      const dy = py - t * uy;
      const coverage = reach - Math.sqrt(dx * dx + dy * dy);
      if (coverage > 0) out[row * size + col] = f.intensity * Math.min(1, coverage);
    }
  }
}

/**
 * Synthetic images of one straight, anti-aliased line each, driven by six
 * hidden factors (length, angle, width, intensity and centre x, y), returned
 * with those factors so a model's latent space can be checked against them.
 * Plain arrays, no tensors; image `i` depends only on `(seed, start + i)`.
 *
 * Lengths, widths and positions are in pixels, the angle in radians in
 * [0, pi) (a line at `a` and at `a + pi` is the same image, so angle is
 * cyclic: compare latents with cos 2a and sin 2a).
 *
 * @returns `images` `[n * size * size]` in [0, 1], `shape` `[n, size * size]`, and named `[n]` factor columns.
 * @example
 * ```ts
 * const { images, factors } = linesArrays({ n: 100, size: 28, seed: 1 });
 * factors.angle[0]; // radians in [0, pi)
 * ```
 */
export function linesArrays(options: LinesOptions): LinesArrays {
  if (options == null || typeof options !== 'object') throw new Error(`lines: options must be an object with n, got ${String(options)}`);
  const n = checkInteger(options.n, 'n', 1);
  const size = checkInteger(options.size ?? 28, 'size', LINES_MIN_SIZE, LINES_MAX_SIZE);
  const seed = checkSeed(options.seed ?? 0, 'lines');
  const start = checkInteger(options.start ?? 0, 'start', 0);
  const ranges = resolveRanges(size, options.ranges);
  const pixels = size * size;
  const images = new Float32Array(n * pixels);
  const factors = Object.fromEntries(LINE_FACTORS.map((name) => [name, new Float32Array(n)])) as Record<LineFactor, Float32Array>;
  const drawn = {} as Record<LineFactor, number>;
  for (let i = 0; i < n; i++) {
    const random = mulberry32(foldIn(seed, start + i));
    for (const name of LINE_FACTORS) {
      const [low, high] = ranges[name];
      // store the float32 value, so the image is drawn from exactly the factor returned
      drawn[name] = Math.fround(low + (high - low) * random());
      factors[name][i] = drawn[name];
    }
    drawLine(images.subarray(i * pixels, (i + 1) * pixels), size, drawn);
  }
  return { images, shape: [n, pixels], size, factors, ranges };
}

/**
 * The `lines` dataset as tensors: images `[n, size * size]` and factors
 * `[n, 6]` (columns `LINE_FACTORS`). The caller owns the tensors: call
 * `dispose()` when done. See `linesArrays` for the factors and options.
 *
 * @example
 * ```ts
 * const data = lines({ n: 1000, size: 28, seed: 0 });
 * data.images.shape; // [1000, 784]
 * data.dispose();
 * ```
 */
export function lines(options: LinesOptions): LinesSet {
  const arrays = linesArrays(options);
  assertBackend('lines');
  const n = arrays.shape[0];
  const table = new Float32Array(n * LINE_FACTORS.length);
  LINE_FACTORS.forEach((name, column) => {
    const values = arrays.factors[name];
    for (let i = 0; i < n; i++) table[i * LINE_FACTORS.length + column] = values[i]!;
  });
  const images = tf.tensor2d(arrays.images, arrays.shape, 'float32');
  const factors = tf.tensor2d(table, [n, LINE_FACTORS.length], 'float32');
  return {
    images,
    factors,
    factorNames: LINE_FACTORS,
    columns: arrays.factors,
    ranges: arrays.ranges,
    size: arrays.size,
    dispose: () => {
      images.dispose();
      factors.dispose();
    },
  };
}
