import type * as tf from '@tensorflow/tfjs-core';
import { DECODE_CONCURRENCY, listedDecoder } from './image-decode';
import { decodeInOrder } from './image-decode-queue';
import { imagesToTensor } from './image-folder';
import { checkImageOptions, type ImageOptions } from './image-options';
import { listImageFolder } from './image-listing';
import { skipper, type SkipBadOptions, type SkippedImage } from './image-skip';
import { loadSharp } from './load-sharp';

/**
 * What {@link readImageFolder} returns: every readable image, in file order.
 * @example
 * ```ts
 * const data: ImageFolderData = await readImageFolder('emoji', { size: 32 });
 * data.images.dispose();
 * ```
 */
export interface ImageFolderData {
  /** `[n, height, width, channels]` float32 in [0, 1]; the caller disposes it. */
  images: tf.Tensor4D;
  /** Per image: index into `labelNames`, -1 for a file directly in the folder. */
  labels: Int32Array;
  /** Sorted first-level subfolder names that hold images (skipped files included). */
  labelNames: string[];
  /** Per image: its path relative to the folder. */
  files: string[];
  /** The files skipped (with `skipBad`). */
  skipped: SkippedImage[];
}

/**
 * Reads a whole folder of PNG and JPEG images into one tensor, in file
 * order, decoded as {@link imageFolder} does: for sets that fit in memory.
 * @throws like {@link imageFolder}; nothing is left allocated when it throws.
 * @example
 * ```ts
 * const { images, labels, labelNames } = await readImageFolder('emoji', { size: 32 });
 * // images: [n, 32, 32, 3]
 * images.dispose();
 * ```
 */
export async function readImageFolder(dir: string, options: ImageOptions & SkipBadOptions): Promise<ImageFolderData> {
  const caller = 'readImageFolder';
  const image = checkImageOptions(options, caller);
  const skipped: SkippedImage[] = [];
  const onBad = skipper(options, caller, skipped);
  const sharp = await loadSharp(caller);
  const listing = await listImageFolder(dir, caller);
  const decode = listedDecoder(sharp, listing, image, caller);
  const kept: { index: number; bytes: Uint8Array }[] = [];
  const order = Int32Array.from(listing.files, (_, i) => i);
  for await (const result of decodeInOrder(order, decode, { readAhead: 64, concurrency: DECODE_CONCURRENCY })) {
    if (result.bytes === undefined) onBad(listing.files[result.index]!, result.error);
    else kept.push({ index: result.index, bytes: result.bytes });
  }
  return {
    images: imagesToTensor(
      kept.map((k) => k.bytes),
      [image.height, image.width, image.channels],
    ),
    labels: Int32Array.from(kept, (k) => listing.labels[k.index]!),
    labelNames: listing.labelNames,
    files: kept.map((k) => listing.files[k.index]!),
    skipped,
  };
}
