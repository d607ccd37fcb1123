import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { simdTransposeModuleBytes } from '@elbo/backend-common';
import { selectBackend } from './index';

/** Distinct values, so a misplaced element shows. */
const counting = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor =>
  tf.tensor(
    Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => (dtype === 'int32' ? i * 3 - 50 : i * 0.25 - 7)),
    shape,
    dtype,
  );

/** x permuted by `perm`, written out: out[i_perm[0], ..., i_perm[n-1]] = x[i_0, ..., i_{n-1}]. */
function permute(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < values.length; flat++) {
    out.push(values[index.reduce((at, v, axis) => at + v * strides[perm[axis]!]!, 0)]!);
    for (let axis = outShape.length - 1; axis >= 0 && ++index[axis]! === outShape[axis]; axis--) index[axis] = 0;
  }
  return out;
}

describe('the SIMD transpose on wasm', () => {
  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.reason).toMatch(/transpose, Bernoulli log-likelihood on elbo's SIMD kernels/);
  });

  it('assembles a valid module', () => {
    expect(WebAssembly.validate(simdTransposeModuleBytes(false))).toBe(true);
  });

  // The shapes the matMul gradients transpose, a batch of matrices, int32, and shapes tfjs keeps.
  const cases: [string, number[], number[] | undefined, 'float32' | 'int32'][] = [
    ['an activation', [128, 784], undefined, 'float32'],
    ['a batched gradient', [1, 128, 400], [0, 2, 1], 'float32'],
    ['three 8 x 12 matrices', [3, 8, 12], [0, 2, 1], 'float32'],
    ['int32', [4, 8], [1, 0], 'int32'],
    ['a side not a multiple of 4 (tfjs)', [6, 8], [1, 0], 'float32'],
    ['another permutation (tfjs)', [4, 8, 12], [2, 0, 1], 'float32'],
  ];
  for (const [what, shape, perm, dtype] of cases) {
    it(`transposes ${what}: ${JSON.stringify(shape)} by ${JSON.stringify(perm ?? 'default')} exactly, leaking nothing`, async () => {
      const x = counting(shape, dtype);
      const out = await expectNoLeaks(() => tf.transpose(x, perm));
      const fullPerm = perm ?? [...shape.keys()].reverse();
      const want = permute(x.dataSync(), shape, fullPerm);
      expect(out.dtype).toBe(dtype);
      expect(out.shape).toEqual(fullPerm.map((p) => shape[p]!));
      expect(Array.from(out.dataSync())).toEqual(want);
      tf.dispose([x, out]);
    });
  }

  it('keeps the gradient: the transpose of dy, and NaN bits through', () => {
    const x = counting([4, 8]);
    const w = counting([8, 4]);
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.transpose(v), w)))(x));
    expect(Array.from(g.dataSync())).toEqual(permute(w.dataSync(), [8, 4], [1, 0]));
    const withNaN = tf.tensor2d([
      [NaN, 1, 2, 3],
      [4, Infinity, 6, 7],
      [8, 9, -0, 11],
      [12, 13, 14, 15],
    ]);
    const t = tf.tidy(() => tf.transpose(withNaN));
    const values = Array.from(t.dataSync());
    expect(values[0]).toBeNaN();
    expect(values[5]).toBe(Infinity);
    expect(Object.is(values[10], -0)).toBe(true);
    tf.dispose([x, w, g, withNaN, t]);
  });
});
