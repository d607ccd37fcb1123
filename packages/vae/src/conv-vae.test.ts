import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lines } from '@elbo/datasets';
import { convDecoder, convEncoder } from '@elbo/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { OutlierScore } from './outlier-score';
import { VAE } from './vae';

// A convolutional VAE is a VAE whose encoder and decoder are conv stacks: every method of the
// MLP VAE works on it as it is, with images [n, h, w, c] instead of vectors.
const dir = mkdtempSync(join(tmpdir(), 'elbo-conv-vae-'));
const SIZE = 12;
const data = lines({ n: 96, size: SIZE, seed: 4 });
const images = tf.reshape(data.images, [-1, SIZE, SIZE, 1]);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  tf.dispose(images);
  data.dispose();
});

const convVae = (seed = 0) =>
  new VAE({
    encoder: convEncoder({ inputShape: [SIZE, SIZE, 1], outputDim: 4, filters: [4, 8], hidden: [16], seed }),
    decoder: convDecoder({ inputDim: 2, outputShape: [SIZE, SIZE, 1], filters: [8, 4], seed: seed + 1 }),
    likelihood: 'bernoulli',
  });

describe('a convolutional VAE (convEncoder / convDecoder)', () => {
  it('trains with fit: the loss falls, and the steps leave no tensor behind', async () => {
    const vae = convVae();
    expect(vae.latentDim).toBe(2);
    expect(vae.inputShape).toEqual([SIZE, SIZE, 1]);
    const before = tf.memory().numTensors;
    const history = await vae.fit(images, { epochs: 6, batchSize: 32, learningRate: 3e-3, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const loss = history.history.loss!;
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss.at(-1)!).toBeLessThan(loss[0]! - 1);
    vae.dispose();
  });

  it('gives elbo terms, log p(x) bounds, samples, interpolations, traversals and a latent grid as images', async () => {
    const vae = convVae(2);
    await vae.fit(images, { epochs: 2, batchSize: 32, seed: 2 });
    const x = tf.slice(images, [0, 0, 0, 0], [5, SIZE, SIZE, 1]);
    const [first, second] = [0, 1].map((i) => tf.slice(x, [i], [1]));
    await expectNoLeaks(() => {
      const terms = vae.elbo(x, { seed: 3 });
      expect(terms.elbo.shape).toEqual([5]);
      const mean = tf.mean(terms.elbo);
      const elbo = mean.dataSync()[0]!;
      mean.dispose();
      tf.dispose(Object.values(terms));
      const lp = vae.logLikelihood(x, { samples: 20, seed: 4 });
      expect(lp.values.length).toBe(5);
      expect(lp.mean).toBeGreaterThan(elbo - 1); // the K-sample bound is at least the 1-sample one, up to noise
      const outputs = [
        [vae.sample(3, { seed: 5 }), [3, SIZE, SIZE, 1]],
        [vae.sample(2, { seed: 5, mode: 'draw' }), [2, SIZE, SIZE, 1]],
        [vae.reconstruct(x), [5, SIZE, SIZE, 1]],
        [vae.interpolate(first!, second!, { steps: 4 }), [4, SIZE, SIZE, 1]],
        [vae.traverse(first!, 1, [-2, 0, 2]), [3, SIZE, SIZE, 1]],
      ] as const;
      for (const [t, shape] of outputs) {
        expect(t.shape).toEqual(shape);
        const v = t.dataSync();
        expect(v.every((p) => p >= 0 && p <= 1)).toBe(true);
      }
      const grid = vae.latentGrid({ size: 3 });
      expect(grid.images.shape).toEqual([9, SIZE, SIZE, 1]);
      tf.dispose([...outputs.map(([t]) => t), grid.z, grid.images]);
    });
    tf.dispose([x, first!, second!]);
    vae.dispose();
  });

  it('fits and applies an outlier score on images [n, h, w, 1], and names a flat batch', async () => {
    const vae = convVae(5);
    await vae.fit(images, { epochs: 2, batchSize: 32, seed: 0 });
    const score = await expectNoLeaks(() => OutlierScore.fit(vae, images, { samples: 4, seed: 1 }));
    const five = tf.slice(images, 0, 5);
    const scores = await expectNoLeaks(() => score.score(five));
    five.dispose();
    expect(scores.length).toBe(5);
    expect(scores.every(Number.isFinite)).toBe(true);
    const flat = tf.zeros([2, SIZE * SIZE]);
    await expect(score.score(flat)).rejects.toThrow(
      `OutlierScore.score: x must have shape [n, ${SIZE}, ${SIZE}, 1], got [2, ${SIZE * SIZE}]`,
    );
    flat.dispose();
    vae.dispose();
  });

  it('refuses flat vectors where it takes images, naming both shapes, before any weight changes', async () => {
    const vae = convVae(3);
    const weights = vae.encoder.getWeights();
    await expect(vae.fit(data.images, { epochs: 1 })).rejects.toThrow(/data must have shape \[n, 12, 12, 1\]/);
    const after = vae.encoder.getWeights();
    for (const name of Object.keys(weights)) expect(Array.from(after[name]!.dataSync())).toEqual(Array.from(weights[name]!.dataSync()));
    expect(() => vae.elbo(data.images)).toThrow(/\[96, 144\]/);
    tf.dispose([...Object.values(weights), ...Object.values(after)]);
    vae.dispose();
  });

  it('saves and loads bit for bit, and exports TF.js Layers models that tfjs-layers runs with the same outputs', async () => {
    const vae = convVae(4);
    await vae.fit(images, { epochs: 1, batchSize: 32, seed: 4 });
    const url = `file://${join(dir, 'conv')}`;
    await vae.save(url);
    const back = await VAE.load(url);
    const x = tf.slice(images, [0, 0, 0, 0], [4, SIZE, SIZE, 1]);
    const a = vae.elbo(x, { seed: 7 });
    const b = back.elbo(x, { seed: 7 });
    expect(Array.from(b.elbo.dataSync())).toEqual(Array.from(a.elbo.dataSync()));
    const urls = { encoder: `file://${join(dir, 'enc')}`, decoder: `file://${join(dir, 'dec')}` };
    await vae.exportLayers(urls);
    const decoder = await tfl.loadLayersModel(`${urls.decoder}/model.json`);
    const z = tf.randomNormal([3, 2], 0, 1, 'float32', 8);
    const want = vae.decodeRaw(z).dataSync();
    const got = (decoder.predict(z) as tf.Tensor).dataSync();
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4));
    const imported = await VAE.fromLayers(urls, { likelihood: 'bernoulli' });
    const r = [vae, imported].map((m) => m.reconstruct(x).dataSync());
    r[1]!.forEach((v, i) => expect(Math.abs(v - r[0]![i]!)).toBeLessThan(1e-5));
    tf.dispose([...Object.values(a), ...Object.values(b), x, z]);
    [vae, back, imported].forEach((m) => m.dispose());
    decoder.dispose();
  });
});
