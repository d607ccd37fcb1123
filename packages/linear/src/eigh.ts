import * as tf from '@tensorflow/tfjs-core';
import { flipColumnsLargestPositive, maxAbs, toDense } from './dense';
import type { MatrixLike } from './dense';
import { applyQ, formQ, inverseIteration, tridiagonalQL, tridiagonalize } from './tridiagonal';

/** Options of {@link eigh}. */
export interface EighOptions {
  /** Number of leading (largest) eigenpairs to return; default all n. */
  k?: number;
  /** Largest accepted asymmetry max|a_ij - a_ji| relative to max|a|. Default 1e-5 (float32 round-off). */
  symmetryTolerance?: number;
}

/** Eigenvalues (descending) and their orthonormal eigenvectors (columns). */
export interface EighResult {
  /** shape [k], descending. */
  values: tf.Tensor1D;
  /** shape [n, k]; column j is the eigenvector of values[j]. */
  vectors: tf.Tensor2D;
}

/** The float64 result of {@link symmetricEigen}. */
export interface DenseEigen {
  values: Float64Array;
  /** row-major n x k, columns are eigenvectors. */
  vectors: Float64Array;
  n: number;
  k: number;
}

/**
 * Eigendecomposition of a symmetric matrix: `A V = V diag(w)`, `V^T V = I`.
 *
 * ```
 * A = Q T Q^T          Householder reduction to tridiagonal T (float64)
 * T = Z diag(w) Z^T    implicit QL with Wilkinson shifts (all pairs), or
 *                      QL for w + inverse iteration for the top k vectors
 * V = Q Z              eigenvalues descending; each column's largest entry is positive
 * ```
 *
 * Computation is in float64 on the CPU side; tensor inputs are read once (as
 * float32 they carry float32 round-off), `number[][]` inputs stay float64.
 *
 * @param a symmetric matrix, shape [n, n] (tensor or number[][]).
 * @returns `values` [k] descending and `vectors` [n, k].
 * @example
 * ```ts
 * const { values, vectors } = eigh([[2, 1], [1, 2]]); // values [3, 1]
 * ```
 */
export function eigh(a: MatrixLike, options: EighOptions = {}): EighResult {
  const dense = symmetricEigen(a, options);
  return {
    values: tf.tensor1d(Float32Array.from(dense.values)),
    vectors: tf.tensor2d(Float32Array.from(dense.vectors), [dense.n, dense.k]),
  };
}

/** {@link eigh} returning float64 arrays (the dense core used by PCA). */
export function symmetricEigen(a: MatrixLike, options: EighOptions = {}): DenseEigen {
  const { data, rows, cols } = toDense(a, 'a', 'eigh');
  if (rows !== cols) throw new Error(`eigh: a must be square, got shape [${rows}, ${cols}]`);
  const n = rows;
  const k = options.k ?? n;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`eigh: k must be an integer in [1, ${n}], got ${k}`);
  const tol = options.symmetryTolerance ?? 1e-5;
  const scale = maxAbs(data);
  let worst = 0;
  let where = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const diff = Math.abs(data[i * n + j]! - data[j * n + i]!);
      if (diff > worst) {
        worst = diff;
        where = [i, j];
      }
    }
  }
  if (worst > tol * scale) {
    throw new Error(
      `eigh: a must be symmetric, got max |a[i][j] - a[j][i]| = ${worst.toExponential(3)} at [${where}] ` +
        `> tolerance ${(tol * scale).toExponential(3)} (symmetryTolerance ${tol} * max|a| ${scale.toExponential(3)})`,
    );
  }
  return eigenDense(data, n, k);
}

/**
 * Eigen-core on a symmetric row-major float64 matrix (lower triangle read,
 * overwritten). `k` may be a function of all eigenvalues (descending), to
 * pick the count from the spectrum (PCA's variance fraction).
 */
export function eigenDense(
  data: Float64Array,
  n: number,
  k: number | ((valuesDescending: Float64Array) => number),
): DenseEigen & { allValues: Float64Array } {
  const scale = maxAbs(data);
  if (scale === 0) {
    const kk = typeof k === 'number' ? k : k(new Float64Array(n));
    const vectors = new Float64Array(n * kk);
    for (let j = 0; j < kk; j++) vectors[j * kk + j] = 1;
    return { values: new Float64Array(kk), vectors, n, k: kk, allValues: new Float64Array(n) };
  }
  for (let i = 0; i < data.length; i++) data[i] = data[i]! / scale;
  const t = tridiagonalize(data, n);
  const d = t.d.slice();
  tridiagonalQL(d, t.e.slice());
  const order = descending(d);
  const allValues = Float64Array.from(order, (i) => d[i]! * scale);
  const kk = typeof k === 'number' ? k : k(allValues);
  const values = allValues.slice(0, kk);
  const vectors = new Float64Array(n * kk);
  if (3 * kk >= n || n <= 32) {
    const zt = transpose(formQ(t), n);
    const dv = t.d.slice();
    tridiagonalQL(dv, t.e.slice(), zt);
    const orderV = descending(dv).slice(0, kk);
    orderV.forEach((src, j) => {
      values[j] = dv[src]! * scale;
      for (let r = 0; r < n; r++) vectors[r * kk + j] = zt[src * n + r]!;
    });
  } else {
    const tnorm = tridiagonalNorm(t.d, t.e);
    const cluster: Float64Array[] = [];
    for (let j = 0; j < kk; j++) {
      const lambda = d[order[j]!]!;
      if (j > 0 && Math.abs(d[order[j - 1]!]! - lambda) > 1e-3 * tnorm) cluster.length = 0;
      const z = inverseIteration(t.d, t.e, lambda, cluster, j + 1, tnorm);
      cluster.push(z);
      const x = z.slice();
      applyQ(t, x);
      for (let r = 0; r < n; r++) vectors[r * kk + j] = x[r]!;
    }
  }
  flipColumnsLargestPositive(vectors, n, kk);
  return { values, vectors, n, k: kk, allValues };
}

function transpose(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = m[i * n + j]!;
  return out;
}

function descending(d: Float64Array): number[] {
  return Array.from(d.keys()).sort((i, j) => d[j]! - d[i]!);
}

function tridiagonalNorm(d: Float64Array, e: Float64Array): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    m = Math.max(m, Math.abs(d[i]!) + Math.abs(e[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0));
  }
  return m;
}
