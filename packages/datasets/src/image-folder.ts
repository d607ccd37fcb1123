import * as tf from '@tensorflow/tfjs-core';
import { checkSeed, describeValue, foldIn, permutation } from '@elbo/prob';
import { DECODE_CONCURRENCY, listedDecoder } from './image-decode';
import { decodeInOrder } from './image-decode-queue';
import { checkImageOptions, type ImageOptions } from './image-options';
import { listImageFolder } from './image-listing';
import { skipper, type SkipBadOptions, type SkippedImage } from './image-skip';
import { loadSharp } from './load-sharp';

/**
 * Options of {@link imageFolder}: how images become tensors, and how they are batched.
 * @example
 * ```ts
 * const options: ImageFolderOptions = { size: [48, 64], channels: 1, batchSize: 32, seed: 7, skipBad: true };
 * ```
 */
export interface ImageFolderOptions extends ImageOptions, SkipBadOptions {
  /** Images per batch. Default 64. */
  batchSize?: number;
  /** Default true: epoch k visits the files in the order `permutation(n, foldIn(seed, k))`. */
  shuffle?: boolean;
  /** Default 0. */
  seed?: number;
  /** Default false: true drops the last batch of an epoch when it is smaller than `batchSize`. */
  dropLast?: boolean;
}

/**
 * One batch of {@link imageFolder}.
 * @example
 * ```ts
 * for await (const { images, labels, files } of folder) {
 *   console.log(files[0], folder.labelNames[labels[0]!]);
 *   images.dispose();
 * }
 * ```
 */
export interface ImageBatch {
  /** `[b, height, width, channels]` float32 in [0, 1]; the consumer disposes it. */
  images: tf.Tensor4D;
  /** Per image: index into `labelNames`, -1 for a file directly in the folder. */
  labels: Int32Array;
  /** Per image: its path relative to the folder. */
  files: string[];
  /** Per image: its position in `folder.files`. */
  indices: Int32Array;
}

/**
 * A folder of images, streamed as batches: each `for await` is one epoch.
 * @example
 * ```ts
 * const folder: ImageFolder = await imageFolder('emoji', { size: 32 });
 * console.log(folder.files.length, folder.labelNames, folder.itemShape); // ... [32, 32, 3]
 * ```
 */
export interface ImageFolder extends AsyncIterable<ImageBatch> {
  /** The folder, absolute. */
  readonly root: string;
  /** Relative paths, '/'-separated, sorted. */
  readonly files: readonly string[];
  /** Per file: index of its first-level subfolder in `labelNames`, -1 if in the root. */
  readonly labels: Int32Array;
  /** Sorted first-level subfolder names that hold images. */
  readonly labelNames: readonly string[];
  /** `[height, width, channels]` of each image. */
  readonly itemShape: [number, number, 1 | 3];
  /** The files skipped so far (with `skipBad`), each once. */
  readonly skipped: readonly SkippedImage[];
}

/** byte / 255 for each byte, so a batch is filled by lookup. */
const UNIT = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

/**
 * `[b, h, w, c]` float32 in [0, 1] from b images of h * w * c bytes each.
 * @example
 * ```ts
 * imagesToTensor([Uint8Array.of(0, 255)], [1, 2, 1]); // [[[[0], [1]]]]
 * ```
 */
export function imagesToTensor(images: readonly Uint8Array[], shape: readonly [number, number, number]): tf.Tensor4D {
  const size = shape[0] * shape[1] * shape[2];
  const data = new Float32Array(images.length * size);
  images.forEach((bytes, k) => {
    for (let i = 0; i < size; i++) data[k * size + i] = UNIT[bytes[i]!]!;
  });
  return tf.tensor4d(data, [images.length, shape[0], shape[1], shape[2]], 'float32');
}

function checkBatchOptions(options: ImageFolderOptions, caller: string) {
  const batchSize = options.batchSize ?? 64;
  if (typeof batchSize !== 'number' || !Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new Error(`${caller}: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
  }
  const flag = (name: 'shuffle' | 'dropLast', fallback: boolean) => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'boolean') throw new TypeError(`${caller}: ${name} must be true or false, got ${describeValue(value)}`);
    return value;
  };
  return { batchSize, shuffle: flag('shuffle', true), dropLast: flag('dropLast', false), seed: checkSeed(options.seed ?? 0, caller) };
}

/**
 * A folder of PNG and JPEG images (`.png`, `.jpg`, `.jpeg`, any case, in
 * subfolders too) as shuffled batches of tensors, for training on more images
 * than fit in memory. The files are listed at once; images are decoded
 * (with sharp) while the previous batch trains, a few at a time and at most
 * two batches ahead, so memory stays bounded whatever the folder's size.
 * Labels come from the first-level subfolder a file is in.
 *
 * Files are read only inside the folder: a symlink that resolves outside it
 * is refused like an unreadable image. Hidden entries (names starting with
 * '.') and symlinked subfolders are ignored.
 *
 * @param dir - the folder.
 * @returns the listing; iterate it (`for await`) once per epoch.
 * @throws at once for bad options, a missing sharp, and a missing, unreadable
 *   or empty folder; while iterating, `ImageFileError` for the first bad file
 *   unless `skipBad`.
 * @example
 * ```ts
 * const folder = await imageFolder('emoji', { size: 32, batchSize: 128, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for await (const { images, labels } of folder) {
 *     // ... one training step on images ([128, 32, 32, 3]) ...
 *     images.dispose();
 *   }
 * }
 * ```
 */
export async function imageFolder(dir: string, options: ImageFolderOptions): Promise<ImageFolder> {
  const caller = 'imageFolder';
  const image = checkImageOptions(options, caller);
  const { batchSize, shuffle, dropLast, seed } = checkBatchOptions(options, caller);
  const skipped: SkippedImage[] = [];
  const onBad = skipper(options, caller, skipped);
  const sharp = await loadSharp(caller);
  const listing = await listImageFolder(dir, caller);
  const decode = listedDecoder(sharp, listing, image, caller);
  const itemShape: [number, number, 1 | 3] = [image.height, image.width, image.channels];
  const n = listing.files.length;

  async function* epochBatches(epoch: number): AsyncGenerator<ImageBatch> {
    const order = shuffle ? permutation(n, foldIn(seed, epoch)) : Int32Array.from({ length: n }, (_, i) => i);
    let group: { index: number; bytes: Uint8Array }[] = [];
    const batch = (): ImageBatch => {
      const indices = Int32Array.from(group, (g) => g.index);
      const result = {
        images: imagesToTensor(
          group.map((g) => g.bytes),
          itemShape,
        ),
        labels: Int32Array.from(indices, (i) => listing.labels[i]!),
        files: Array.from(indices, (i) => listing.files[i]!),
        indices,
      };
      group = [];
      return result;
    };
    for await (const result of decodeInOrder(order, decode, { readAhead: 2 * batchSize, concurrency: DECODE_CONCURRENCY })) {
      if (result.bytes === undefined) {
        onBad(listing.files[result.index]!, result.error);
        continue;
      }
      group.push({ index: result.index, bytes: result.bytes });
      if (group.length === batchSize) yield batch();
    }
    if (group.length > 0 && !dropLast) yield batch();
  }

  let epoch = 0;
  return {
    root: listing.root,
    files: Object.freeze(listing.files),
    labels: listing.labels,
    labelNames: Object.freeze(listing.labelNames),
    itemShape,
    skipped,
    [Symbol.asyncIterator]: () => epochBatches(epoch++),
  };
}
