import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DegenerateDataError, IncrementalPCA, PCA, ProbabilisticPCA } from '@elbo/linear';
import { expectNoLeaks } from '../../../tooling/testing';

// Degenerate inputs (issue 17, item 9): every output finite, or a named error.

/** Every row the same: total variance 0. */
const constant = (n: number, d: number): number[][] => Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => 3 - j));

/** Rank 1: row i = t_i * u + c. */
const rankOne = (n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(1.3 * i + 0.2) * (j + 1) + 0.5 * j));

/** d/2 independent columns, each duplicated: rank d/2. */
const duplicatedColumns = (n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(0.7 * i * (1 + (j % (d / 2))) + j)));

/** Wide, n < d, generic. */
const wide = (n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => Math.cos(1.1 * i * j + i)));

function expectAllFinite(label: string, values: ArrayLike<number>): void {
  const bad = Array.from(values).findIndex((v) => !Number.isFinite(v));
  expect(bad, `${label}: first non-finite entry`).toBe(-1);
}

/** Fits, checks every numeric output and tensor output of the model is finite, disposes. */
function checkPca(x: number[][], components: number, solver: 'full' | 'randomized' = 'full'): PCA {
  const pca = PCA.fit(x, { components, solver, whiten: true });
  expectAllFinite('explainedVariance', pca.explainedVariance);
  expect(Math.min(...pca.explainedVariance)).toBeGreaterThanOrEqual(0);
  expectAllFinite('explainedVarianceRatio', pca.explainedVarianceRatio);
  expect(Math.min(...pca.explainedVarianceRatio)).toBeGreaterThanOrEqual(0);
  expectAllFinite('singularValues', pca.singularValues);
  expectAllFinite('noiseVariance', [pca.noiseVariance, pca.totalVariance]);
  expect(pca.noiseVariance).toBeGreaterThanOrEqual(0);
  expectAllFinite('components', pca.components.dataSync());
  const z = pca.transform(x);
  expectAllFinite('whitened transform', z.dataSync());
  const back = pca.inverseTransform(z);
  expectAllFinite('inverseTransform', back.dataSync());
  tf.dispose([z, back]);
  return pca;
}

describe('PCA on degenerate data', () => {
  it('constant rows: variances 0, every ratio 0 (not 0/0), whitened transform finite, score a DegenerateDataError', async () => {
    await expectNoLeaks(() => {
      for (const [n, d] of [
        [10, 4],
        [3, 6],
      ] as const) {
        const x = constant(n, d);
        const pca = checkPca(x, 2);
        expect(pca.totalVariance).toBe(0);
        expect(pca.explainedVariance).toEqual([0, 0]);
        expect(pca.explainedVarianceRatio).toEqual([0, 0]);
        // x - mean is exactly 0 here, so the whitened coordinates are 0
        const z = pca.transform(x);
        expect(Math.max(...Array.from(z.dataSync(), Math.abs))).toBeLessThan(1e-3);
        z.dispose();
        expect(() => pca.scoreSamples(x)).toThrow(DegenerateDataError);
        expect(() => pca.score(x)).toThrow(/total variance 0/);
        pca.dispose();
      }
    });
  });

  it('rank-1 data: ratio [1, 0, ...], no negative variance, whitened transform and score finite', async () => {
    await expectNoLeaks(() => {
      const x = rankOne(20, 5);
      const pca = checkPca(x, 5);
      expect(pca.explainedVarianceRatio[0]).toBeCloseTo(1, 5);
      expect(pca.explainedVarianceRatio.slice(1).reduce((a, b) => a + b, 0)).toBeLessThan(1e-5);
      const s = pca.scoreSamples(x);
      expectAllFinite('scoreSamples', s.dataSync());
      s.dispose();
      pca.dispose();
      const one = checkPca(x, 1);
      expectAllFinite('score', [one.score(x)]);
      one.dispose();
    });
  });

  it('duplicated columns (rank d/2) and n < d: finite everywhere, both solvers', async () => {
    await expectNoLeaks(() => {
      for (const [x, k] of [
        [duplicatedColumns(30, 6), 6],
        [duplicatedColumns(30, 6), 3],
        [wide(4, 9), 4],
        [rankOne(3, 8), 3],
      ] as const) {
        for (const solver of ['full', 'randomized'] as const) {
          const pca = checkPca(x as number[][], k, solver);
          const s = pca.scoreSamples(x as number[][]);
          expectAllFinite(`scoreSamples (${solver}, k = ${k})`, s.dataSync());
          s.dispose();
          pca.dispose();
        }
      }
    });
  });

  it('a model whose stored variances are rounding-negative clamps them (fromJSON)', async () => {
    await expectNoLeaks(() => {
      const pca = PCA.fit(rankOne(10, 3), { components: 3 });
      const json = { ...pca.toJSON(), whiten: true, explainedVariance: [pca.explainedVariance[0]!, -1e-12, -3e-13] };
      const rebuilt = PCA.fromJSON(json);
      expect(rebuilt.explainedVariance.slice(1)).toEqual([0, 0]);
      expect(rebuilt.explainedVarianceRatio.slice(1)).toEqual([0, 0]);
      expectAllFinite('singularValues', rebuilt.singularValues);
      const z = rebuilt.transform([[1, 2, 3]]);
      expectAllFinite('whitened transform', z.dataSync());
      tf.dispose(z);
      pca.dispose();
      rebuilt.dispose();
    });
  });
});

describe('ProbabilisticPCA on degenerate data', () => {
  it('constant data: DegenerateDataError at fit and fromPCA', async () => {
    await expectNoLeaks(() => {
      const x = constant(8, 3);
      expect(() => ProbabilisticPCA.fit(x, { components: 1 })).toThrow(DegenerateDataError);
      const pca = PCA.fit(x, { components: 1 });
      expect(() => ProbabilisticPCA.fromPCA(pca)).toThrow(/ProbabilisticPCA: the training data are constant/);
      pca.dispose();
    });
  });

  it('rank <= k (noise variance 0): sigma^2 floored at eps * total / d, every output finite', async () => {
    await expectNoLeaks(() => {
      for (const [x, k] of [
        [rankOne(20, 4), 1],
        [rankOne(20, 4), 2],
        [duplicatedColumns(20, 4), 2],
        [wide(3, 6), 3],
      ] as const) {
        const ppca = ProbabilisticPCA.fit(x as number[][], { components: k });
        const pca = PCA.fit(x as number[][], { components: k });
        const floor = (tf.backend().epsilon() * pca.totalVariance) / pca.nFeatures;
        expect(ppca.noiseVariance).toBeGreaterThan(0);
        expect(ppca.noiseVariance).toBeGreaterThanOrEqual(floor * (1 - 1e-12));
        expectAllFinite('weights', ppca.weights.dataSync());
        expectAllFinite('logLikelihood', [ppca.logLikelihood(x as number[][])]);
        const ll = ppca.logLikelihoodSamples(x as number[][]);
        const enc = ppca.encode(x as number[][]);
        const post = ppca.posterior(x as number[][]);
        const draws = ppca.sample(5, { seed: 2 });
        expectAllFinite('logLikelihoodSamples', ll.dataSync());
        expectAllFinite('encode', enc.dataSync());
        const postVariance = post.variance();
        expectAllFinite('posterior variance', postVariance.dataSync());
        postVariance.dispose();
        expectAllFinite('sample', draws.dataSync());
        tf.dispose([ll, enc, draws]);
        post.dispose();
        ppca.dispose();
        pca.dispose();
      }
    });
  });
});

describe('IncrementalPCA on degenerate data', () => {
  it('constant batches: variances 0, ratios 0, toPCA whitened transform finite, score a DegenerateDataError', async () => {
    await expectNoLeaks(() => {
      const x = tf.tensor2d(constant(12, 4));
      const ipca = new IncrementalPCA({ components: 2, whiten: true }).fit(x, { batchSize: 4 });
      expect(ipca.totalVariance).toBe(0);
      expect(ipca.explainedVariance).toEqual([0, 0]);
      expect(ipca.explainedVarianceRatio).toEqual([0, 0]);
      expectAllFinite('singularValues', ipca.singularValues);
      const pca = ipca.toPCA();
      const z = pca.transform(x);
      expectAllFinite('whitened transform', z.dataSync());
      expect(() => pca.score(x)).toThrow(DegenerateDataError);
      expect(() => ProbabilisticPCA.fromPCA(pca)).toThrow(DegenerateDataError);
      tf.dispose([x, z]);
      pca.dispose();
    });
  });

  it('rank-1, duplicated-column and n < d batches: every output finite and >= 0', async () => {
    await expectNoLeaks(() => {
      for (const [rows, k, batchSize] of [
        [rankOne(24, 5), 3, 6],
        [duplicatedColumns(24, 6), 4, 8],
        [wide(8, 12), 3, 4],
      ] as const) {
        const x = tf.tensor2d(rows as number[][]);
        const ipca = new IncrementalPCA({ components: k, whiten: true }).fit(x, { batchSize });
        for (const [name, v] of Object.entries({
          explainedVariance: ipca.explainedVariance,
          explainedVarianceRatio: ipca.explainedVarianceRatio,
          singularValues: ipca.singularValues,
        })) {
          expectAllFinite(name, v);
          expect(Math.min(...v), name).toBeGreaterThanOrEqual(0);
        }
        const pca = ipca.toPCA();
        const z = pca.transform(x);
        const s = pca.scoreSamples(x);
        expectAllFinite('whitened transform', z.dataSync());
        expectAllFinite('scoreSamples', s.dataSync());
        expectAllFinite('noiseVariance', [pca.noiseVariance]);
        tf.dispose([x, z, s]);
        pca.dispose();
      }
    });
  });
});
