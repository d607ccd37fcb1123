import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lines } from '@elbo/datasets';
import { convDecoder, convEncoder } from '@elbo/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { imageStatistics } from './image-statistics';
import { VAE } from './vae';

// Colour is a third axis of channels: [n, h, w, 3]. Every image-valued method of a convolutional
// VAE trained on colour images keeps the three channels, and scoring and save/load take them.
// (That a conv VAE learns colour is shown on real images: the emoji run of the elbo command.)
const SIZE = 12;
const TINTS = [
  [1, 0.15, 0.15],
  [0.15, 1, 0.15],
  [0.15, 0.15, 1],
] as const;
const N = 96;
const dir = mkdtempSync(join(tmpdir(), 'elbo-colour-'));

/** `lines` images, image i tinted with TINTS[i % 3]: [N, SIZE, SIZE, 3] in [0, 1]. */
function tintedLines(): tf.Tensor4D {
  const data = lines({ n: N, size: SIZE, seed: 4 });
  const grey = data.images.dataSync();
  const values = new Float32Array(N * SIZE * SIZE * 3);
  for (let i = 0; i < N; i++)
    for (let p = 0; p < SIZE * SIZE; p++)
      for (let c = 0; c < 3; c++) values[(i * SIZE * SIZE + p) * 3 + c] = grey[i * SIZE * SIZE + p]! * TINTS[i % 3]![c]!;
  data.dispose();
  return tf.tensor4d(values, [N, SIZE, SIZE, 3]);
}

const images = tintedLines();
afterAll(() => {
  images.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('colour images in a convolutional VAE', () => {
  const vae = new VAE({
    encoder: convEncoder({ inputShape: [SIZE, SIZE, 3], outputDim: 4, filters: [8, 16], hidden: [32], seed: 0 }),
    decoder: convDecoder({ inputDim: 2, outputShape: [SIZE, SIZE, 3], filters: [16, 8], seed: 1 }),
    likelihood: 'bernoulli',
  });
  afterAll(() => vae.dispose());

  it('trains on colour images without leaving a tensor behind', async () => {
    const before = tf.memory().numTensors;
    const history = await vae.fit(images, { epochs: 3, batchSize: 32, learningRate: 5e-3, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.history.loss!.at(-1)!).toBeLessThan(history.history.loss![0]!);
  });

  it('keeps three channels in samples, interpolations, traversals and the latent grid', async () => {
    const [red, blue] = [tf.slice(images, [0], [1]), tf.slice(images, [2], [1])];
    await expectNoLeaks(() => {
      const samples = vae.sample(5, { seed: 3 });
      expect(samples.shape).toEqual([5, SIZE, SIZE, 3]);
      const path = vae.interpolate(red, blue, { steps: 5 });
      expect(path.shape).toEqual([5, SIZE, SIZE, 3]);
      const traversal = vae.traverse(red, 0, [-1, 0, 1]);
      expect(traversal.shape).toEqual([3, SIZE, SIZE, 3]);
      const grid = vae.latentGrid({ size: 3 });
      expect(grid.images.shape).toEqual([9, SIZE, SIZE, 3]);
      tf.dispose([samples, path, traversal, grid.z, grid.images]);
    });
    tf.dispose([red, blue]);
  });

  it('scores colour images (log p(x) and the outlier statistics) and saves and loads them', async () => {
    const x = tf.slice(images, [0], [6]);
    const stats = await imageStatistics(vae, x, { samples: 8, seed: 4 });
    expect(stats.logLikelihood.length).toBe(6);
    expect([...stats.logLikelihood].every(Number.isFinite)).toBe(true);
    await vae.save(`file://${dir}/vae`);
    const loaded = await VAE.load(`file://${dir}/vae`);
    expect(loaded.inputShape).toEqual([SIZE, SIZE, 3]);
    const [a, b] = [vae.reconstruct(x), loaded.reconstruct(x)];
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
    expect(difference.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([a, b, x, difference]);
    loaded.dispose();
  });
});
