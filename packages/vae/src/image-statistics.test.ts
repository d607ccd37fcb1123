import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { B, exactLogPx, linearGaussianVAE, SIGMA, W, X } from './linear-gaussian.fixture';
import { IMAGE_STATISTICS, imageStatistics, STATISTICS_CHUNK, VAE, mlp } from './index';

// With the exact posterior of the linear-Gaussian model every statistic has a closed form.
const norms = [0, 1].map((j) => W.reduce((s, row) => s + row[j]! ** 2, 0));
const vars = norms.map((n) => 1 / (1 + n / SIGMA ** 2));
function closedForm(x: number[]) {
  const r = x.map((v, i) => v - B[i]!);
  const mu = [0, 1].map((j) => (vars[j]! * W.reduce((s, row, i) => s + row[j]! * r[i]!, 0)) / SIGMA ** 2);
  const rate = [0, 1].reduce((s, j) => s + 0.5 * (mu[j]! ** 2 + vars[j]! - Math.log(vars[j]!) - 1), 0);
  const entropy = [0, 1].reduce((s, j) => s + 0.5 * (1 + Math.log(2 * Math.PI) + Math.log(vars[j]!)), 0);
  // E_q ||x - b - W z||^2 = ||x - b - W mu||^2 + sum_j var_j |w_j|^2
  const residual = r.reduce((s, v, i) => s + (v - W[i]![0]! * mu[0]! - W[i]![1]! * mu[1]!) ** 2, 0);
  const distortion = (residual + vars[0]! * norms[0]! + vars[1]! * norms[1]!) / (2 * SIGMA ** 2) + 1.5 * Math.log(2 * Math.PI * SIGMA ** 2);
  return { logLikelihood: exactLogPx(x), rate, distortion, posteriorEntropy: entropy, priorCrossEntropy: entropy + rate };
}

const exact = linearGaussianVAE(true);
const bernoulli = new VAE({
  encoder: mlp([6, 8, 4], { seed: 1 }),
  decoder: mlp([2, 8, 6], { seed: 2 }),
  latentDim: 2,
  likelihood: 'bernoulli',
});
afterAll(() => {
  exact.dispose();
  bernoulli.dispose();
});

describe('imageStatistics', () => {
  it('gives each statistic its closed form on the linear-Gaussian model with the exact posterior', async () => {
    const x = tf.tensor2d(X);
    const stats = await expectNoLeaks(() => imageStatistics(exact, x, { samples: 7, seed: 3 }));
    x.dispose();
    const truth = X.map(closedForm);
    for (const name of IMAGE_STATISTICS) {
      expect(stats[name]).toBeInstanceOf(Float64Array);
      expectClose(
        stats[name],
        truth.map((t) => t[name]),
        { rtol: 1e-4, atol: 1e-3 },
      );
    }
  });

  it('takes plain arrays, and gives the same numbers for the same seed over several chunks', async () => {
    const rows = Array.from({ length: 2 * STATISTICS_CHUNK + 5 }, (_, i) => X[i % X.length]!.map((v) => v + 0.01 * i));
    const a = await expectNoLeaks(() => imageStatistics(exact, rows, { samples: 5, seed: 9 }));
    const b = await imageStatistics(exact, rows, { samples: 5, seed: 9 });
    const c = await imageStatistics(exact, rows, { samples: 5, seed: 10 });
    expect(Array.from(a.logLikelihood)).toEqual(Array.from(b.logLikelihood));
    expect(Array.from(a.distortion)).not.toEqual(Array.from(c.distortion));
    expect(a.rate.length).toBe(rows.length);
  });

  it('yields to the event loop, and stops when the signal aborts', async () => {
    const rows = tf.randomNormal([40 * STATISTICS_CHUNK, 3], 0, 1, 'float32', 1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const before = tf.memory().numTensors;
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('enough')), 30);
      await expect(imageStatistics(exact, rows, { samples: 2000, signal: controller.signal })).rejects.toThrow('enough');
      expect(ticks).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
      await expect(imageStatistics(exact, rows, { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    } finally {
      clearInterval(timer);
      rows.dispose();
    }
  });

  it('names the bad input and leaks nothing', async () => {
    const wide = tf.zeros([2, 4]);
    const before = tf.memory().numTensors;
    await expect(imageStatistics(bernoulli, wide)).rejects.toThrow('imageStatistics: x must have shape [n, 6], got [2, 4]');
    await expect(imageStatistics(exact, tf.zeros([0, 3]))).rejects.toThrow(
      'imageStatistics: x must hold at least one image, got shape [0, 3]',
    );
    await expect(imageStatistics(exact, [[0, Number.NaN, 1]])).rejects.toThrow(/^imageStatistics: x must be finite/);
    await expect(imageStatistics(bernoulli, [[0, 0.5, 1, 1, 1, 2]])).rejects.toThrow(
      /^imageStatistics: x must be in the unit interval \[0, 1\], got 2/,
    );
    await expect(imageStatistics(exact, X, { samples: 0 })).rejects.toThrow('imageStatistics: samples must be an integer >= 1, got 0');
    await expect(imageStatistics(exact, X, { seed: 1.5 })).rejects.toThrow('imageStatistics: seed must be an integer, got 1.5');
    await expect(imageStatistics(exact, X, { signal: {} as AbortSignal })).rejects.toThrow(
      'imageStatistics: signal must be an AbortSignal, got an object',
    );
    await expect(imageStatistics(exact, X, { sample: 5 } as never)).rejects.toThrow(
      'imageStatistics: unknown option "sample"; did you mean "samples"?',
    );
    expect(tf.memory().numTensors).toBe(before + 1); // the zeros([0, 3]) made inline
    wide.dispose();
  });
});
