import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './convert';
import { foldIn, permutation } from './random';

/**
 * Training data: one tensor (cut into shuffled minibatches along axis 0), or
 * batches already made: an array, an iterable, an async iterable, or a
 * function returning a fresh one per epoch (use this for one-shot generators).
 * @example
 * ```ts
 * const data: FitData = () => myBatchGenerator(); // a fresh generator each epoch
 * ```
 */
export type FitData<B = tf.Tensor> = tf.Tensor | Iterable<B> | AsyncIterable<B> | ((epoch: number) => Iterable<B> | AsyncIterable<B>);

/** How a tensor is cut into batches. */
export interface Batching {
  batchSize: number;
  shuffle: boolean;
  seed: number;
}

/** One epoch's batches and whether the loop owns (and so disposes) the tensors in them. */
export interface EpochBatches<B> {
  batches: Iterable<B> | AsyncIterable<B>;
  owned: boolean;
}

/** Minibatches of the rows of `x`, epoch e in the order `permutation(n, foldIn(seed, e))` (the caller disposes each). */
export function* tensorBatches(x: tf.Tensor, epoch: number, batching: Batching): Generator<tf.Tensor> {
  const n = x.shape[0]!;
  const order = batching.shuffle ? permutation(n, foldIn(batching.seed, epoch)) : null;
  for (let start = 0; start < n; start += batching.batchSize) {
    const end = Math.min(n, start + batching.batchSize);
    yield order == null ? tf.slice(x, start, end - start) : tf.tidy(() => tf.gather(x, tf.tensor1d(order.subarray(start, end), 'int32')));
  }
}

/** Checks a {@link FitData} value (throws naming `name`) before training changes anything. */
export function checkFitData(data: unknown, name: string): void {
  if (data instanceof tf.Tensor) {
    if (data.isDisposed) throw new Error(`${name} is a disposed tensor`);
    if (data.rank < 1 || data.shape[0] === 0) throw new Error(`${name} must have at least one row, got ${describeValue(data)}`);
    return;
  }
  const d = data as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  const ok =
    typeof data === 'function' ||
    (d != null && (typeof d[Symbol.iterator] === 'function' || typeof d[Symbol.asyncIterator] === 'function'));
  if (!ok || typeof data === 'string') {
    throw new TypeError(`${name} must be a tensor, an (async) iterable of batches or a function returning one, got ${describeValue(data)}`);
  }
}

/**
 * The batches of one epoch. Tensors the loop cuts from a tensor, or that an
 * iterator or a function yields, are owned by the loop and disposed after use;
 * the tensors of an array you pass stay yours.
 */
export function epochBatches<B>(data: FitData<B>, epoch: number, batching: Batching): EpochBatches<B> {
  if (data instanceof tf.Tensor) return { batches: tensorBatches(data, epoch, batching) as Iterable<B>, owned: true };
  if (typeof data === 'function') return { batches: data(epoch), owned: true };
  return { batches: data, owned: !Array.isArray(data) };
}

/** Number of examples in a batch: rows of a tensor (alone, first in an array, or as `images` / `x`), else 1. */
export function batchWeight(batch: unknown): number {
  if (batch instanceof tf.Tensor) return batch.shape[0] ?? 1;
  if (Array.isArray(batch) && batch[0] instanceof tf.Tensor) return batch[0].shape[0] ?? 1;
  for (const key of ['images', 'x'] as const) {
    const t = batch != null && typeof batch === 'object' ? (batch as Record<string, unknown>)[key] : null;
    if (t instanceof tf.Tensor) return t.shape[0] ?? 1;
  }
  return 1;
}

/** Disposes every tensor inside a batch (a tensor, an array or a plain object of tensors). */
export function disposeBatch(batch: unknown): void {
  if (batch instanceof tf.Tensor) batch.dispose();
  else if (Array.isArray(batch)) batch.forEach(disposeBatch);
  else if (batch != null && typeof batch === 'object' && Object.getPrototypeOf(batch) === Object.prototype) {
    Object.values(batch).forEach(disposeBatch);
  }
}

/**
 * Iterates one epoch's batches, disposing each owned batch once the loop is
 * done with it (and the one in flight if the loop stops early); `index` is
 * the 0-based index of the batch being used, `current` the batch itself.
 */
export class BatchFeed<B> {
  index = -1;
  current: B | undefined;

  constructor(private readonly epoch: EpochBatches<B>) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    const { batches, owned } = this.epoch;
    try {
      for await (const batch of batches as AsyncIterable<B>) {
        this.index++;
        this.current = batch;
        yield batch;
        if (owned) disposeBatch(batch);
        this.current = undefined;
      }
    } finally {
      if (owned && this.current !== undefined) disposeBatch(this.current);
      this.current = undefined;
    }
  }
}
