import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './convert';
import { batchWeight, checkFitData, disposeBatch, epochBatches } from './fit-data';
import type { FitData } from './fit-data';
import { checkKnownKeys } from './known-keys';

/**
 * What a loss function returns: the scalar to minimize, or the scalar plus
 * named scalar metrics (say the reconstruction and KL terms of a VAE), which
 * the training loop reads, averages and reports beside the loss.
 * @example
 * ```ts
 * const loss = (x: tf.Tensor): LossOutput => ({ loss: tf.add(rec, kl), metrics: { reconstruction: rec, kl } });
 * ```
 */
export type LossOutput = tf.Scalar | tf.Tensor | { loss: tf.Scalar | tf.Tensor; metrics?: Record<string, tf.Scalar | tf.Tensor> };

/**
 * A loss of one batch (the mean over its examples, so batches of any size compare).
 * @example
 * ```ts
 * const loss: BatchLoss<tf.Tensor> = (x) => tf.mean(tf.square(x));
 * ```
 */
export type BatchLoss<B> = (batch: B) => LossOutput;

/** Splits a {@link LossOutput} into the loss tensor and its metrics (possibly none), naming `where` in errors. */
export function splitLossOutput(out: LossOutput, where: string): { loss: tf.Tensor; metrics: Record<string, tf.Tensor> } {
  if (out instanceof tf.Tensor) return { loss: out, metrics: {} };
  if (out == null || typeof out !== 'object' || !(out.loss instanceof tf.Tensor)) {
    throw new TypeError(`${where}: the loss function must return a scalar tensor or { loss, metrics }, got ${describeValue(out)}`);
  }
  const metrics = out.metrics ?? {};
  for (const [name, m] of Object.entries(metrics)) {
    if (!(m instanceof tf.Tensor) || m.size !== 1) {
      throw new TypeError(`${where}: metric "${name}" must be a scalar tensor, got ${describeValue(m)}`);
    }
    if (name === 'loss') throw new Error(`${where}: a metric cannot be called "loss"`);
  }
  return { loss: out.loss, metrics };
}

/** The loss and metrics of one batch as numbers, in one device read, without gradients. */
async function batchValues<B>(loss: BatchLoss<B>, batch: B, where: string): Promise<Record<string, number>> {
  const names: string[] = [];
  const packed = tf.tidy(() => {
    const out = splitLossOutput(loss(batch), where);
    names.push('loss', ...Object.keys(out.metrics));
    return tf.stack([out.loss, ...Object.values(out.metrics)].map((t) => tf.reshape(t, [])));
  });
  const values = await packed.data();
  packed.dispose();
  return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
}

/**
 * Example-weighted means of a loss and its metrics over every batch of
 * `data`, in order, without gradients (validation and evaluation). Leaks no
 * tensors; batches cut from a tensor or yielded by an iterator are disposed.
 *
 * ```
 * meanLoss = sum_b n_b loss(b) / sum_b n_b      (n_b: rows of batch b)
 * ```
 * @param loss - loss of one batch (scalar or `{ loss, metrics }`).
 * @param data - a tensor (cut into batches of `batchSize` rows, in order) or batches; see {@link FitData}.
 * @param options - `batchSize` (an integer >= 1, default 128) cuts tensor data.
 * @returns `{ loss, ...metrics }` as numbers.
 * @throws before reading any batch when `loss`, `data` or `options` is malformed.
 * @example
 * ```ts
 * const { loss } = await meanLoss((x) => tf.mean(tf.square(x)), tf.ones([300, 2]), { batchSize: 100 }); // 1
 * ```
 */
export async function meanLoss<B = tf.Tensor>(
  loss: BatchLoss<B>,
  data: FitData<B>,
  options: { batchSize?: number } = {},
): Promise<Record<string, number>> {
  if (typeof loss !== 'function') throw new TypeError(`meanLoss: loss must be a function, got ${describeValue(loss)}`);
  checkFitData(data, 'meanLoss: data');
  checkKnownKeys(options, ['batchSize'], 'meanLoss');
  const { batchSize = 128 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`meanLoss: batchSize must be an integer >= 1, got ${describeValue(batchSize)}`);
  const { batches, owned } = epochBatches(data, 0, { batchSize, shuffle: false, seed: 0 });
  const sums: Record<string, number> = {};
  let count = 0;
  for await (const batch of batches as AsyncIterable<B>) {
    try {
      const weight = batchWeight(batch);
      for (const [name, v] of Object.entries(await batchValues(loss, batch, 'meanLoss'))) sums[name] = (sums[name] ?? 0) + weight * v;
      count += weight;
    } finally {
      if (owned) disposeBatch(batch);
    }
  }
  if (count === 0) throw new Error('meanLoss: the data yielded no batches');
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
}
