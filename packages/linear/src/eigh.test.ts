import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { eigh } from '@elbo/linear';
import { expectNoLeaks, floatEpsilon, loadReference } from '../../../tooling/testing';

interface EighCase {
  kind: string;
  n: number;
  matrix: number[][];
  eigenvaluesDescending: number[];
}
const cases = loadReference<{ eigh: EighCase[] }>('linalg').eigh;

const fro = (m: number[][]) => Math.sqrt(m.flat().reduce((s, v) => s + v * v, 0));

/** Eigenvalues within 1e-4 relative of LAPACK; values at rounding-noise level (|w| <= noise) compared absolutely. */
function expectEigenvalues(actual: Float32Array | number[], c: EighCase, noise: number): void {
  c.eigenvaluesDescending.forEach((w, i) => {
    const err = Math.abs(actual[i]! - w);
    const tol = Math.max(1e-4 * Math.abs(w), noise);
    if (!(err <= tol)) throw new Error(`${c.kind} eigenvalue ${i}: expected ${w}, got ${actual[i]} (|diff| ${err} > ${tol})`);
  });
}

/** ||A V - V diag(w)||_F / ||A||_F and ||V^T V - I||_F. */
function residuals(a: number[][], values: Float32Array, vectors: number[][]): { eig: number; orth: number } {
  const n = a.length;
  const k = values.length;
  let r = 0;
  let o = 0;
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let l = 0; l < n; l++) av += a[i]![l]! * vectors[l]![j]!;
      r += (av - values[j]! * vectors[i]![j]!) ** 2;
    }
    for (let j2 = 0; j2 < k; j2++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += vectors[i]![j]! * vectors[i]![j2]!;
      o += (d - (j === j2 ? 1 : 0)) ** 2;
    }
  }
  return { eig: Math.sqrt(r) / fro(a), orth: Math.sqrt(o) };
}

describe('eigh against LAPACK (linalg.json)', () => {
  for (const c of cases) {
    it(`${c.kind} (n = ${c.n}), float64 input: eigenvalues within 1e-4 relative, residuals at round-off`, async () => {
      const { values, vectors } = await expectNoLeaks(() => eigh(c.matrix));
      expect(values.shape).toEqual([c.n]);
      expect(vectors.shape).toEqual([c.n, c.n]);
      // below 1e-12 ||A|| LAPACK's own values are rounding noise (rank-deficient cases)
      expectEigenvalues(values.dataSync() as Float32Array, c, 1e-12 * fro(c.matrix));
      const res = residuals(c.matrix, values.dataSync() as Float32Array, vectors.arraySync());
      // results are returned as float32 tensors: residuals at float32 round-off
      expect(res.eig).toBeLessThan(20 * floatEpsilon());
      expect(res.orth).toBeLessThan(20 * floatEpsilon() * Math.sqrt(c.n));
      tf.dispose([values, vectors]);
    });

    it(`${c.kind} (n = ${c.n}), float32 tensor input: within 1e-4 relative or float32 round-off of ||A||`, () => {
      const a = tf.tensor2d(c.matrix);
      const { values, vectors } = eigh(a);
      expectEigenvalues(values.dataSync() as Float32Array, c, 10 * floatEpsilon() * fro(c.matrix));
      tf.dispose([a, values, vectors]);
    });
  }

  it('returns only the top k pairs by inverse iteration, orthonormal inside a repeated cluster', () => {
    const repeated = cases.find((c) => c.kind === 'repeated')!;
    const spd = cases.find((c) => c.kind === 'spd')!;
    for (const [c, k] of [
      [repeated, 4],
      [spd, 5],
    ] as const) {
      const { values, vectors } = eigh(c.matrix, { k });
      expect(vectors.shape).toEqual([c.n, k]);
      expectEigenvalues(values.dataSync() as Float32Array, { ...c, eigenvaluesDescending: c.eigenvaluesDescending.slice(0, k) }, 0);
      const res = residuals(c.matrix, values.dataSync() as Float32Array, vectors.arraySync());
      expect(res.eig).toBeLessThan(20 * floatEpsilon());
      expect(res.orth).toBeLessThan(20 * floatEpsilon());
      tf.dispose([values, vectors]);
    }
  });

  it('makes the largest entry of each eigenvector positive', () => {
    const { values, vectors } = eigh([
      [2, -1],
      [-1, 2],
    ]);
    const v = vectors.arraySync();
    expect(Array.from(values.dataSync())).toEqual([3, 1]);
    for (let j = 0; j < 2; j++) {
      const col = [v[0]![j]!, v[1]![j]!];
      const big = col.reduce((b, x) => (Math.abs(x) > Math.abs(b) ? x : b), 0);
      expect(big).toBeGreaterThan(0);
    }
    tf.dispose([values, vectors]);
  });

  it('rejects non-symmetric, non-finite, non-square and wrong-rank input, naming the problem', () => {
    expect(() =>
      eigh([
        [1, 2],
        [2.5, 1],
      ]),
    ).toThrow(/a must be symmetric, got max \|a\[i\]\[j\] - a\[j\]\[i\]\| = 5\.000e-1 at \[1,0\] > tolerance 2\.500e-5/);
    expect(() =>
      eigh([
        [1, NaN],
        [NaN, 1],
      ]),
    ).toThrow(/a must be finite, got NaN at index \[0, 1\]/);
    const inf = tf.tensor2d([1, 0, 0, Infinity], [2, 2]);
    expect(() => eigh(inf)).toThrow(/got Infinity at index \[1, 1\]/);
    expect(() => eigh([[1, 2, 3]])).toThrow(/a must be square, got shape \[1, 3\]/);
    const v = tf.tensor1d([1, 2]);
    expect(() => eigh(v)).toThrow(/a must be a matrix \(rank 2\), got shape \[2\]/);
    expect(() => eigh([[1]], { k: 2 })).toThrow(/k must be an integer in \[1, 1\], got 2/);
    tf.dispose([inf, v]);
  });
});
