import { open, type FileHandle } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { bytesToTyped, npyItemSize, type NpyHeader } from './npy';
import { readExactly, readNpyHeader } from './npy-file';
import { checkSeed, foldIn, mulberry32, permutation, shuffleInPlace } from '@elbo/prob';

export interface NpyBatchesOptions {
  /** Rows per batch, a positive integer. */
  batchSize: number;
  /** Shuffle the rows each epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling; epoch k of the iterable shuffles with `(seed, k)`. Default 0. */
  seed?: number;
  /** Leave out the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
  /** Rows read from disk in one contiguous piece. Default: about 4 MiB of rows. */
  chunkRows?: number;
  /**
   * Chunks held in memory and shuffled together. Default 4. Memory stays
   * near `2 * bufferChunks * chunkRows` rows (the window in use and the next one, read ahead).
   */
  bufferChunks?: number;
  /** Factor applied to every value, e.g. `1 / 255` for uint8 images. Default 1. */
  scale?: number;
}

/** One batch as plain arrays. */
export interface NpyRowBatch {
  /** `[rows * rowSize]` float32 values in C order. */
  data: Float32Array;
  /** `[rows, rowSize]`: rowSize is the product of the file's shape after its first axis. */
  shape: [number, number];
  /** `[rows]` the rows' positions in the file. */
  indices: Int32Array;
}

/**
 * Options of {@link npyBatches}: those of {@link npyRowBatches} and the shape of each row as a tensor.
 * @example
 * ```ts
 * const options: NpyTensorBatchesOptions = { batchSize: 128, itemShape: [100, 100, 1] }; // images for a convolutional model
 * ```
 */
export interface NpyTensorBatchesOptions extends NpyBatchesOptions {
  /**
   * Shape of one row in the yielded tensors, e.g. `[100, 100, 1]` (NHWC) for a
   * convolutional model; its size must be the file's row size. Default `[rowSize]`.
   */
  itemShape?: readonly number[];
}

/** One batch as a tensor, owned by the consumer, who must dispose it. */
export interface NpyBatch {
  /** `[rows, ...itemShape]` float32 (`[rows, rowSize]` by default). */
  images: tf.Tensor;
  /** `[rows]` the rows' positions in the file. */
  indices: Int32Array;
}

interface Plan {
  header: NpyHeader;
  rows: number;
  rowSize: number;
  rowBytes: number;
  chunkRows: number;
}

function checkOptions(options: NpyBatchesOptions): Required<Omit<NpyBatchesOptions, 'chunkRows'>> & { chunkRows?: number } {
  if (options == null || typeof options !== 'object')
    throw new Error(`npyBatches: options must be an object with batchSize, got ${String(options)}`);
  const positive = (value: unknown, name: string) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`npyBatches: ${name} must be a positive integer, got ${String(value)}`);
    }
    return value;
  };
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`npyBatches: scale must be a finite number, got ${String(scale)}`);
  return {
    batchSize: positive(options.batchSize, 'batchSize'),
    shuffle: options.shuffle ?? true,
    seed: checkSeed(options.seed ?? 0, 'npyBatches'),
    dropLast: options.dropLast ?? false,
    ...(options.chunkRows === undefined ? {} : { chunkRows: positive(options.chunkRows, 'chunkRows') }),
    bufferChunks: positive(options.bufferChunks ?? 4, 'bufferChunks'),
    scale,
  };
}

async function makePlan(path: string, chunkRows: number | undefined): Promise<Plan> {
  const header = await readNpyHeader(path);
  if (header.shape.length === 0) throw new Error(`${path}: npyBatches needs an array with a first (row) axis, got a scalar`);
  const [rows, ...rest] = header.shape as [number, ...number[]];
  const rowSize = rest.reduce((a, b) => a * b, 1);
  const rowBytes = rowSize * npyItemSize(header.dtype);
  return { header, rows, rowSize, rowBytes, chunkRows: chunkRows ?? Math.max(1, Math.floor((4 * 2 ** 20) / Math.max(1, rowBytes))) };
}

/** Reads the chunks `chunks` of the file into one float32 window with their row indices. */
async function readWindow(handle: FileHandle, plan: Plan, chunks: Int32Array, scale: number) {
  let count = 0;
  for (const chunk of chunks) count += Math.min(plan.chunkRows, plan.rows - chunk * plan.chunkRows);
  const bytes = new Uint8Array(count * plan.rowBytes);
  const indices = new Int32Array(count);
  let row = 0;
  for (const chunk of chunks) {
    const first = chunk * plan.chunkRows;
    const n = Math.min(plan.chunkRows, plan.rows - first);
    await readExactly(
      handle,
      bytes.subarray(row * plan.rowBytes, (row + n) * plan.rowBytes),
      plan.header.dataOffset + first * plan.rowBytes,
    );
    for (let i = 0; i < n; i++) indices[row + i] = first + i;
    row += n;
  }
  const typed = bytesToTyped(bytes, plan.header.dtype, plan.header.littleEndian);
  const data = typed instanceof Float32Array ? typed : Float32Array.from(typed);
  if (scale !== 1) for (let i = 0; i < data.length; i++) data[i]! *= scale;
  return { data, indices };
}

async function* epochRows(path: string, options: ReturnType<typeof checkOptions>, epoch: number): AsyncGenerator<NpyRowBatch> {
  const plan = await makePlan(path, options.chunkRows);
  const { batchSize, bufferChunks, shuffle, scale } = options;
  const random = mulberry32(foldIn(options.seed, epoch));
  const chunkCount = Math.ceil(plan.rows / plan.chunkRows);
  const order = shuffle ? permutation(chunkCount, random) : Int32Array.from({ length: chunkCount }, (_, i) => i);
  const windows: Int32Array[] = [];
  for (let i = 0; i < chunkCount; i += bufferChunks) windows.push(order.subarray(i, i + bufferChunks));

  const handle = await open(path, 'r');
  // rows left over from the previous window, fewer than batchSize
  let carry: { data: Float32Array; indices: Int32Array } = { data: new Float32Array(0), indices: new Int32Array(0) };
  let next = windows.length > 0 ? readWindow(handle, plan, windows[0]!, scale) : undefined;
  try {
    for (let w = 0; w < windows.length; w++) {
      const window = await next!;
      // read ahead while the consumer trains on this window
      next = w + 1 < windows.length ? readWindow(handle, plan, windows[w + 1]!, scale) : undefined;
      next?.catch(() => undefined); // surfaced when awaited
      const rowOrder = Int32Array.from({ length: window.indices.length }, (_, i) => i);
      if (shuffle) shuffleInPlace(rowOrder, random);
      const total = carry.indices.length + rowOrder.length;
      const take = (from: number, to: number): NpyRowBatch => {
        const n = to - from;
        const data = new Float32Array(n * plan.rowSize);
        const indices = new Int32Array(n);
        for (let k = 0; k < n; k++) {
          const position = from + k;
          if (position < carry.indices.length) {
            data.set(carry.data.subarray(position * plan.rowSize, (position + 1) * plan.rowSize), k * plan.rowSize);
            indices[k] = carry.indices[position]!;
          } else {
            const row = rowOrder[position - carry.indices.length]!;
            data.set(window.data.subarray(row * plan.rowSize, (row + 1) * plan.rowSize), k * plan.rowSize);
            indices[k] = window.indices[row]!;
          }
        }
        return { data, shape: [n, plan.rowSize], indices };
      };
      let position = 0;
      for (; position + batchSize <= total; position += batchSize) yield take(position, position + batchSize);
      const rest = take(position, total);
      carry = { data: rest.data, indices: rest.indices };
    }
    if (carry.indices.length > 0 && !options.dropLast) {
      yield { data: carry.data, shape: [carry.indices.length, plan.rowSize], indices: carry.indices };
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Batches of rows of a `.npy` file on disk, as plain float32 arrays, read in
 * chunks at offsets (never the whole file) so a dataset larger than memory
 * streams with bounded memory.
 *
 * Each `for await` over the returned iterable is one epoch and sees every
 * row exactly once (the last batch may be smaller unless `dropLast`).
 * Shuffling is two-level: the order of chunks of `chunkRows` contiguous rows
 * is shuffled, then the rows of `bufferChunks` chunks at a time are shuffled
 * together. Epoch k of one iterable shuffles with `(seed, k)`: deterministic
 * per seed, different each epoch.
 *
 * @param path - a C-order float32, float64 or uint8 `.npy` file of shape `[rows, ...]`.
 * @returns an async iterable of `{ data: [b * rowSize], shape: [b, rowSize], indices: [b] }`.
 * @example
 * ```ts
 * for await (const { data, shape } of npyRowBatches('/data/lines.npy', { batchSize: 128, seed: 0 })) {
 *   // data holds shape[0] rows of shape[1] values
 * }
 * ```
 */
export function npyRowBatches(path: string, options: NpyBatchesOptions): AsyncIterable<NpyRowBatch> {
  const checked = checkOptions(options);
  let epoch = 0;
  return { [Symbol.asyncIterator]: () => epochRows(path, checked, epoch++) };
}

/**
 * Shuffled batches of a `.npy` file on disk as tensors: `npyRowBatches` with
 * each batch made into a `[b, rowSize]` float32 tensor, or `[b, ...itemShape]`
 * with the `itemShape` option (images for a convolutional model).
 *
 * The consumer owns each batch: dispose `images` when done with it (a
 * training loop does so after its step). Nothing else is allocated on the
 * backend, so a loop that disposes its batches leaks nothing.
 *
 * @param path - a C-order float32, float64 or uint8 `.npy` file of shape `[rows, ...]`.
 * @returns an async iterable (one epoch per `for await`) of `{ images: [b, rowSize] or [b, ...itemShape], indices: [b] }`.
 * @throws at once for bad options; when iterated, naming the file, when `itemShape` does not hold a row.
 * @example
 * ```ts
 * for await (const { images } of npyBatches('/data/lines.npy', { batchSize: 128, seed: 0 })) {
 *   // ... train on images ...
 *   images.dispose();
 * }
 * ```
 */
export function npyBatches(path: string, options: NpyTensorBatchesOptions): AsyncIterable<NpyBatch> {
  const { itemShape, ...rowOptions } = options ?? ({} as NpyTensorBatchesOptions);
  const shape = itemShape === undefined ? undefined : checkItemShape(itemShape);
  const rows = npyRowBatches(path, options == null ? options : rowOptions);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const {
        data,
        shape: [count, rowSize],
        indices,
      } of rows) {
        if (shape !== undefined && sizeOf(shape) !== rowSize) {
          throw new Error(
            `${path}: npyBatches itemShape [${shape.join(', ')}] holds ${sizeOf(shape)} values, but a row of the file holds ${rowSize}`,
          );
        }
        yield { images: tf.tensor(data, [count, ...(shape ?? [rowSize])], 'float32'), indices };
      }
    },
  };
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkItemShape(itemShape: unknown): number[] {
  if (!Array.isArray(itemShape) || itemShape.length === 0 || itemShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(
      `npyBatches: itemShape must list positive integers (one row's shape), got ${JSON.stringify(itemShape) ?? String(itemShape)}`,
    );
  }
  return [...(itemShape as number[])];
}
