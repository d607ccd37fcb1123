import { checkSeed, describeValue, foldIn, mulberry32 } from '@elbo/prob';

/** Kinds of probe image; see {@link probeImages}. */
export const PROBE_KINDS = ['uniform-noise', 'constant', 'sparse-dots'] as const;

/** One of {@link PROBE_KINDS}. */
export type ProbeKind = (typeof PROBE_KINDS)[number];

/** Options of {@link probeImages}. */
export interface ProbeImageOptions {
  /** What the images hold; see {@link probeImages}. */
  kind: ProbeKind;
  /** Number of images, a positive integer. */
  n: number;
  /** Image side in pixels, a positive integer. Default 28. */
  size?: number;
  /** Channels per pixel (1 grey, 3 colour), a positive integer. Default 1. */
  channels?: number;
  /** Seed; the same options give the same images. Default 0. */
  seed?: number;
}

/** Probe images as a plain array; no tensors. */
export interface ProbeImages {
  /** `[n * size * size * channels]` row-major values in [0, 1] (channels last). */
  images: Float32Array;
  /** `[n, size * size * channels]`. */
  shape: [number, number];
  kind: ProbeKind;
  size: number;
  channels: number;
}

/** The three levels of 'constant' images, taken in turn. */
const CONSTANT_LEVELS = [0, 0.5, 1];
/** Half-width of the uniform jitter around a constant level. */
const CONSTANT_JITTER = 0.02;
/** Range of the fraction of lit pixels in a 'sparse-dots' image. */
const DOT_DENSITY: readonly [number, number] = [0.01, 0.1];

/**
 * Images that are like no natural data set, to probe what an outlier score
 * or a likelihood makes of them (the failure cases of raw log p(x) among them):
 *
 * - `'uniform-noise'`: every value uniform in [0, 1]: the most complex image.
 * - `'constant'`: images at 0, 0.5 and 1 in turn, each value jittered by at
 *   most ±0.02 and clipped to [0, 1]: the simplest ones.
 * - `'sparse-dots'`: a black image with a fraction of its pixels (drawn
 *   per image in [0.01, 0.1]) set to 1: mostly background, as digits are.
 *
 * Image `i` depends only on `(seed, i)` and the options.
 *
 * @example
 * ```ts
 * const { images, shape } = probeImages({ kind: 'sparse-dots', n: 100, size: 28, seed: 1 });
 * shape; // [100, 784]
 * ```
 */
export function probeImages(options: ProbeImageOptions): ProbeImages {
  if (options == null || typeof options !== 'object')
    throw new TypeError(`probeImages: options must be an object with kind and n, got ${describeValue(options)}`);
  const { kind } = options;
  if (!(PROBE_KINDS as readonly unknown[]).includes(kind))
    throw new Error(`probeImages: kind must be one of ${PROBE_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describeValue(kind)}`);
  const n = checkPositiveInteger(options.n, 'n');
  const size = checkPositiveInteger(options.size ?? 28, 'size');
  const channels = checkPositiveInteger(options.channels ?? 1, 'channels');
  const seed = checkSeed(options.seed ?? 0, 'probeImages');
  const values = size * size * channels;
  if (n * values > 2 ** 30) throw new RangeError(`probeImages: n * size * size * channels must be at most 2^30 values, got ${n * values}`);
  const images = new Float32Array(n * values);
  for (let i = 0; i < n; i++) {
    const random = mulberry32(foldIn(seed, i));
    const image = images.subarray(i * values, (i + 1) * values);
    if (kind === 'uniform-noise') {
      for (let j = 0; j < values; j++) image[j] = random();
    } else if (kind === 'constant') {
      const level = CONSTANT_LEVELS[i % CONSTANT_LEVELS.length]!;
      for (let j = 0; j < values; j++) image[j] = Math.min(1, Math.max(0, level + CONSTANT_JITTER * (2 * random() - 1)));
    } else {
      const density = DOT_DENSITY[0] + (DOT_DENSITY[1] - DOT_DENSITY[0]) * random();
      // a lit pixel is lit in every channel: white dots, in grey or colour
      for (let p = 0; p < size * size; p++) if (random() < density) image.fill(1, p * channels, (p + 1) * channels);
    }
  }
  return { images, shape: [n, values], kind, size, channels };
}

function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new Error(`probeImages: ${name} must be a positive integer, got ${describeValue(value)}`);
  return value;
}
