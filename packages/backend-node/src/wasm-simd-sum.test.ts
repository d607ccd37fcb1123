import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { simdColumnSumsModuleBytes, simdRowSumsModuleBytes } from '@elbo/backend-common';
import { selectBackend } from './index';

/** Deterministic values of mixed sign and scale (the sums cancel in part). */
const values = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(0.7 * i) * (1 + (i % 13)));

/** The sum over `axes` in float64, row-major, for comparison. */
function float64Sum(data: Float32Array, shape: number[], axes: number[]): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outSize = kept.reduce((a, i) => a * shape[i]!, 1);
  const out = new Float64Array(outSize);
  data.forEach((v, flat) => {
    let o = 0;
    for (const i of kept) o = o * shape[i]! + (Math.floor(flat / strides[i]!) % shape[i]!);
    out[o]! += v;
  });
  return Array.from(out);
}

describe('the SIMD sum on wasm', () => {
  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.reason).toMatch(/sum, transpose, Bernoulli log-likelihood on elbo's SIMD kernels/);
  });

  it('assembles valid modules', () => {
    expect(WebAssembly.validate(simdRowSumsModuleBytes(false))).toBe(true);
    expect(WebAssembly.validate(simdColumnSumsModuleBytes(false))).toBe(true);
  });

  // Trailing axes (rows), leading axes (columns), all axes, keepDims, widths that are and are not
  // multiples of 16 floats, and the cases tfjs' kernel keeps (middle axes, widths not a multiple of 4).
  const cases: [string, number[], number[] | null, boolean][] = [
    ['a loss over pixels', [128, 784], [1], false],
    ['a batch sum of a bias gradient', [1, 128, 784], [0, 1], false],
    ['a whole gradient', [784, 400], null, false],
    ['rows of 20 floats (16 + 4)', [6, 20], [-1], false],
    ['two trailing axes, kept', [3, 4, 12], [1, 2], true],
    ['columns of 12 floats', [9, 12], [0], true],
    ['a middle axis (tfjs)', [3, 5, 8], [1], false],
    ['rows of 7 floats (tfjs)', [5, 7], [1], false],
    ['columns of 6 floats (tfjs)', [5, 6], [0], false],
  ];
  for (const [what, shape, axis, keepDims] of cases) {
    it(`sums ${what}: ${JSON.stringify(shape)} over ${JSON.stringify(axis)} like float64, leaking nothing`, async () => {
      const data = values(shape.reduce((a, b) => a * b, 1));
      const x = tf.tensor(data, shape);
      const got = await expectNoLeaks(() => tf.sum(x, axis ?? undefined, keepDims));
      const axes = axis == null ? shape.map((_, i) => i) : axis.map((a) => (a < 0 ? a + shape.length : a));
      const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((d, i) => keepDims || !axes.includes(i));
      expect(got.shape).toEqual(keptShape);
      const want = float64Sum(data, shape, axes);
      const out = got.dataSync();
      // Float32 summation error is a multiple of eps * sum|x|; a skipped or doubled group of 4 floats is far more.
      const absSum = float64Sum(data.map(Math.abs), shape, axes);
      want.forEach((w, i) => expect(Math.abs(out[i]! - w)).toBeLessThanOrEqual(2 ** -20 * absSum[i]!));
      tf.dispose([x, got]);
    });
  }

  it('keeps NaN and infinities (what minimize checks gradients by)', () => {
    const x = tf.tensor2d([
      [1, 2, 3, NaN, 5, 6, 7, 8],
      [1, 2, 3, Infinity, 5, 6, 7, 8],
      [1, 2, 3, 4, 5, 6, 7, 8],
      [1, 2, 3, 4, 5, 6, 7, 8],
    ]);
    expect(Array.from(tf.tidy(() => tf.sum(x, 1)).dataSync())).toEqual([NaN, Infinity, 36, 36]);
    expect(Array.from(tf.tidy(() => tf.sum(x, 0)).dataSync())).toEqual([4, 8, 12, NaN, 20, 24, 28, 32]);
    expect(tf.tidy(() => tf.sum(x)).dataSync()[0]).toBeNaN();
    x.dispose();
  });

  it('leaves int32 to tfjs and keeps the gradient (ones, broadcast back)', () => {
    const ints = tf.tensor2d(
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ],
      [2, 4],
      'int32',
    );
    const s = tf.tidy(() => tf.sum(ints, 1));
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual([10, 26]);
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.sum(v, 0), tf.tensor1d([1, 2, 3, 4]))))(x));
    expect(g.arraySync()).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
    tf.dispose([ints, s, x, g]);
  });
});
