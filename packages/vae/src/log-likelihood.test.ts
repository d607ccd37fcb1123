import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { exactLogPx, linearGaussianParts, X } from './linear-gaussian.fixture';
import { importanceWeightedLogLikelihood } from './log-likelihood';

const exact = linearGaussianParts(true);
const wrong = linearGaussianParts(false);
const x = tf.tensor2d(X);
const truth = X.map(exactLogPx);
afterAll(() => {
  exact.dispose();
  wrong.dispose();
  x.dispose();
});

describe('importanceWeightedLogLikelihood', () => {
  it('with the exact posterior every weight is p(x): the estimate is log p(x) for any K, with zero Monte Carlo error', async () => {
    const r = await expectNoLeaks(() => importanceWeightedLogLikelihood(exact, x, { samples: 3, seed: 1 }));
    expectClose(r.values, truth, { rtol: 1e-5, atol: 1e-4 });
    expectClose(r.elbo, truth, { rtol: 1e-5, atol: 1e-4 });
    r.monteCarloStandardError.forEach((se) => expect(se).toBeLessThan(1e-3));
  });

  it('with a wrong posterior it is below log p(x), above the ELBO, and converges to log p(x) as K grows', () => {
    const k5 = importanceWeightedLogLikelihood(wrong, x, { samples: 5, seed: 2 });
    const k5000 = importanceWeightedLogLikelihood(wrong, x, { samples: 5000, seed: 2 });
    for (let i = 0; i < X.length; i++) {
      expect(k5000.elbo[i]!).toBeLessThan(k5000.values[i]!);
      const gap5 = truth[i]! - k5.values[i]!;
      const gap5000 = Math.abs(truth[i]! - k5000.values[i]!);
      expect(gap5000).toBeLessThan(Math.max(0.02, 4 * k5000.monteCarloStandardError[i]!));
      expect(gap5000).toBeLessThan(Math.abs(gap5) + 1e-3);
    }
  });

  it('gives the same answer in any chunking, and the same numbers for the same seed', () => {
    const a = importanceWeightedLogLikelihood(wrong, x, { samples: 40, seed: 5, exampleChunk: 4, sampleChunk: 40 });
    const b = importanceWeightedLogLikelihood(wrong, x, { samples: 40, seed: 5, exampleChunk: 4, sampleChunk: 40 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const c = importanceWeightedLogLikelihood(wrong, x, { samples: 2000, seed: 6, exampleChunk: 3, sampleChunk: 7 });
    const d = importanceWeightedLogLikelihood(wrong, x, { samples: 2000, seed: 9 });
    for (let i = 0; i < X.length; i++)
      expect(Math.abs(c.values[i]! - d.values[i]!)).toBeLessThan(6 * (c.monteCarloStandardError[i]! + 0.005));
  });

  it('standard error is the spread over examples / sqrt(n)', () => {
    const r = importanceWeightedLogLikelihood(exact, x, { samples: 2, seed: 1 });
    const m = truth.reduce((s, v) => s + v, 0) / 4;
    const sd = Math.sqrt(truth.reduce((s, v) => s + (v - m) ** 2, 0) / 3);
    expectClose(r.mean, m, { rtol: 1e-5 });
    expectClose(r.standardError, sd / 2, { rtol: 1e-4 });
  });

  it('rejects bad samples and chunks before any work', () => {
    expect(() => importanceWeightedLogLikelihood(exact, x, { samples: 0 })).toThrow(/samples must be an integer >= 1, got 0/);
    expect(() => importanceWeightedLogLikelihood(exact, x, { sampleChunk: 1.5 })).toThrow(/sampleChunk must be an integer >= 1, got 1.5/);
  });
});
