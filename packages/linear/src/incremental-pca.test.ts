import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { IncrementalPCA, PCA, principalAngles } from '@elbo/linear';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

/** 600 x 12 data, rank 4 plus small noise (where incremental PCA is near exact): x = z diag(scales) R + offset. */
function syntheticData(n = 600, d = 12, seed = 3): tf.Tensor2D {
  return tf.tidy(() => {
    const scales = tf.tensor1d(Array.from({ length: d }, (_, i) => (i < 4 ? 4 - i : 0.01)));
    const r = tf.randomNormal([d, d], 0, 1, 'float32', seed + 1);
    return tf.add(tf.matMul(tf.mul(tf.randomNormal([n, d], 0, 1, 'float32', seed), scales), r), 2) as tf.Tensor2D;
  });
}

describe('IncrementalPCA', () => {
  it('matches full PCA (variances, mean, subspace) when fed in batches', async () => {
    const x = syntheticData();
    const pca = PCA.fit(x, { components: 4, solver: 'full' });
    for (const batchSize of [600, 100, 37]) {
      const ipca = new IncrementalPCA({ components: 4 });
      await expectNoLeaks(() => {
        ipca.fit(x, { batchSize });
      });
      const model = ipca.toPCA();
      expectClose(model.totalVariance, pca.totalVariance, { rtol: 1e-5 });
      expectClose(model.mean, Array.from(pca.mean.dataSync()), { rtol: 1e-5, atol: 1e-5 });
      expectClose(model.explainedVariance, pca.explainedVariance, { rtol: 1e-3 });
      const a = tf.transpose(model.components);
      const b = tf.transpose(pca.components);
      expect(principalAngles(a, b).at(-1), `batchSize ${batchSize}`).toBeLessThan(0.05);
      tf.dispose([a, b]);
      model.dispose();
    }
    pca.dispose();
    x.dispose();
  });
});

describe('IncrementalPCA input checks', () => {
  it('rejects bad options and batches before changing state', () => {
    expect(() => new IncrementalPCA({ components: 0 })).toThrow(/components must be a positive integer, got 0/);
    expect(() => new IncrementalPCA({ components: 2, oversamples: -1 })).toThrow(/oversamples must be a non-negative integer, got -1/);
    const ipca = new IncrementalPCA({ components: 3 });
    expect(() => ipca.partialFit([[1, 2, 3, 4]])).toThrow('IncrementalPCA.partialFit: batch must have at least 3 rows, got shape [1, 4]');
    ipca.partialFit([
      [1, 2, 3, 4],
      [0, 1, 0, 1],
      [2, 2, 5, 1],
    ]);
    expect(() =>
      ipca.partialFit([
        [1, 2, 3],
        [1, 2, 3],
        [0, 0, 0],
      ]),
    ).toThrow('IncrementalPCA.partialFit: batch must have 4 values on its last axis, got shape [3, 3]');
    expect(() =>
      ipca.partialFit([
        [1, 2, 3, NaN],
        [1, 2, 3, 4],
        [0, 0, 0, 0],
      ]),
    ).toThrow(/batch must be finite, got NaN at index \[0, 3\]/);
    expect(ipca.nSamplesSeen).toBe(3);
  });
});
