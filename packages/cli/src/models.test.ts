import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel, loadModel, MODEL_KINDS } from './models';

const settings = { latent: 3, epochs: 1, batchSize: 8, learningRate: 1e-3, seed: 0 };

describe('RunModel: one interface over the four kinds', () => {
  for (const kind of MODEL_KINDS) {
    it(`${kind}: every call returns images or codes of the right shape, leaks no tensor, and a saved model loads with the same outputs`, async () => {
      const x = tf.randomUniform([24, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const model = createModel(kind, [8, 8, 3], settings);
      const validation = tf.slice(x, 0, 4);
      const { history, aborted } = await model.fit(x, validation, settings, {});
      validation.dispose();
      expect(aborted).toBe(false);
      if (kind !== 'pca') expect(history.loss).toHaveLength(1);
      const before = tf.memory().numTensors;
      const z = model.encode(x);
      expect(z.shape).toEqual([24, 3]);
      const back = model.decode(z);
      const rec = model.reconstruct(x);
      const samples = model.sample(5, 2);
      expect([back.shape, rec.shape, samples.shape]).toEqual([
        [24, 8, 8, 3],
        [24, 8, 8, 3],
        [5, 8, 8, 3],
      ]);
      const values = await samples.data();
      expect(Array.from(values).every((v) => v >= 0 && v <= 1)).toBe(true);
      const scores = await model.score(x, 0);
      expect(scores).toHaveLength(24);
      expect(Array.from(scores).every(Number.isFinite)).toBe(true);
      tf.dispose([z, back, rec, samples]);
      expect(tf.memory().numTensors).toBe(before);

      const dir = mkdtempSync(join(tmpdir(), 'elbo-cli-model-'));
      try {
        await model.save(dir);
        const loaded = await loadModel(kind, [8, 8, 3], dir);
        const [a, b] = [model.sample(3, 7), loaded.sample(3, 7)];
        expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
        tf.dispose([a, b]);
        loaded.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      model.dispose();
      x.dispose();
    });
  }

  for (const kind of ['conv-vae', 'vae', 'ae'] as const) {
    it(`${kind}: samples decode codes from the Gaussian of the training codes, saved beside the model`, async () => {
      const x = tf.randomUniform([40, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const model = createModel(kind, [8, 8, 3], settings);
      await model.fit(x, null, settings, {});
      const dir = mkdtempSync(join(tmpdir(), 'elbo-cli-gaussian-'));
      try {
        await model.save(dir);
        const saved = JSON.parse(readFileSync(join(dir, 'code-gaussian.json'), 'utf8')) as { mean: number[]; cholesky: number[][] };
        // oracle: the mean and the covariance (L L^T) of the codes of the training images
        const codes = model.encode(x);
        const mean = tf.mean(codes, 0);
        const centred = tf.sub(codes, mean);
        const covariance = tf.div(tf.matMul(centred, centred, true), 39);
        const l = tf.tensor2d(saved.cholesky);
        const llt = tf.matMul(l, l, false, true);
        expect(saved.mean).toHaveLength(3);
        saved.mean.forEach((m, i) => expect(m).toBeCloseTo(mean.dataSync()[i]!, 4));
        Array.from(llt.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(covariance.dataSync()[i]!, 4));
        tf.dispose([codes, mean, centred, covariance, l, llt]);

        const before = tf.memory().numTensors;
        const fromCodes = model.sample(4, 1, 'codes');
        if (kind === 'ae') {
          expect(() => model.sample(4, 1, 'prior')).toThrow(/an autoencoder has no prior to sample: use --from codes/);
        } else {
          const fromPrior = model.sample(4, 1, 'prior');
          expect(fromPrior.shape).toEqual([4, 8, 8, 3]);
          expect(Array.from(await fromPrior.data())).not.toEqual(Array.from(await fromCodes.data()));
          const loaded = await loadModel(kind, [8, 8, 3], dir);
          const again = loaded.sample(4, 1, 'prior');
          expect(Array.from(await again.data())).toEqual(Array.from(await fromPrior.data()));
          tf.dispose([fromPrior, again]);
          loaded.dispose();
        }
        fromCodes.dispose();
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        model.dispose();
        x.dispose();
      }
    });
  }
});
