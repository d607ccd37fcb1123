import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ContinuousBernoulli, continuousBernoulliIcdf, continuousBernoulliLogNormalizer, continuousBernoulliMean } from './index';
import { expectClose, expectNoLeaks, floatEpsilon } from '../../../tooling/testing';
import { oracle } from './testing/cb-oracle';

// The same float64 oracles and tolerances as the ContinuousBernoulli tests, over
// both Taylor switches (|l| = 0.05 for the inverse cdf, 1 for the moments).
const logits = [-100, -40, -16, -1.5, -1, -0.3, -0.05, -1e-3, 0, 1e-3, 0.04, 0.7, 1, 2, 16, 40, 100];
const at = logits.map((v) => Math.fround(v));

describe('continuous-Bernoulli functions of the logits, against float64', () => {
  it('continuousBernoulliLogNormalizer is log(l / tanh(l/2)), with the gradient 1/l - 1/sinh(l)', async () => {
    const l = tf.tensor(logits);
    const logC = await expectNoLeaks(() => continuousBernoulliLogNormalizer(l));
    expectClose(logC, at.map(oracle.logNorm), { rtol: 8 * floatEpsilon() });
    const g = tf.grad((t: tf.Tensor) => tf.sum(continuousBernoulliLogNormalizer(t)))(l);
    expectClose(
      g,
      at.map((v) => (v === 0 ? 0 : 1 / v - 1 / Math.sinh(v))),
      { rtol: 8 * floatEpsilon(), atol: 4 * floatEpsilon() },
    );
    tf.dispose([l, logC, g]);
  });

  it('continuousBernoulliMean is 1 / -expm1(-l) - 1/l, and equals ContinuousBernoulli.mean()', async () => {
    const mean = await expectNoLeaks(() => continuousBernoulliMean(logits));
    expectClose(mean, at.map(oracle.mean), { rtol: 8 * floatEpsilon() });
    const d = new ContinuousBernoulli({ logits });
    expectClose(mean, Array.from(d.mean().dataSync()), { rtol: 0, atol: 0 });
    tf.dispose(mean);
    d.dispose();
  });

  it('continuousBernoulliIcdf is log1p(u expm1(l)) / l, broadcasting the logits against u', async () => {
    // Inner u only: at u = 0 exactly (u = 1 for l < 0) and |l| = 100, exp(-|l|) is a float32
    // subnormal and the result is 1.7e-4 from the end instead of at it (known, left as is).
    const us = [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999, 0.9999];
    const u = tf.tensor2d(us, [us.length, 1]);
    const l = tf.tensor(logits);
    const x = await expectNoLeaks(() => continuousBernoulliIcdf(l, u));
    expect(x.shape).toEqual([us.length, logits.length]);
    const uf = us.map((v) => Math.fround(v));
    const expected = uf.flatMap((v) => at.map((a) => oracle.icdf(a, v)));
    // values near an end have absolute (not relative) float32 precision
    expectClose(x, expected, { rtol: 8 * floatEpsilon(), atol: 4 * floatEpsilon() });
    tf.dispose([u, l, x]);
  });

  it('rejects what is not a tensor and shapes that do not broadcast, naming the argument', () => {
    expect(() => continuousBernoulliLogNormalizer('a' as never)).toThrow(
      /continuousBernoulliLogNormalizer: logits must be a tensor, a number or a \(nested\) array of numbers, got/,
    );
    expect(() => continuousBernoulliMean(undefined as never)).toThrow(/continuousBernoulliMean: logits must be a tensor/);
    expect(() => continuousBernoulliIcdf([1, 2, 3], [0.1, 0.2])).toThrow(
      /continuousBernoulliIcdf: logits and u: shapes \[3\] and \[2\] do not broadcast/,
    );
  });
});
