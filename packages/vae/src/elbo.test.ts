import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { elboTerms, trainingLoss } from './elbo';
import { exactLogPx, linearGaussianParts, X } from './linear-gaussian.fixture';

const exact = linearGaussianParts(true);
const wrong = linearGaussianParts(false);
const x = tf.tensor2d(X);
const truth = X.map(exactLogPx);
afterAll(() => {
  exact.dispose();
  wrong.dispose();
  x.dispose();
});

describe('elboTerms', () => {
  it('with the exact posterior the ELBO is log p(x) (the KL gap is 0)', async () => {
    const t = await expectNoLeaks(() => elboTerms(exact, x, { samples: 20000, seed: 3 }));
    expectClose(t.elbo, truth, { atol: 0.03 });
    expect(t.klPerDim.shape).toEqual([4, 2]);
    tf.dispose(Object.values(t));
  });

  it('with a wrong posterior the ELBO is below log p(x); the Monte Carlo KL agrees with the analytic one', () => {
    const a = elboTerms(wrong, x, { samples: 20000, seed: 4 });
    const m = elboTerms(wrong, x, { samples: 20000, seed: 4, kl: 'monte-carlo' });
    const elbo = a.elbo.dataSync();
    truth.forEach((lp, i) => expect(elbo[i]!).toBeLessThan(lp - 0.01));
    expectClose(m.kl, Array.from(a.kl.dataSync()), { rtol: 0.03, atol: 0.02 });
    expect(tf.min(a.kl).dataSync()[0]!).toBeGreaterThan(0);
  });
});

describe('trainingLoss', () => {
  it("is mean reconstruction + beta * KL; free bits floor each dimension's batch-mean KL", async () => {
    const t = elboTerms(wrong, x, { samples: 1, seed: 8 });
    const rec = tf.mean(t.reconstruction).dataSync()[0]!;
    const perDim = Array.from(tf.mean(t.klPerDim, 0).dataSync());
    const kl = perDim.reduce((s, v) => s + v, 0);
    const l = await expectNoLeaks(() => trainingLoss(wrong, x, { samples: 1, seed: 8, beta: 0.3 }));
    expectClose(l.loss, rec + 0.3 * kl, { rtol: 1e-5 });
    expectClose(l.kl, kl, { rtol: 1e-5 });
    const lambda = Math.max(...perDim) + 1;
    const fb = trainingLoss(wrong, x, { samples: 1, seed: 8, beta: 2, freeBits: lambda });
    expectClose(fb.loss, rec + 2 * 2 * lambda, { rtol: 1e-5 });
    const beta = tf.scalar(0.3);
    expectClose(trainingLoss(wrong, x, { samples: 1, seed: 8, beta }).loss, rec + 0.3 * kl, { rtol: 1e-5 });
  });
});

describe('option checks', () => {
  it('elboTerms and trainingLoss reject bad samples, kl, freeBits and beta by name, leaking nothing', async () => {
    await expectNoLeaks(() => {
      expect(() => elboTerms(wrong, x, { samples: 0 })).toThrow(/elboTerms: samples must be an integer >= 1, got 0/);
      expect(() => elboTerms(wrong, x, { samples: 2.5 })).toThrow(/elboTerms: samples must be an integer >= 1, got 2.5/);
      expect(() => elboTerms(wrong, x, { kl: 'mc' as never })).toThrow(
        /elboTerms: kl must be 'analytic' or 'monte-carlo', got string "mc"/,
      );
      expect(() => trainingLoss(wrong, x, { samples: -1 })).toThrow(/trainingLoss: samples must be an integer >= 1, got -1/);
      expect(() => trainingLoss(wrong, x, { kl: 'exact' as never })).toThrow(
        /trainingLoss: kl must be 'analytic' or 'monte-carlo', got string "exact"/,
      );
      expect(() => trainingLoss(wrong, x, { freeBits: -0.5 })).toThrow(/trainingLoss: freeBits must be a finite number >= 0, got -0.5/);
      expect(() => trainingLoss(wrong, x, { freeBits: NaN })).toThrow(/freeBits must be a finite number >= 0, got NaN/);
      expect(() => trainingLoss(wrong, x, { beta: -1 })).toThrow(
        /trainingLoss: beta must be a finite number >= 0 or a scalar tensor, got -1/,
      );
      expect(() => trainingLoss(wrong, x, { beta: Infinity })).toThrow(
        /beta must be a finite number >= 0 or a scalar tensor, got Infinity/,
      );
    });
    const pair = tf.tensor1d([0.3, 0.3]);
    expect(() => trainingLoss(wrong, x, { beta: pair })).toThrow(
      /beta must be a finite number >= 0 or a scalar tensor, got a float32 tensor of shape \[2\]/,
    );
    pair.dispose();
    // The edges stay allowed: beta = 0 and freeBits = 0 are the plain reconstruction loss and the plain ELBO.
    const t = trainingLoss(wrong, x, { samples: 1, seed: 8, beta: 0, freeBits: 0 });
    expectClose(t.loss, t.reconstruction.dataSync()[0]!, { rtol: 1e-6 });
    tf.dispose(Object.values(t));
  });
});
