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
  it('is mean reconstruction + beta * KL; free bits floor each dimension\'s batch-mean KL', async () => {
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
