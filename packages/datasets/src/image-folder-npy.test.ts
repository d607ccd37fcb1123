import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFolderToNpy, ImageFileError, npyBatches, readImageFolder, readNpy } from '@elbo/datasets/node';
import { temporaryFolder, writeNumberedImages } from './test-image-files';

const dir = temporaryFolder();
const images = join(dir, 'images');

beforeAll(async () => {
  await writeNumberedImages(join(images, 'x'), 7);
  await writeNumberedImages(join(images, 'y'), 4);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('imageFolderToNpy', () => {
  it('writes uint8 [n, h, w, c] and its labels; npyBatches with scale 1/255 gives readImageFolder values', async () => {
    const progress: [number, number][] = [];
    const npyPath = join(images, 'set.npy'); // inside the folder is allowed: a .npy is not listed as an image
    const result = await imageFolderToNpy(images, npyPath, { size: [3, 4], onProgress: (done, total) => progress.push([done, total]) });
    expect(result).toEqual({ count: 11, shape: [11, 3, 4, 3], labelsPath: join(images, 'set.labels.json'), skipped: [] });
    expect(progress).toEqual(Array.from({ length: 11 }, (_, i) => [i + 1, 11]));
    const npy = await readNpy(npyPath);
    expect(npy.dtype).toBe('uint8');
    expect(npy.shape).toEqual([11, 3, 4, 3]);
    const labels = JSON.parse(readFileSync(result.labelsPath, 'utf8'));
    const read = await readImageFolder(images, { size: [3, 4] });
    expect(labels).toEqual({ labelNames: ['x', 'y'], labels: Array.from(read.labels), files: read.files, size: [3, 4], channels: 3 });
    const expected = read.images.arraySync();
    read.images.dispose();
    const before = tf.memory().numTensors;
    for await (const { images: batch, indices } of npyBatches(npyPath, { batchSize: 4, scale: 1 / 255, itemShape: [3, 4, 3] })) {
      const values = batch.arraySync() as number[][][][];
      indices.forEach((row, k) => {
        values[k]!.flat(2).forEach((v, i) => expect(v).toBeCloseTo(expected[row]!.flat(2)[i]!, 6));
      });
      batch.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with skipBad writes only the readable images, and the header says how many', async () => {
    writeFileSync(join(images, 'x', 'img-003.png'), 'no longer an image');
    try {
      const npyPath = join(dir, 'skipped.npy');
      const result = await imageFolderToNpy(images, npyPath, { size: 2, channels: 1, skipBad: true });
      expect(result.count).toBe(10);
      expect(result.skipped).toEqual([{ file: 'x/img-003.png', reason: expect.any(String) }]);
      const npy = await readNpy(npyPath);
      expect(npy.shape).toEqual([10, 2, 2, 1]);
      expect(npy.data.length).toBe(40);
      expect(JSON.parse(readFileSync(result.labelsPath, 'utf8')).files).not.toContain('x/img-003.png');

      // without skipBad it fails, and the good files written before stay as they were, with no temporary left
      const before = [readFileSync(npyPath), readFileSync(result.labelsPath)];
      const error = await imageFolderToNpy(images, npyPath, { size: 2, channels: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageFileError);
      expect((error as Error).message).toMatch(/^imageFolderToNpy: x\/img-003\.png is not a readable PNG or JPEG image/);
      expect(readFileSync(npyPath).equals(before[0]!)).toBe(true);
      expect(readFileSync(result.labelsPath).equals(before[1]!)).toBe(true);
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      await writeNumberedImages(join(images, 'x'), 7);
    }
  });

  it('checks npyPath and onProgress before reading anything', async () => {
    await expect(imageFolderToNpy(images, join(dir, 'set.bin'), { size: 2 })).rejects.toThrow(
      /imageFolderToNpy: npyPath must be a file path ending in \.npy, got string ".*set\.bin"/,
    );
    await expect(imageFolderToNpy(images, join(dir, 'p.npy'), { size: 2, onProgress: 5 as never })).rejects.toThrow(
      'imageFolderToNpy: onProgress must be a function (done, total) => void, got number 5',
    );
    expect(readdirSync(dir).filter((name) => name.startsWith('p.'))).toEqual([]);
  });
});
