import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldIn, permutation } from '@elbo/prob';
import { decodeImageFile, imageFolder, ImageFileError, type ImageBatch, type ImageFolder } from '@elbo/datasets/node';
import { colourOf, solid, temporaryFolder, writeImage, writeNumberedImages } from './test-image-files';

const dir = temporaryFolder();
const labelled = join(dir, 'labelled');
const numbered = join(dir, 'numbered');
const N = 23;

beforeAll(async () => {
  await writeImage(join(labelled, 'top.png'), solid(3, 3, [1, 2, 3]), 3, 3, 3);
  await writeImage(join(labelled, 'cats/a.png'), solid(5, 2, [200, 0, 0]), 5, 2, 3);
  await writeImage(join(labelled, 'cats/b.PNG'), Array.from({ length: 14 }, () => [0, 200, 0, 128]).flat(), 2, 7, 4);
  await writeImage(join(labelled, 'cats/deep/c.jpg'), solid(16, 16, [0, 0, 200]), 16, 16, 3, 'jpeg');
  await writeImage(join(labelled, 'dogs/d.jpeg'), solid(40, 30, [90, 90, 90]), 40, 30, 3, 'jpeg');
  await writeImage(join(labelled, 'dogs/e.png'), [0, 64, 128, 255], 2, 2, 1);
  await writeImage(join(labelled, '.hidden.png'), solid(2, 2, [5, 5, 5]), 2, 2, 3);
  mkdirSync(join(labelled, 'birds'));
  writeFileSync(join(labelled, 'birds/notes.txt'), 'no images here');
  writeFileSync(join(labelled, 'readme.txt'), 'not an image');
  await writeNumberedImages(numbered, N);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function epoch(folder: ImageFolder): Promise<ImageBatch[]> {
  const batches: ImageBatch[] = [];
  for await (const batch of folder) batches.push(batch);
  return batches;
}

/** Checks each image of a numbered-folder batch is the colour of the file its index names, and disposes it. */
function checkNumbered(batch: ImageBatch): number[] {
  const pixels = batch.images.arraySync();
  batch.indices.forEach((index, k) => {
    const [r, g, b] = colourOf(index);
    expect(pixels[k]![2]![3]!.map((v) => Math.round(v * 255))).toEqual([r, g, b]);
    expect(batch.files[k]).toBe(`img-${String(index).padStart(3, '0')}.png`);
  });
  batch.images.dispose();
  return Array.from(batch.indices);
}

describe('imageFolder: listing', () => {
  it('lists PNGs and JPEGs recursively, sorted, labelled by first-level subfolder (-1 in the root)', async () => {
    const folder = await imageFolder(labelled, { size: [4, 6], channels: 1 });
    expect(folder.root).toBe(labelled);
    expect(folder.files).toEqual(['cats/a.png', 'cats/b.PNG', 'cats/deep/c.jpg', 'dogs/d.jpeg', 'dogs/e.png', 'top.png']);
    expect(folder.labelNames).toEqual(['cats', 'dogs']);
    expect(Array.from(folder.labels)).toEqual([0, 0, 0, 1, 1, -1]);
    expect(folder.itemShape).toEqual([4, 6, 1]);
    expect(folder.skipped).toEqual([]);
  });

  it('yields [b, h, w, c] float32 batches in [0, 1] equal to each decoded file / 255, with labels, files and indices', async () => {
    const options = { size: [4, 6] as [number, number], fit: 'contain' as const, background: '#102030' };
    const folder = await imageFolder(labelled, { ...options, batchSize: 4, shuffle: false });
    const before = tf.memory().numTensors;
    const batches = await epoch(folder);
    expect(tf.memory().numTensors - before).toBe(batches.length); // the batches this test holds, nothing else
    expect(batches.map((b) => b.images.shape)).toEqual([
      [4, 4, 6, 3],
      [2, 4, 6, 3],
    ]);
    expect(batches.flatMap((b) => b.files)).toEqual(folder.files);
    expect(batches.flatMap((b) => Array.from(b.labels))).toEqual(Array.from(folder.labels));
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual([0, 1, 2, 3, 4, 5]);
    for (const batch of batches) {
      expect(batch.images.dtype).toBe('float32');
      const values = batch.images.dataSync();
      for (let k = 0; k < batch.files.length; k++) {
        const bytes = await decodeImageFile(join(labelled, batch.files[k]!), options);
        expect(Array.from(values.subarray(k * bytes.length, (k + 1) * bytes.length))).toEqual(
          Array.from(bytes, (v) => Math.fround(v / 255)),
        );
      }
      batch.images.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('imageFolder: epochs', () => {
  it('shuffles each epoch with foldIn(seed, epoch): the same for the same seed, every file once', async () => {
    const a = await imageFolder(numbered, { size: [4, 6], batchSize: 5, seed: 3 });
    const b = await imageFolder(numbered, { size: [4, 6], batchSize: 5, seed: 3 });
    const before = tf.memory().numTensors;
    const orders: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const batches = await epoch(a);
      expect(batches.map((x) => x.images.shape[0])).toEqual([5, 5, 5, 5, 3]);
      orders.push(batches.flatMap(checkNumbered));
    }
    const other = (await epoch(b)).flatMap(checkNumbered);
    expect(tf.memory().numTensors).toBe(before);
    expect(orders[0]).toEqual(Array.from(permutation(N, foldIn(3, 0))));
    expect(orders[1]).toEqual(Array.from(permutation(N, foldIn(3, 1))));
    expect(other).toEqual(orders[0]);
    expect(orders[1]).not.toEqual(orders[0]);
    for (const order of orders) expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('dropLast drops the short last batch; shuffle: false keeps file order', async () => {
    const dropped = await epoch(await imageFolder(numbered, { size: 2, batchSize: 5, dropLast: true, seed: 1 }));
    expect(dropped.map((x) => x.images.shape[0])).toEqual([5, 5, 5, 5]);
    expect(new Set(dropped.flatMap((x) => Array.from(x.indices))).size).toBe(20);
    dropped.forEach((x) => x.images.dispose());
    const ordered = await epoch(await imageFolder(numbered, { size: 2, batchSize: 10, shuffle: false }));
    expect(ordered.flatMap((x) => Array.from(x.indices))).toEqual(Array.from({ length: N }, (_, i) => i));
    ordered.forEach((x) => x.images.dispose());
  });

  it('breaking out of an epoch early leaves no tensor and no decode behind', async () => {
    const bad = join(dir, 'break');
    await writeNumberedImages(bad, 12);
    writeFileSync(join(bad, 'img-002.png'), 'broken'); // decoded ahead, and failing, while the consumer holds batch 0
    const folder = await imageFolder(bad, { size: 4, batchSize: 2, shuffle: false });
    const before = tf.memory().numTensors;
    for await (const batch of folder) {
      batch.images.dispose();
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
    await new Promise((done) => setTimeout(done, 50)); // an unhandled rejection here would fail the run
    const again: number[] = [];
    await expect(
      (async () => {
        for await (const batch of folder) {
          again.push(...batch.indices);
          batch.images.dispose();
        }
      })(),
    ).rejects.toThrow(ImageFileError);
    expect(again).toEqual([0, 1]); // the second epoch starts afresh, and fails where the bad file is
    expect(tf.memory().numTensors).toBe(before);
  });
});
