import * as tf from '@tensorflow/tfjs-core';
import { toDense } from './dense';
import type { MatrixLike } from './dense';

/** Thin singular value decomposition `A = U diag(s) V^T`. */
export interface SvdResult {
  /** shape [m, r], orthonormal columns, r = min(m, n). */
  u: tf.Tensor2D;
  /** shape [r], descending, >= 0. */
  s: tf.Tensor1D;
  /** shape [n, r], orthonormal columns (V, not V^T). */
  v: tf.Tensor2D;
}

/** The float64 result of {@link svdDense}: row-major U [m, r], s [r], V [n, r]. */
export interface DenseSvd {
  u: Float64Array;
  s: Float64Array;
  v: Float64Array;
  m: number;
  n: number;
  r: number;
}

/**
 * Thin SVD by one-sided (Hestenes) Jacobi in float64: orthogonalize the
 * columns of the narrow side by plane rotations until every pair is
 * orthogonal to machine precision, then read off the norms.
 *
 * ```
 * for each pair (p, q):  alpha = |a_p|^2, beta = |a_q|^2, gamma = a_p . a_q
 *   zeta = (beta - alpha) / (2 gamma),  t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2))
 *   c = 1 / sqrt(1 + t^2),  s = c t:   [a_p, a_q] <- [c a_p - s a_q, s a_p + c a_q]  (same for V)
 * s_j = |a_j|,  u_j = a_j / s_j
 * ```
 *
 * Jacobi is accurate to high relative precision on graded (badly scaled)
 * matrices; its cost is about 10 sweeps of min(m,n)^2 max(m,n) flops, meant
 * for small and thin matrices (PCA uses it on its small cores).
 * Sign convention: each column of V has its largest-magnitude entry positive.
 *
 * @param a matrix, shape [m, n] (tensor or number[][]).
 * @returns `u` [m, r], `s` [r] descending, `v` [n, r], r = min(m, n).
 * @example
 * ```ts
 * const { u, s, v } = svd(tf.tensor2d([[3, 0], [0, -2], [0, 0]])); // s = [3, 2]
 * ```
 */
export function svd(a: MatrixLike): SvdResult {
  const { data, rows, cols } = toDense(a, 'a', 'svd');
  const r = svdDense(data, rows, cols);
  return {
    u: tf.tensor2d(Float32Array.from(r.u), [r.m, r.r]),
    s: tf.tensor1d(Float32Array.from(r.s)),
    v: tf.tensor2d(Float32Array.from(r.v), [r.n, r.r]),
  };
}

/** The float64 core of {@link svd} on a row-major m x n matrix. */
export function svdDense(data: Float64Array, m: number, n: number): DenseSvd {
  if (m < n) {
    const t = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = data[i * n + j]!;
    const res = svdTall(t, n, m);
    return { u: res.v, s: res.s, v: res.u, m, n, r: res.r };
  }
  return svdTall(data, m, n);
}

/** One-sided Jacobi on a tall (m >= n) row-major matrix. */
function svdTall(data: Float64Array, m: number, n: number): DenseSvd {
  // columns as contiguous arrays
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = data[i * n + j]!;
    cols.push(c);
  }
  const vcols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    c[j] = 1;
    vcols.push(c);
  }
  const eps = 2 ** -52;
  const norms = cols.map((c) => dot(c, c));
  for (let sweep = 0; ; sweep++) {
    if (sweep >= 60) throw new Error('svd: one-sided Jacobi did not converge in 60 sweeps');
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const ap = cols[p]!;
        const aq = cols[q]!;
        const alpha = norms[p]!;
        const beta = norms[q]!;
        if (alpha === 0 || beta === 0) continue;
        const gamma = dot(ap, aq);
        if (Math.abs(gamma) <= eps * Math.sqrt(alpha * beta) || Math.abs(gamma) < 1e-300) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(ap, aq, c, s);
        rotate(vcols[p]!, vcols[q]!, c, s);
        // recompute the two norms exactly (updating by formulas drifts on graded matrices)
        norms[p] = dot(ap, ap);
        norms[q] = dot(aq, aq);
      }
    }
    if (!rotated) break;
  }
  const sv = norms.map(Math.sqrt);
  const order = Array.from(sv.keys()).sort((i, j) => sv[j]! - sv[i]!);
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  const s = new Float64Array(n);
  const smax = sv[order[0]!] ?? 0;
  order.forEach((src, j) => {
    s[j] = sv[src]!;
    const vc = vcols[src]!;
    // sign: largest |v| entry positive
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(vc[i]!) > Math.abs(big)) big = vc[i]!;
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) v[i * n + j] = sign * vc[i]!;
    const uc = cols[src]!;
    const inv = s[j]! > smax * 1e-300 && s[j]! > 0 ? sign / s[j]! : 0;
    for (let i = 0; i < m; i++) u[i * n + j] = uc[i]! * inv;
  });
  completeOrthonormal(u, m, n, s);
  return { u, s, v, m, n, r: n };
}

/** Columns of U whose singular value is 0 get orthonormal fill-ins (Gram-Schmidt on unit vectors). */
function completeOrthonormal(u: Float64Array, m: number, n: number, s: Float64Array): void {
  let e = 0;
  for (let j = 0; j < n; j++) {
    if (s[j]! > 0) continue;
    for (; e < m; e++) {
      const x = new Float64Array(m);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < n; c++) {
          if (c === j) continue;
          let d = 0;
          for (let i = 0; i < m; i++) d += u[i * n + c]! * x[i]!;
          for (let i = 0; i < m; i++) x[i] = x[i]! - d * u[i * n + c]!;
        }
      }
      const nrm = Math.sqrt(dot(x, x));
      if (nrm > 0.5) {
        for (let i = 0; i < m; i++) u[i * n + j] = x[i]! / nrm;
        e++;
        break;
      }
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function rotate(a: Float64Array, b: Float64Array, c: number, s: number): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    a[i] = c * x - s * y;
    b[i] = s * x + c * y;
  }
}
