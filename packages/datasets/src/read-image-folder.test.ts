import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile, ImageFileError, readImageFolder } from '@elbo/datasets/node';
import { solid, temporaryFolder, writeImage } from './test-image-files';

const dir = temporaryFolder();

beforeAll(async () => {
  await writeImage(join(dir, 'b/one.png'), solid(8, 4, [250, 10, 10]), 8, 4, 3);
  await writeImage(join(dir, 'a/two.jpg'), solid(3, 9, [10, 250, 10]), 3, 9, 3, 'jpeg');
  await writeImage(join(dir, 'a/three.png'), [0, 0, 0, 0, 255, 255, 255, 255], 2, 1, 4);
  await writeImage(join(dir, 'zero.png'), [7, 77, 177], 1, 1, 3);
  writeFileSync(join(dir, 'b/broken.png'), 'broken');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readImageFolder', () => {
  it('reads every image into one [n, h, w, c] tensor in file order, the same bytes as decodeImageFile', async () => {
    const before = tf.memory().numTensors;
    const options = { size: [3, 5] as [number, number], channels: 1 as const, background: [0, 0, 255] as [number, number, number] };
    const { images, labels, labelNames, files, skipped } = await readImageFolder(dir, { ...options, skipBad: true });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(files).toEqual(['a/three.png', 'a/two.jpg', 'b/one.png', 'zero.png']);
    expect(labelNames).toEqual(['a', 'b']);
    expect(Array.from(labels)).toEqual([0, 0, 1, -1]);
    expect(skipped).toEqual([{ file: 'b/broken.png', reason: expect.any(String) }]);
    expect(images.shape).toEqual([4, 3, 5, 1]);
    const data = images.dataSync();
    for (let k = 0; k < files.length; k++) {
      const bytes = await decodeImageFile(join(dir, files[k]!), options);
      expect(Array.from(data.subarray(k * 15, (k + 1) * 15))).toEqual(Array.from(bytes, (v) => Math.fround(v / 255)));
    }
    images.dispose();
  });

  it('throws ImageFileError for a bad file unless skipBad, leaving no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const error = await readImageFolder(dir, { size: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageFileError);
    expect((error as Error).message).toMatch(/^readImageFolder: b\/broken\.png is not a readable PNG or JPEG image: /);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names itself in option errors', async () => {
    await expect(readImageFolder(dir, { size: 4, skipBad: 1 as never })).rejects.toThrow(
      'readImageFolder: skipBad must be true or false, got number 1',
    );
    await expect(readImageFolder(dir, { size: -4 })).rejects.toThrow('readImageFolder: size must be a positive integer, got number -4');
    await expect(readImageFolder(join(dir, 'none'), { size: 4 })).rejects.toThrow(
      `readImageFolder: dir ${join(dir, 'none')} does not exist`,
    );
  });
});
