import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, BERNOULLI_LOG_LIKELIHOOD_KERNEL } from '@elbo/backend-common';
import { selectBackend } from './index';

/** softplus and sigmoid in float64, stable at both ends. */
const softplus = (l: number): number => Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
const sigmoid = (l: number): number => (l >= 0 ? 1 / (1 + Math.exp(-l)) : Math.exp(l) / (1 + Math.exp(l)));

/** Logits from tiny to far past float32's exp range, and data at 0, 1 and between. */
function inputs(rows: number, xRows: number, width: number): { l: Float32Array; x: Float32Array } {
  const special = [0, -0, 1e-30, -1e-7, 0.5, -2.5, 15.9, -15.9, 30, -30, 88, -88, 100, -100, 1e4];
  const l = Float32Array.from({ length: rows * width }, (_, i) => (i % 3 === 0 ? special[i % special.length]! : 12 * Math.sin(1.7 * i)));
  const x = Float32Array.from({ length: xRows * width }, (_, i) => [0, 1, 0.25, Math.abs(Math.cos(i))][i % 4]!);
  return { l, x };
}

const run = (name: string, tensors: Record<string, tf.Tensor>) => tf.engine().runKernel(name, tensors) as tf.Tensor;

describe('the fused Bernoulli log-likelihood kernels on wasm', () => {
  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.reason).toMatch(/Bernoulli log-likelihood/);
  });

  for (const [rows, xRows, width] of [
    [12, 3, 8],
    [40, 20, 784],
    [6, 6, 4],
    [5, 5, 12], // the kernel takes 4 vectors (16 floats) at a time: 12 fills three of them
    [7, 7, 20], // one block of 4 vectors and one with a single vector
    [9, 3, 52], // three blocks and a single vector, x wrapping around
  ] as const) {
    it(`row sums and gradient match float64 ([${rows}, ${width}] logits against [${xRows}, ${width}] data)`, async () => {
      const { l, x } = inputs(rows, xRows, width);
      const dyValues = Float32Array.from({ length: rows }, (_, r) => 0.5 + r);
      const [lt, xt, dy] = [tf.tensor2d(l, [rows, width]), tf.tensor2d(x, [xRows, width]), tf.tensor1d(dyValues)];
      const sums = await expectNoLeaks(() => run(BERNOULLI_LOG_LIKELIHOOD_KERNEL, { x: xt, logits: lt }));
      const grad = await expectNoLeaks(() => run(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, { x: xt, logits: lt, dy }));
      expect(sums.shape).toEqual([rows]);
      expect(grad.shape).toEqual([rows, width]);
      const [gotSums, gotGrad] = [sums.dataSync(), grad.dataSync()];
      for (let r = 0; r < rows; r++) {
        let want = 0;
        let scale = 0;
        for (let j = 0; j < width; j++) {
          const [lv, xv] = [l[r * width + j]!, x[(r % xRows) * width + j]!];
          const term = xv * lv - softplus(lv);
          want += term;
          scale += Math.abs(xv * lv) + softplus(lv);
          // one float32 rounding of x - sigmoid(l), times dy
          const g = dyValues[r]! * (xv - sigmoid(lv));
          expect(Math.abs(gotGrad[r * width + j]! - g)).toBeLessThanOrEqual(4e-7 * dyValues[r]! + 2 ** -24 * Math.abs(g));
        }
        // float32 terms summed in float32: a few ulps of the terms' magnitudes
        expect(Math.abs(gotSums[r]! - want)).toBeLessThanOrEqual(4 * 2 ** -23 * scale + 1e-30);
      }
      tf.dispose([lt, xt, dy, sums, grad]);
    });
  }

  it('keeps a tiny log-likelihood exact where x l and softplus(l) are large and equal', () => {
    // x = 1, l = 30: x l - softplus(l) = -log1p(e^-30) = -9.36e-14, which x l - softplus(l) in float32 rounds to 0
    const sums = tf.tidy(() => run(BERNOULLI_LOG_LIKELIHOOD_KERNEL, { x: tf.ones([1, 4]), logits: tf.fill([1, 4], 30) }).dataSync());
    expect(sums[0]! / (-4 * Math.log1p(Math.exp(-30)))).toBeCloseTo(1, 5);
  });

  it('names the kernel, what it expects and what came, for inputs it cannot take', () => {
    const cases: [Record<string, tf.Tensor>, RegExp][] = [
      [
        { x: tf.zeros([2, 6]), logits: tf.zeros([4, 6]) },
        /ElboBernoulliLogLikelihood: x and logits of one width, a multiple of 4; got x \[2, 6\] float32, logits \[4, 6\] float32/,
      ],
      [{ x: tf.zeros([3, 4]), logits: tf.zeros([4, 4]) }, /ElboBernoulliLogLikelihood: logits' rows a multiple of x's; got x \[3, 4\]/],
      [{ x: tf.zeros([2, 4]), logits: tf.zeros([2, 8]) }, /of one width/],
      [{ x: tf.zeros([8]), logits: tf.zeros([2, 4]) }, /x and logits must be matrices/],
      [{ x: tf.zeros([2, 4], 'int32'), logits: tf.zeros([2, 4]) }, /float32 inputs; got x \[2, 4\] int32/],
    ];
    for (const [tensors, message] of cases) {
      expect(() => run(BERNOULLI_LOG_LIKELIHOOD_KERNEL, tensors)).toThrow(message);
      tf.dispose(Object.values(tensors));
    }
    const [x, logits, dy] = [tf.zeros([2, 4]), tf.zeros([2, 4]), tf.zeros([3])];
    expect(() => run(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, { x, logits, dy })).toThrow(
      /ElboBernoulliLogLikelihoodGrad: dy of shape \[logits' rows\]; got .* dy \[3\] float32/,
    );
    expect(() => run(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, { x, logits })).toThrow(/input dy is missing/);
    tf.dispose([x, logits, dy]);
  });

  it('gives 0 for rows of width 0 and an empty result for no rows', () => {
    const [empty, none] = tf.tidy(() => [
      run(BERNOULLI_LOG_LIKELIHOOD_KERNEL, { x: tf.zeros([2, 0]), logits: tf.zeros([4, 0]) }).dataSync(),
      run(BERNOULLI_LOG_LIKELIHOOD_KERNEL, { x: tf.zeros([0, 4]), logits: tf.zeros([0, 4]) }).dataSync(),
    ]);
    expect(Array.from(empty)).toEqual([0, 0, 0, 0]);
    expect(none).toHaveLength(0);
  });
});
