import * as tf from '@tensorflow/tfjs-core';
import { describeValue, toFloatTensor } from './convert';
import type { TensorInput } from './convert';

/**
 * Runs `fn` on blocks of `batchSize` rows of `x` (each in its own `tf.tidy`)
 * and concatenates the results along axis 0: inference over a whole data set
 * with intermediate memory bounded by one block. The evaluation twin of
 * `fit`'s batching, so every model cuts its data the same way.
 *
 * ```
 * inBatches(x, b, fn) = concat([fn(x[0:b]), fn(x[b:2b]), ...])     (= fn(x) for row-wise fn)
 * ```
 * @param x - rows along axis 0: [n, ...] (any rank >= 1: [n, D] or [n, h, w, c]); an array is converted.
 * @param batchSize - rows per block, an integer >= 1.
 * @param fn - maps a [m, ...] block to a [m, ...] result; the tensors it makes are freed.
 * @param caller - named in errors, e.g. `'VAE.encode'`. Default `'inBatches'`.
 * @returns the concatenated results; the caller disposes them.
 * @example
 * ```ts
 * const means = inBatches(x, 1024, (b) => encoder.apply(b), 'VAE.encode'); // [n, latent]
 * ```
 */
export function inBatches(x: TensorInput, batchSize: number, fn: (batch: tf.Tensor) => tf.Tensor, caller = 'inBatches'): tf.Tensor {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`${caller}: batchSize must be an integer >= 1, got ${describeValue(batchSize)}`);
  if (typeof fn !== 'function') throw new TypeError(`${caller}: fn must be a function, got ${describeValue(fn)}`);
  const t = toFloatTensor(x, 'x', caller, { rank: [1, 2, 3, 4, 5, 6], minRows: 1 });
  try {
    const n = t.shape[0]!;
    if (n <= batchSize) return tf.tidy(() => fn(t));
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        parts.push(tf.tidy(() => fn(tf.slice(t, start, Math.min(batchSize, n - start)))));
      }
      return tf.concat(parts);
    } finally {
      tf.dispose(parts);
    }
  } finally {
    if (t !== x) t.dispose();
  }
}
