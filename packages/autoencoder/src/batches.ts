import * as tf from '@tensorflow/tfjs-core';

/**
 * Training data: one tensor (split into shuffled minibatches along axis 0), or
 * batches already made: an array, an iterable, an async iterable, or a
 * function returning a fresh one per epoch (use this for one-shot generators).
 * @example
 * ```ts
 * const data: FitData = () => myBatchGenerator(); // a fresh generator each epoch
 * ```
 */
export type FitData<B = tf.Tensor> =
  | tf.Tensor
  | Iterable<B>
  | AsyncIterable<B>
  | ((epoch: number) => Iterable<B> | AsyncIterable<B>);

/**
 * How a tensor is cut into batches.
 * @example
 * ```ts
 * const batching: BatchingOptions = { batchSize: 128, shuffle: true, seed: 0 };
 * ```
 */
export interface BatchingOptions {
  /** Rows per batch (the last one may be smaller). */
  batchSize: number;
  /** Shuffle the rows every epoch. */
  shuffle: boolean;
  /** Seed of the shuffling; epoch e uses `seed + e`, so a run is repeatable. */
  seed: number;
}

/** One epoch's batches and whether the loop owns (and so disposes) the tensors in them. */
export interface EpochBatches<B> {
  batches: Iterable<B> | AsyncIterable<B>;
  owned: boolean;
}

/**
 * A seeded permutation of 0..n-1 (Fisher-Yates driven by mulberry32): the
 * order in which `fit` visits the rows of a tensor in epoch e is
 * `seededPermutation(n, seed + e)`.
 * @param n - number of items.
 * @param seed - any finite number.
 * @returns Int32Array of length n.
 * @example
 * ```ts
 * seededPermutation(5, 0); // the same 5 indices in the same order, every time
 * ```
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let state = (Math.floor(seed) ^ 0x6d2b79f5) >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/** Minibatches of the rows of `x` (tensors made per batch; the caller disposes them). */
export function* tensorBatches(x: tf.Tensor, epoch: number, options: BatchingOptions): Generator<tf.Tensor> {
  const n = x.shape[0]!;
  const order = options.shuffle ? seededPermutation(n, options.seed + epoch) : null;
  for (let start = 0; start < n; start += options.batchSize) {
    const end = Math.min(n, start + options.batchSize);
    yield order == null
      ? tf.slice(x, start, end - start)
      : tf.tidy(() => tf.gather(x, tf.tensor1d(order.subarray(start, end), 'int32')));
  }
}

/** Checks a {@link FitData} value (throws naming `name`) before training changes anything. */
export function checkData(data: unknown, name: string): void {
  if (data instanceof tf.Tensor) {
    if (data.isDisposed) throw new Error(`${name} is a disposed tensor`);
    if (data.rank < 1 || data.shape[0] === 0) throw new Error(`${name} must have at least one row, got shape [${data.shape.join(', ')}]`);
    return;
  }
  const ok =
    typeof data === 'function' ||
    (data != null && (typeof (data as any)[Symbol.iterator] === 'function' || typeof (data as any)[Symbol.asyncIterator] === 'function'));
  if (!ok) {
    throw new TypeError(`${name} must be a tensor, an (async) iterable of batches or a function returning one, got ${data === null ? 'null' : typeof data}`);
  }
}

/**
 * The batches of one epoch. Tensors the loop cuts from a tensor, or that an
 * iterator or a function yields, are owned by the loop and disposed after use;
 * the tensors of an array you pass stay yours.
 */
export function epochBatches<B>(data: FitData<B>, epoch: number, batching: BatchingOptions): EpochBatches<B> {
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

/** Checks an inference batch size (an integer >= 1), naming the method. */
export function checkBatchSize(batchSize: number, where: string): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${where}: batchSize must be an integer >= 1, got ${batchSize}`);
  return batchSize;
}

/** Runs `fn` on row blocks of x (each in its own tidy) and concatenates: bounded intermediate memory. */
export function inBatches(x: tf.Tensor | number[][], options: { batchSize?: number }, where: string, fn: (b: tf.Tensor) => tf.Tensor): tf.Tensor2D {
  const batchSize = checkBatchSize(options.batchSize ?? 1024, where);
  const t = x instanceof tf.Tensor ? x : tf.tensor2d(x);
  try {
    if (t.rank !== 2) throw new Error(`${where}: input must have shape [n, width], got [${t.shape.join(', ')}]`);
    const n = t.shape[0]!;
    if (n <= batchSize) return tf.tidy(() => fn(t) as tf.Tensor2D);
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        parts.push(tf.tidy(() => fn(tf.slice(t, start, Math.min(batchSize, n - start)))));
      }
      return tf.concat(parts) as tf.Tensor2D;
    } finally {
      tf.dispose(parts);
    }
  } finally {
    if (t !== x) t.dispose();
  }
}
