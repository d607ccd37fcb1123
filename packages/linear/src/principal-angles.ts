import { toDense } from './dense';
import type { MatrixLike } from './dense';
import { svdDense } from './svd';

/** Options of {@link principalAngles}. */
export interface PrincipalAnglesOptions {
  /** Unit of the returned angles. Default `'degrees'`. */
  unit?: 'degrees' | 'radians';
}

/**
 * Principal angles between the column spaces of `a` [d, p] and `b` [d, q],
 * smallest first (min(p, q) angles; the last is the largest, the usual
 * "distance" between two subspaces).
 *
 * ```
 * Q_A, Q_B = orthonormal bases (thin SVD, float64)
 * cos(theta_i) = sigma_i(Q_A^T Q_B)          (sigma descending -> theta ascending)
 * sin(theta_i) from sigma(Q_B - Q_A Q_A^T Q_B) for theta < 45 degrees (accurate for tiny angles)
 * ```
 *
 * For PCA's row-major components pass `tf.transpose(pca.components)`.
 *
 * @param a [d, p] (tensor or number[][]); @param b [d, q].
 * @returns min(p, q) angles, ascending, in degrees (or radians).
 * @example
 * ```ts
 * principalAngles([[1, 0], [0, 1], [0, 0]], [[1], [1], [0]]); // [0]
 * principalAngles([[1], [0]], [[0], [1]]); // [90]
 * ```
 */
export function principalAngles(a: MatrixLike, b: MatrixLike, options: PrincipalAnglesOptions = {}): number[] {
  const unit = options.unit ?? 'degrees';
  if (unit !== 'degrees' && unit !== 'radians')
    throw new Error(`principalAngles: unit must be 'degrees' or 'radians', got ${String(unit)}`);
  const A = toDense(a, 'a', 'principalAngles');
  const B = toDense(b, 'b', 'principalAngles');
  if (A.rows !== B.rows) {
    throw new Error(
      `principalAngles: a and b must have the same number of rows (dimension d), got [${A.rows}, ${A.cols}] and [${B.rows}, ${B.cols}]`,
    );
  }
  const d = A.rows;
  const qa = orthonormalBasis(A.data, d, A.cols);
  const qb = orthonormalBasis(B.data, d, B.cols);
  const p = qa.cols;
  const q = qb.cols;
  const r = Math.min(p, q);
  if (r === 0) return [];
  // M = Qa^T Qb  [p, q]
  const m = new Float64Array(p * q);
  for (let i = 0; i < d; i++) {
    for (let s = 0; s < p; s++) {
      const x = qa.data[i * p + s]!;
      for (let t = 0; t < q; t++) m[s * q + t] = m[s * q + t]! + x * qb.data[i * q + t]!;
    }
  }
  const cos = svdDense(m, p, q).s; // descending
  // R = Qb - Qa M  [d, q]
  const res = new Float64Array(d * q);
  for (let i = 0; i < d; i++) {
    for (let t = 0; t < q; t++) {
      let acc = qb.data[i * q + t]!;
      for (let s = 0; s < p; s++) acc -= qa.data[i * p + s]! * m[s * q + t]!;
      res[i * q + t] = acc;
    }
  }
  const sin = svdDense(res, d, q).s; // descending; the smallest r of them pair with the largest cosines
  const angles: number[] = [];
  for (let i = 0; i < r; i++) {
    const c = Math.min(1, cos[i]!);
    const sn = Math.min(1, sin[q - 1 - i] ?? 0);
    const theta = c > Math.SQRT1_2 ? Math.asin(sn) : Math.acos(c);
    angles.push(unit === 'degrees' ? (theta * 180) / Math.PI : theta);
  }
  return angles;
}

/**
 * Distance of the columns of `u` [d, k] from orthonormality:
 *
 * ```
 * orthonormalityError(U) = || U^T U - I ||_F
 * ```
 *
 * PCA's basis gives ~0 by construction; a linear autoencoder's decoder need not.
 * @param u [d, k] (tensor or number[][]).
 * @example
 * ```ts
 * orthonormalityError([[1, 0], [0, 2]]); // 3
 * ```
 */
export function orthonormalityError(u: MatrixLike): number {
  const { data, rows, cols } = toDense(u, 'u', 'orthonormalityError');
  let sum = 0;
  for (let s = 0; s < cols; s++) {
    for (let t = 0; t < cols; t++) {
      let g = 0;
      for (let i = 0; i < rows; i++) g += data[i * cols + s]! * data[i * cols + t]!;
      const diff = g - (s === t ? 1 : 0);
      sum += diff * diff;
    }
  }
  return Math.sqrt(sum);
}

/** Orthonormal basis of the column space (left singular vectors with nonzero singular values). */
function orthonormalBasis(data: Float64Array, d: number, k: number): { data: Float64Array; cols: number } {
  const { u, s, r } = svdDense(data, d, k);
  const smax = s[0] ?? 0;
  let rank = 0;
  while (rank < r && s[rank]! > smax * 1e-12 && s[rank]! > 0) rank++;
  const out = new Float64Array(d * rank);
  for (let i = 0; i < d; i++) for (let j = 0; j < rank; j++) out[i * rank + j] = u[i * r + j]!;
  return { data: out, cols: rank };
}
