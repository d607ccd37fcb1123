import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { describeValue } from '@elbo/prob';
import { DECODE_CONCURRENCY, listedDecoder } from './image-decode';
import { decodeInOrder } from './image-decode-queue';
import { checkImageOptions, type ImageOptions } from './image-options';
import { listImageFolder } from './image-listing';
import { skipper, type SkipBadOptions, type SkippedImage } from './image-skip';
import { loadSharp } from './load-sharp';
import { npyHeaderBytes } from './npy';

/**
 * Options of {@link imageFolderToNpy}.
 * @example
 * ```ts
 * const options: ImageFolderToNpyOptions = { size: 64, onProgress: (done, total) => console.log(`${done} / ${total}`) };
 * ```
 */
export interface ImageFolderToNpyOptions extends ImageOptions, SkipBadOptions {
  /** Called after each image with how many of the listed files are done. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * What {@link imageFolderToNpy} wrote.
 * @example
 * ```ts
 * const { count, shape, labelsPath, skipped }: ImageFolderToNpyResult = await imageFolderToNpy('emoji', 'emoji.npy', { size: 32 });
 * ```
 */
export interface ImageFolderToNpyResult {
  /** Images written. */
  count: number;
  /** `[count, height, width, channels]`, the .npy's shape (uint8). */
  shape: [number, number, number, number];
  /** The JSON file of labels, names and files beside the .npy. */
  labelsPath: string;
  /** The files skipped (with `skipBad`). */
  skipped: SkippedImage[];
}

/**
 * What the `.labels.json` beside the `.npy` holds.
 * @example
 * ```ts
 * const { labelNames, labels }: ImageLabelsFile = JSON.parse(await readFile('emoji.labels.json', 'utf8'));
 * ```
 */
export interface ImageLabelsFile {
  labelNames: string[];
  labels: number[];
  files: string[];
  size: [number, number];
  channels: 1 | 3;
}

const temporary = (path: string) => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

/**
 * Decodes a folder of images once into a uint8 `.npy` file `[n, h, w, c]`
 * (written image by image, so any folder size fits in memory) and its labels
 * into `<npyPath without .npy>.labels.json`. Later epochs then stream the
 * `.npy` with `npyBatches(npyPath, { batchSize, scale: 1 / 255, itemShape: [h, w, c] })`,
 * without decoding again. Both files are written under temporary names and
 * renamed at the end: a failure leaves no partial file and keeps any earlier one.
 *
 * @throws like {@link imageFolder}, and when no image could be read.
 * @example
 * ```ts
 * const { shape, labelsPath } = await imageFolderToNpy('emoji', 'emoji-32.npy', { size: 32 });
 * for await (const { images } of npyBatches('emoji-32.npy', { batchSize: 128, scale: 1 / 255, itemShape: shape.slice(1) })) {
 *   images.dispose();
 * }
 * ```
 */
export async function imageFolderToNpy(dir: string, npyPath: string, options: ImageFolderToNpyOptions): Promise<ImageFolderToNpyResult> {
  const caller = 'imageFolderToNpy';
  if (typeof npyPath !== 'string' || !/\.npy$/i.test(npyPath)) {
    throw new TypeError(`${caller}: npyPath must be a file path ending in .npy, got ${describeValue(npyPath)}`);
  }
  const image = checkImageOptions(options, caller);
  const skipped: SkippedImage[] = [];
  const onBad = skipper(options, caller, skipped);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`${caller}: onProgress must be a function (done, total) => void, got ${describeValue(onProgress)}`);
  }
  const sharp = await loadSharp(caller);
  const listing = await listImageFolder(dir, caller);
  const decode = listedDecoder(sharp, listing, image, caller);
  const total = listing.files.length;
  const item = [image.height, image.width, image.channels] as const;
  const labelsPath = `${npyPath.slice(0, -'.npy'.length)}.labels.json`;
  const npyTemporary = temporary(npyPath);
  const labelsTemporary = temporary(labelsPath);

  // The header is written for every listed file; skips shrink it at the end.
  // Its length does not change: npyHeaderBytes pads the first axis for growth.
  const header = npyHeaderBytes('uint8', [total, ...item]);
  const handle = await open(npyTemporary, 'wx');
  try {
    let position = 0;
    const append = async (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length;) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position);
        done += bytesWritten;
        position += bytesWritten;
      }
    };
    await append(header);
    const kept: number[] = [];
    let done = 0;
    const order = Int32Array.from(listing.files, (_, i) => i);
    for await (const result of decodeInOrder(order, decode, { readAhead: 64, concurrency: DECODE_CONCURRENCY })) {
      if (result.bytes === undefined) onBad(listing.files[result.index]!, result.error);
      else {
        await append(result.bytes);
        kept.push(result.index);
      }
      onProgress?.(++done, total);
    }
    if (kept.length === 0) throw new Error(`${caller}: none of the ${total} images of ${listing.root} could be read; nothing written`);
    const shape: [number, number, number, number] = [kept.length, ...item];
    if (kept.length < total) {
      const shrunk = npyHeaderBytes('uint8', shape);
      if (shrunk.length !== header.length) throw new Error(`${caller}: internal: the .npy header changed length`);
      await handle.write(shrunk, 0, shrunk.length, 0); // the data of skipped files was never written
    }
    await handle.close();
    const labels: ImageLabelsFile = {
      labelNames: listing.labelNames,
      labels: kept.map((i) => listing.labels[i]!),
      files: kept.map((i) => listing.files[i]!),
      size: [image.height, image.width],
      channels: image.channels,
    };
    await writeFile(labelsTemporary, JSON.stringify(labels));
    await rename(npyTemporary, npyPath);
    await rename(labelsTemporary, labelsPath);
    return { count: kept.length, shape, labelsPath, skipped };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(npyTemporary, { force: true });
    await rm(labelsTemporary, { force: true });
    throw error;
  }
}
