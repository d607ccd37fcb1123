import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imageFolderToNpy, npyBatches } from '@elbo/datasets/node';
import type { ImageLabelsFile } from '@elbo/datasets/node';
import { foldIn, permutation } from '@elbo/prob';
import { CliError } from './errors';

/**
 * Image sets larger than this many bytes as float32 are converted once to a uint8 .npy in the
 * run folder and streamed; smaller ones are read into memory. ELBO_CLI_MEMORY_MB changes it.
 * @example
 * ```ts
 * const streamed = 20000 * 64 * 64 * 3 * 4 > inMemoryLimitBytes();
 * ```
 */
export function inMemoryLimitBytes(): number {
  const mb = Number(process.env.ELBO_CLI_MEMORY_MB ?? 256);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 256) * 2 ** 20;
}

/** The most held-out and report images kept in memory when streaming. */
const MAX_IN_MEMORY = 2000;

/** A folder converted to `images.npy` in the run folder, streamed for training. */
export interface StreamedImages {
  npyPath: string;
  count: number;
  itemShape: [number, number, 1 | 3];
  files: string[];
  labels: Int32Array;
  labelNames: string[];
  skipped: { file: string; reason: string }[];
  /** Training batches of epoch e (the held-out rows left out); the loop disposes them. */
  trainBatches: (batchSize: number, seed: number) => (epoch: number) => AsyncIterable<tf.Tensor4D>;
  /** The held-out rows (at most 2000), in memory; undefined when none. */
  validation?: tf.Tensor4D;
  validationIndices: Int32Array;
  /** Up to 2000 images (a seeded choice) for the report, with their rows in the file. */
  preview: tf.Tensor4D;
  previewIndices: Int32Array;
}

/**
 * Converts a folder to `<dir>/images.npy` once (with progress), then reads the held-out and the
 * report images in one pass.
 * @example
 * ```ts
 * const data = await streamFolder('photos', staging.dir, { size: [64, 64], channels: 3, fit: 'cover', background: [255, 255, 255], skipBad: false, validation: 0.1, seed: 0, command: 'elbo train' });
 * ```
 */
export async function streamFolder(
  input: string,
  dir: string,
  options: {
    size: [number, number];
    channels: 1 | 3;
    fit: 'cover' | 'contain';
    background: [number, number, number];
    skipBad: boolean;
    validation: number;
    seed: number;
    command: string;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<StreamedImages> {
  const npyPath = join(dir, 'images.npy');
  let written: Awaited<ReturnType<typeof imageFolderToNpy>>;
  try {
    written = await imageFolderToNpy(input, npyPath, {
      size: options.size,
      channels: options.channels,
      fit: options.fit,
      background: options.background,
      skipBad: options.skipBad,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    const hint = (error as Error).name === 'ImageFileError' ? ' (pass --skip-bad to leave unreadable images out)' : '';
    throw new CliError(`${options.command}: ${(error as Error).message}${hint}`);
  }
  const labelsFile = JSON.parse(await readFile(written.labelsPath, 'utf8')) as ImageLabelsFile;
  const [count, h, w, c] = written.shape;
  const itemShape: [number, number, 1 | 3] = [h, w, c as 1 | 3];
  const order = permutation(count, options.seed);
  const nValidation = count >= 10 ? Math.min(MAX_IN_MEMORY, Math.round(count * options.validation)) : 0;
  const validationIndices = Int32Array.from(order.subarray(0, nValidation)).sort();
  const previewIndices = Int32Array.from(order.subarray(nValidation, nValidation + MAX_IN_MEMORY)).sort();
  const heldOut = new Set(validationIndices);
  const [validation, preview] = await readRows(npyPath, itemShape, [validationIndices, previewIndices]);
  return {
    npyPath,
    count,
    itemShape,
    files: labelsFile.files,
    labels: Int32Array.from(labelsFile.labels),
    labelNames: labelsFile.labelNames,
    skipped: written.skipped,
    trainBatches: (batchSize, seed) => (epoch) =>
      withoutRows(npyBatches(npyPath, { batchSize, seed: foldIn(seed, epoch), scale: 1 / 255, itemShape }), heldOut),
    ...(nValidation > 0 ? { validation: validation! } : {}),
    validationIndices,
    preview: preview!,
    previewIndices,
  };
}

/** The batches with the rows in `leaveOut` removed (a batch left empty is skipped). */
async function* withoutRows(
  batches: AsyncIterable<{ images: tf.Tensor; indices: Int32Array }>,
  leaveOut: Set<number>,
): AsyncIterable<tf.Tensor4D> {
  for await (const { images, indices } of batches) {
    const keep = Array.from(indices.keys()).filter((i) => !leaveOut.has(indices[i]!));
    if (keep.length === indices.length) yield images as tf.Tensor4D;
    else {
      const kept = keep.length > 0 ? (tf.gather(images, keep) as tf.Tensor4D) : null;
      images.dispose();
      if (kept) yield kept;
    }
  }
}

/** Reads the given rows of each list (sorted file positions) in one unshuffled pass. */
async function readRows(npyPath: string, itemShape: [number, number, number], lists: Int32Array[]): Promise<(tf.Tensor4D | undefined)[]> {
  const rowSize = itemShape[0] * itemShape[1] * itemShape[2];
  const wanted = lists.map((list) => new Map(Array.from(list, (row, i) => [row, i])));
  const out = lists.map((list) => new Float32Array(list.length * rowSize));
  for await (const { images, indices } of npyBatches(npyPath, { batchSize: 512, shuffle: false, scale: 1 / 255, itemShape })) {
    const values = images.dataSync();
    images.dispose();
    indices.forEach((row, i) => {
      wanted.forEach((map, l) => {
        const at = map.get(row);
        if (at !== undefined) out[l]!.set(values.subarray(i * rowSize, (i + 1) * rowSize), at * rowSize);
      });
    });
  }
  return lists.map((list, l) => (list.length > 0 ? tf.tensor4d(out[l]!, [list.length, ...itemShape]) : undefined));
}
