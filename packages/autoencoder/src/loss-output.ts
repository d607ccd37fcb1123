import * as tf from '@tensorflow/tfjs-core';
import { batchWeight, checkData, disposeBatch, epochBatches } from './batches';
import type { BatchingOptions, FitData } from './batches';

/**
 * What a loss function returns: the scalar to minimize, or the scalar plus
 * named scalar metrics (say the reconstruction and KL terms of a VAE), which
 * the training loop reads, averages and reports beside the loss.
 * @example
 * ```ts
 * const lossFn = (x: tf.Tensor): LossOutput => ({ loss: tf.add(rec, kl), metrics: { reconstruction: rec, kl } });
 * ```
 */
export type LossOutput = tf.Scalar | tf.Tensor | { loss: tf.Scalar | tf.Tensor; metrics?: Record<string, tf.Scalar | tf.Tensor> };

/**
 * A loss of one batch (the mean over its examples, so batches of any size compare).
 * @example
 * ```ts
 * const lossFn: BatchLoss<tf.Tensor> = (x) => ae.loss(x);
 * ```
 */
export type BatchLoss<B> = (batch: B) => LossOutput;

/** Splits a {@link LossOutput} into the loss tensor and its metrics (possibly none). */
export function splitLossOutput(out: LossOutput, where: string): { loss: tf.Tensor; metrics: Record<string, tf.Tensor> } {
  if (out instanceof tf.Tensor) return { loss: out, metrics: {} };
  if (out == null || typeof out !== 'object' || !(out.loss instanceof tf.Tensor)) {
    throw new TypeError(`${where}: the loss function must return a scalar tensor or { loss, metrics }, got ${out === null ? 'null' : typeof out}`);
  }
  const metrics = out.metrics ?? {};
  for (const [name, m] of Object.entries(metrics)) {
    if (!(m instanceof tf.Tensor) || m.size !== 1) {
      throw new TypeError(`${where}: metric "${name}" must be a scalar tensor, got ${m instanceof tf.Tensor ? `shape [${m.shape.join(', ')}]` : typeof m}`);
    }
    if (name === 'loss') throw new Error(`${where}: a metric cannot be called "loss"`);
  }
  return { loss: out.loss, metrics };
}

/**
 * Example-weighted means of a loss and its metrics over every batch of `data`,
 * without gradients (validation and evaluation). Leaks no tensors.
 * @param lossFn - loss of one batch (scalar or `{ loss, metrics }`).
 * @param data - a tensor (cut into batches, in order) or batches.
 * @param batching - `batchSize` (an integer >= 1) cuts tensor data; `shuffle` and `seed` are ignored (evaluation runs in order) but must be a boolean and a finite number when given.
 * @returns `{ loss, ...metrics }` as numbers.
 * @throws before reading any batch when `lossFn`, `data` or `batching` is malformed.
 * @example
 * ```ts
 * const { loss } = await meanLoss((x) => ae.loss(x), xTest, { batchSize: 500, shuffle: false, seed: 0 });
 * ```
 */
export async function meanLoss<B>(lossFn: BatchLoss<B>, data: FitData<B>, batching: BatchingOptions): Promise<Record<string, number>> {
  if (typeof lossFn !== 'function') throw new TypeError(`meanLoss: lossFn must be a function, got ${typeof lossFn}`);
  checkData(data, 'meanLoss: data');
  checkBatching(batching);
  const { batches, owned } = epochBatches(data, 0, { ...batching, shuffle: false });
  const sums: Record<string, number> = {};
  let count = 0;
  for await (const batch of batches as AsyncIterable<B>) {
    try {
      const weight = batchWeight(batch);
      const names: string[] = [];
      const packed = tf.tidy(() => {
        const { loss, metrics } = splitLossOutput(lossFn(batch), 'evaluate');
        names.push('loss', ...Object.keys(metrics));
        return tf.stack([loss, ...Object.values(metrics)].map((t) => tf.reshape(t, [])));
      });
      const values = await packed.data();
      packed.dispose();
      names.forEach((name, i) => (sums[name] = (sums[name] ?? 0) + weight * values[i]!));
      count += weight;
    } finally {
      if (owned) disposeBatch(batch);
    }
  }
  if (count === 0) throw new Error('evaluate: the data yielded no batches');
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
}

/** Checks meanLoss's batching options (a batch size of 0 would cut tensor data forever). */
function checkBatching(batching: BatchingOptions): void {
  if (batching == null || typeof batching !== 'object') {
    throw new TypeError(`meanLoss: batching must be an object { batchSize, shuffle, seed }, got ${batching === null ? 'null' : typeof batching}`);
  }
  const { batchSize, shuffle, seed } = batching;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`meanLoss: batching.batchSize must be an integer >= 1, got ${batchSize}`);
  // shuffle and seed are ignored here, but a wrong type is still a caller's mistake worth naming.
  if (shuffle !== undefined && typeof shuffle !== 'boolean') throw new TypeError(`meanLoss: batching.shuffle must be a boolean, got ${typeof shuffle}`);
  if (seed !== undefined && !Number.isFinite(seed)) throw new Error(`meanLoss: batching.seed must be a finite number, got ${seed}`);
}
