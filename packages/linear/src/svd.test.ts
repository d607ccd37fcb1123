import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { svd } from '@elbo/linear';
import { expectNoLeaks, floatEpsilon, loadReference } from '../../../tooling/testing';

interface SvdCase {
  kind: string;
  shape: [number, number];
  matrix: number[][];
  singularValues: number[];
}
const cases = loadReference<{ svd: SvdCase[] }>('linalg').svd;

function expectSingularValues(actual: ArrayLike<number>, c: SvdCase, noise: number): void {
  c.singularValues.forEach((s, i) => {
    const err = Math.abs(actual[i]! - s);
    const tol = Math.max(1e-4 * s, noise);
    if (!(err <= tol)) throw new Error(`${c.kind} singular value ${i}: expected ${s}, got ${actual[i]} (|diff| ${err} > ${tol})`);
  });
}

/** max over entries of |U diag(s) V^T - A| / max|A|, and ||U^T U - I||_F, ||V^T V - I||_F. */
function residuals(a: number[][], u: number[][], s: ArrayLike<number>, v: number[][]) {
  const m = a.length;
  const n = a[0]!.length;
  const r = s.length;
  let rec = 0;
  let amax = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < r; l++) x += u[i]![l]! * s[l]! * v[j]![l]!;
      rec = Math.max(rec, Math.abs(x - a[i]![j]!));
      amax = Math.max(amax, Math.abs(a[i]![j]!));
    }
  }
  const orth = (q: number[][], rows: number) => {
    let o = 0;
    for (let p = 0; p < r; p++) {
      for (let t = 0; t < r; t++) {
        let d = 0;
        for (let i = 0; i < rows; i++) d += q[i]![p]! * q[i]![t]!;
        o += (d - (p === t ? 1 : 0)) ** 2;
      }
    }
    return Math.sqrt(o);
  };
  return { rec: rec / amax, orthU: orth(u, m), orthV: orth(v, n) };
}

describe('svd against LAPACK (linalg.json)', () => {
  for (const c of cases) {
    it(`${c.kind} [${c.shape}], float64 input: singular values within 1e-4 relative, orthonormal factors`, async () => {
      const { u, s, v } = await expectNoLeaks(() => svd(c.matrix));
      const r = Math.min(...c.shape);
      expect(u.shape).toEqual([c.shape[0], r]);
      expect(v.shape).toEqual([c.shape[1], r]);
      expectSingularValues(s.dataSync(), c, 1e-12 * c.singularValues[0]!);
      const res = residuals(c.matrix, u.arraySync(), s.dataSync(), v.arraySync());
      const tol = 20 * floatEpsilon() * Math.sqrt(r);
      expect(res.rec).toBeLessThan(tol);
      expect(res.orthU).toBeLessThan(tol);
      expect(res.orthV).toBeLessThan(tol);
      tf.dispose([u, s, v]);
    });

    it(`${c.kind} [${c.shape}], float32 tensor input: within 1e-4 relative or float32 round-off of s_max`, () => {
      const a = tf.tensor2d(c.matrix);
      const { u, s, v } = svd(a);
      // Jacobi keeps relative accuracy under column scaling, so the graded case needs no absolute slack
      const noise = c.kind === 'scaled_columns' ? 0 : 10 * floatEpsilon() * c.singularValues[0]!;
      expectSingularValues(s.dataSync(), c, noise);
      tf.dispose([a, u, s, v]);
    });
  }

  it('rejects NaN, Infinity and wrong rank with the index or shape', () => {
    expect(() =>
      svd([
        [1, 2],
        [3, Infinity],
      ]),
    ).toThrow(/svd: a must be finite, got Infinity at index \[1, 1\]/);
    const t = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
    expect(() => svd(t)).toThrow(/svd: a must be a matrix \(rank 2\), got shape \[1,2,2\]/);
    expect(() => svd([[1, 2], [3]])).toThrow(/rows of equal length 2, got 1 at row 1/);
    t.dispose();
  });
});
