import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fitGaussian, sampleGaussian } from './code-gaussian';

describe('the Gaussian of the training codes', () => {
  it('draws reproduce the mean and covariance of the codes, and leak no tensor', () => {
    const source = sampleGaussian(
      {
        mean: [1, -2],
        cholesky: [
          [2, 0],
          [0.9, 0.5],
        ],
      },
      4000,
      1,
    );
    const g = fitGaussian(source.arraySync());
    source.dispose();
    expect(g.mean[0]).toBeCloseTo(1, 1);
    expect(g.mean[1]).toBeCloseTo(-2, 1);
    expect(g.cholesky[0]![0]).toBeCloseTo(2, 1);
    expect(g.cholesky[1]![0]).toBeCloseTo(0.9, 1);
    expect(g.cholesky[1]![1]).toBeCloseTo(0.5, 1);
    expect(g.cholesky[0]![1]).toBe(0);
    const before = tf.memory().numTensors;
    const z = sampleGaussian(g, 5, 0);
    expect(z.shape).toEqual([5, 2]);
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stays finite for degenerate codes (a constant dimension)', () => {
    const g = fitGaussian([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    expect(g.cholesky.flat().every(Number.isFinite)).toBe(true);
  });

  it('draws the same codes for the same seed, seed 0 included, and others for another', () => {
    const g = {
      mean: [0, 0],
      cholesky: [
        [1, 0],
        [0, 1],
      ],
    };
    const [a, b, c] = [0, 0, 1].map((seed) => sampleGaussian(g, 3, seed)) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(a.arraySync()).not.toEqual(c.arraySync());
    tf.dispose([a, b, c]);
  });
});
