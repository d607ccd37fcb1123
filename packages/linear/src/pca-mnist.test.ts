// PCA on the reference MNIST train split against scikit-learn (pca_mnist.json and
// the sklearn components fixture made by scripts/make-sklearn-components.py).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnist } from '@elbo/datasets';
import type { MnistSplitSets } from '@elbo/datasets';
import { IncrementalPCA, PCA, ProbabilisticPCA, orthonormalityError, principalAngles } from '@elbo/linear';
import { expectClose, expectNoLeaks, loadReference } from '../../../tooling/testing';

const ref = loadReference<{
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  noiseVariance: number;
  meanTestLogLikelihood_pPCA: number;
  meanTrainLogLikelihood_pPCA: number;
  testReconstructionMsePerPixel: number;
  trainReconstructionMsePerPixel: number;
  whitenedTestStd_first5: number[];
  allEigenvaluesTop50: number[];
  totalVariance: number;
}>('pca_mnist');
const sk = JSON.parse(readFileSync(resolve(__dirname, '../test-fixtures/sklearn-pca20-components.json'), 'utf8')) as {
  components: number[][];
};
const skColumns = tf.tidy(() => tf.transpose(tf.tensor2d(sk.components))); // [784, 20]

let data: MnistSplitSets;
let full50: PCA; // full solver, k = 50 (for the top-50 eigenvalues)
let full: PCA; // its first 20 components
let randomized: PCA;

beforeAll(async () => {
  data = await mnist();
  full50 = PCA.fit(data.train.images, { components: 50, solver: 'full' });
  full = full50.truncate(20);
  randomized = PCA.fit(data.train.images, { components: 20, solver: 'randomized', seed: 0 });
}, 300_000);

afterAll(() => {
  [full50, full, randomized].forEach((p) => p?.dispose());
  data?.dispose();
});

/** Mean squared error per pixel, summed in float64 (a float32 mean of 6.3M terms drifts). */
function reconstructionMse(pca: PCA, x: tf.Tensor2D): number {
  const sq = Array.from(tf.tidy(() => tf.sum(tf.squaredDifference(pca.inverseTransform(pca.transform(x)), x), 1).dataSync()));
  return sq.reduce((a, b) => a + b, 0) / x.size;
}

describe('PCA on MNIST (8000 x 784, k = 20) against scikit-learn 1.2.1', () => {
  it('full: the top-50 covariance eigenvalues and the total variance match numpy', () => {
    expectClose(full50.explainedVariance, ref.allEigenvaluesTop50, { rtol: 1e-4 });
    expectClose(full50.totalVariance, ref.totalVariance, { rtol: 1e-5 });
    expect(full50.solver).toBe('full');
  });

  for (const name of ['full', 'randomized'] as const) {
    const model = () => (name === 'full' ? full : randomized);

    it(`${name}: explained-variance ratios within 1e-4 absolute, variances and noise variance within 1e-3 relative`, () => {
      expectClose(model().explainedVarianceRatio, ref.explainedVarianceRatio, { atol: 1e-4 });
      expectClose(model().explainedVariance, ref.explainedVariance, { rtol: 1e-3 });
      expectClose(model().noiseVariance, ref.noiseVariance, { rtol: 1e-3 });
      expectClose(
        model().singularValues,
        ref.explainedVariance.map((w) => Math.sqrt(7999 * w)),
        { rtol: 1e-3 },
      );
    });

    it(`${name}: test reconstruction MSE and pPCA log-likelihoods within 0.5% of sklearn`, async () => {
      expectClose(reconstructionMse(model(), data.test.images), ref.testReconstructionMsePerPixel, { rtol: 5e-3 });
      expectClose(reconstructionMse(model(), data.train.images), ref.trainReconstructionMsePerPixel, { rtol: 5e-3 });
      const test = await expectNoLeaks(() => model().score(data.test.images));
      expectClose(test, ref.meanTestLogLikelihood_pPCA, { rtol: 5e-3 });
      expectClose(model().score(data.train.images), ref.meanTrainLogLikelihood_pPCA, { rtol: 5e-3 });
    });
  }

  it('full: largest principal angle to sklearn top-20 under 0.5 degrees, same signs (svd_flip), orthonormal', () => {
    const ours = tf.transpose(full.components);
    const angles = principalAngles(ours, skColumns);
    console.info(`[linear] full PCA vs sklearn: largest principal angle ${angles.at(-1)!.toFixed(4)} deg`);
    expect(angles.at(-1)).toBeLessThan(0.5);
    const comps = full.components.arraySync();
    comps.forEach((row, j) => {
      const cos = row.reduce((s, v, i) => s + v * sk.components[j]![i]!, 0);
      expect(cos, `component ${j}`).toBeGreaterThan(0.99);
    });
    expect(orthonormalityError(ours)).toBeLessThan(1e-5);
    ours.dispose();
  });

  it('randomized: largest principal angle to sklearn top-20 under 2 degrees', () => {
    const ours = tf.transpose(randomized.components);
    const angles = principalAngles(ours, skColumns);
    console.info(`[linear] randomized PCA vs sklearn: largest principal angle ${angles.at(-1)!.toFixed(4)} deg`);
    expect(angles.at(-1)).toBeLessThan(2);
    expect(orthonormalityError(ours)).toBeLessThan(1e-4);
    ours.dispose();
  });

  it('whitened coordinates of the test set have the reference standard deviations', () => {
    const whitened = PCA.fromJSON({ ...full.toJSON(), whiten: true });
    const z = whitened.transform(data.test.images);
    const std = tf.tidy(() => tf.sqrt(tf.moments(z, 0).variance).dataSync());
    expectClose(Array.from(std).slice(0, 5), ref.whitenedTestStd_first5, { rtol: 1e-3 });
    // inverseTransform undoes the whitening
    expectClose(reconstructionMse(whitened, data.test.images), ref.testReconstructionMsePerPixel, { rtol: 5e-3 });
    z.dispose();
    whitened.dispose();
  });

  it('keeps the fewest components that explain a variance fraction (sklearn rule)', () => {
    const ratios = full50.explainedVarianceRatio;
    // fraction just below the cumulative ratio of 10 components -> 10 components
    const cum10 = ratios.slice(0, 10).reduce((a, b) => a + b, 0);
    const head = tf.slice(data.train.images, [0, 0], [300, 784]);
    const byFraction = PCA.fit(head, { components: 0.5 });
    head.dispose();
    const cum = byFraction.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    expect(cum).toBeGreaterThan(0.5);
    expect(cum - byFraction.explainedVarianceRatio.at(-1)!).toBeLessThanOrEqual(0.5);
    expect(cum10).toBeGreaterThan(0.4);
    byFraction.dispose();
  });
});

describe('IncrementalPCA and ProbabilisticPCA on MNIST', () => {
  it('IncrementalPCA over batches of 500 agrees with full PCA to 1 degree', async () => {
    const ipca = new IncrementalPCA({ components: 20 });
    await expectNoLeaks(() => {
      ipca.fit(data.train.images, { batchSize: 500 });
    });
    expect(ipca.nSamplesSeen).toBe(8000);
    const model = ipca.toPCA();
    const a = tf.transpose(model.components);
    const b = tf.transpose(full.components);
    const angle = principalAngles(a, b).at(-1)!;
    console.info(`[linear] IncrementalPCA (batches of 500) vs full PCA: largest principal angle ${angle.toFixed(4)} deg`);
    expect(angle).toBeLessThan(1);
    expectClose(model.explainedVarianceRatio, ref.explainedVarianceRatio, { atol: 1e-3 });
    expectClose(model.totalVariance, ref.totalVariance, { rtol: 1e-4 });
    expectClose(reconstructionMse(model, data.test.images), ref.testReconstructionMsePerPixel, { rtol: 5e-3 });
    tf.dispose([a, b]);
    model.dispose();
  }, 180_000); // 16 Gram matrices of 561 x 784 rows: ~10 s on wasm, ~30 s on the pure-JS cpu backend

  it('ProbabilisticPCA: logLikelihood equals sklearn score on train and test (0.5%)', () => {
    const ppca = ProbabilisticPCA.fromPCA(full);
    expectClose(ppca.logLikelihood(data.test.images), ref.meanTestLogLikelihood_pPCA, { rtol: 5e-3 });
    expectClose(ppca.logLikelihood(data.train.images), ref.meanTrainLogLikelihood_pPCA, { rtol: 5e-3 });
    expectClose(ppca.noiseVariance, ref.noiseVariance, { rtol: 1e-3 });
    // W^T W = diag(lambda - sigma^2): columns orthogonal, not orthonormal
    const gram = tf.tidy(() => tf.matMul(tf.transpose(ppca.weights), ppca.weights).arraySync()) as number[][];
    ref.explainedVariance.forEach((w, j) => expectClose(gram[j]![j]!, w - ref.noiseVariance, { rtol: 2e-3 }));
    ppca.dispose();
  });
});
