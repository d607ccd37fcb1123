// Dense symmetric eigen-core in float64: Householder reduction to tridiagonal
// form, implicit QL with Wilkinson shifts, and inverse iteration for a few
// eigenvectors. Written from the textbook math (Golub & Van Loan, ch. 8).
import { foldIn, mulberry32 } from '@elbo/prob';

/** Householder reduction result: T = Q^T A Q with diagonal `d`, subdiagonal `e`, and Q kept as reflectors. */
export interface Tridiagonal {
  n: number;
  d: Float64Array;
  /** e[i] couples rows i and i + 1; e[n - 1] = 0. */
  e: Float64Array;
  /** Reflector k acts on indices k+1..n-1: H_k = I - tau[k] v v^T with v stored in row k of `vs` (v[k+1] = 1). */
  vs: Float64Array;
  tau: Float64Array;
}

/**
 * Reduces the symmetric n x n matrix `a` (row-major; only the lower triangle
 * is read; it is overwritten) to tridiagonal form:
 *
 * ```
 * for k = 0..n-3:  x = A[k+1:, k];  H_k x = beta e_1,  H_k = I - tau v v^T
 *                  p = tau S v,  w = p - (tau/2)(p.v) v,  S <- S - v w^T - w v^T   (S = A[k+1:, k+1:])
 * ```
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const vs = new Float64Array(n * n);
  const tau = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const s = k + 1; // first index of the trailing block
    // Householder vector of x = a[s.., k]
    const alpha = a[s * n + k]!;
    let xnorm2 = 0;
    for (let i = s + 1; i < n; i++) xnorm2 += a[i * n + k]! ** 2;
    const v = vs.subarray(k * n, (k + 1) * n);
    if (xnorm2 === 0) {
      tau[k] = 0;
      e[k] = alpha;
      d[k] = a[k * n + k]!;
      continue;
    }
    const beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xnorm2);
    const t = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    v[s] = 1;
    for (let i = s + 1; i < n; i++) v[i] = a[i * n + k]! * scale;
    tau[k] = t;
    e[k] = beta;
    d[k] = a[k * n + k]!;
    // p = tau * S v, S symmetric with its lower triangle stored
    p.fill(0, s, n);
    for (let i = s; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      p[i] = p[i]! + rowDotAxpy(a, row, s, i, v, p, vi) + a[row + i]! * vi;
    }
    let pv = 0;
    for (let i = s; i < n; i++) {
      p[i] = p[i]! * t;
      pv += p[i]! * v[i]!;
    }
    const half = 0.5 * t * pv;
    for (let i = s; i < n; i++) p[i] = p[i]! - half * v[i]!; // p is now w
    for (let i = s; i < n; i++) rowRank2(a, i * n, s, i + 1, v[i]!, p[i]!, p, v);
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2]!;
    e[n - 2] = a[(n - 1) * n + n - 2]!;
  }
  d[n - 1] = a[(n - 1) * n + n - 1]!;
  e[n - 1] = 0;
  return { n, d, e, vs, tau };
}

// Small hot kernels as their own functions: V8 optimizes them after a few calls,
// where one large loop nest would run unoptimized until on-stack replacement.

/** acc = sum_{j in [from, to)} a[row + j] v[j], and p[j] += a[row + j] vi on the same pass. */
function rowDotAxpy(a: Float64Array, row: number, from: number, to: number, v: Float64Array, p: Float64Array, vi: number): number {
  let acc = 0;
  for (let j = from; j < to; j++) {
    const aij = a[row + j]!;
    acc += aij * v[j]!;
    p[j] = p[j]! + aij * vi;
  }
  return acc;
}

/** a[row + j] -= vi w[j] + wi v[j] for j in [from, to). */
function rowRank2(a: Float64Array, row: number, from: number, to: number, vi: number, wi: number, w: Float64Array, v: Float64Array): void {
  for (let j = from; j < to; j++) a[row + j] = a[row + j]! - (vi * w[j]! + wi * v[j]!);
}

/** Applies Q = H_0 H_1 ... H_{n-3} to the vector x in place (x <- Q x). */
export function applyQ(t: Tridiagonal, x: Float64Array): void {
  const { n, vs, tau } = t;
  for (let k = n - 3; k >= 0; k--) {
    const tk = tau[k]!;
    if (tk === 0) continue;
    const off = k * n;
    let dot = 0;
    for (let i = k + 1; i < n; i++) dot += vs[off + i]! * x[i]!;
    dot *= tk;
    for (let i = k + 1; i < n; i++) x[i] = x[i]! - dot * vs[off + i]!;
  }
}

/** The explicit orthogonal Q (row-major n x n) of a reduction. */
export function formQ(t: Tridiagonal): Float64Array {
  const { n } = t;
  const q = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    applyQ(t, col);
    for (let i = 0; i < n; i++) q[i * n + j] = col[i]!;
  }
  return q;
}

/**
 * Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e): on
 * return `d` holds the eigenvalues (unordered). When `zt` (row-major n x n) is
 * given, its ROWS are rotated along: start from Q^T to get the eigenvectors of
 * A = Q T Q^T as rows of `zt`.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, zt?: Float64Array): void {
  const n = d.length;
  const eps = 2 ** -52;
  // absolute floor for deflation: off-diagonals this small relative to ||T|| are
  // round-off (needed where the diagonal is ~0, e.g. rank-deficient covariances)
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]!) + Math.abs(e[i]!));
  const floor = 1e-3 * eps * tnorm;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= eps * dd || Math.abs(e[m]!) <= floor) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error(`eigh: the QL iteration did not converge for eigenvalue ${l} after 60 sweeps`);
      // shift: the eigenvalue of the leading 2x2 block nearer to d[l]
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (zt != null) rotateRows(zt, i * n, (i + 1) * n, n, c, s);
      }
      if (underflow) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/**
 * Eigenvector of the tridiagonal (d, e) for the eigenvalue `lambda` by inverse
 * iteration with a partially pivoted LU of T - lambda I, orthogonalized
 * (modified Gram-Schmidt) against `against` (eigenvectors of nearby eigenvalues).
 */
export function inverseIteration(
  d: Float64Array,
  e: Float64Array,
  lambda: number,
  against: Float64Array[],
  seed: number,
  tnorm: number,
): Float64Array {
  const n = d.length;
  const tiny = Math.max(2 ** -52 * tnorm, Number.MIN_VALUE * 1e10);
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const mult = new Float64Array(n);
  const swap = new Uint8Array(n);
  // LU with partial pivoting of T - lambda I
  let cur0 = d[0]! - lambda;
  let cur1 = n > 1 ? e[0]! : 0;
  for (let i = 0; i < n - 1; i++) {
    const sub = e[i]!;
    const nextDiag = d[i + 1]! - lambda;
    const nextSup = i + 1 < n - 1 ? e[i + 1]! : 0;
    if (Math.abs(cur0) >= Math.abs(sub)) {
      if (cur0 === 0) cur0 = tiny;
      const mlt = sub / cur0;
      u0[i] = cur0;
      u1[i] = cur1;
      u2[i] = 0;
      mult[i] = mlt;
      cur0 = nextDiag - mlt * cur1;
      cur1 = nextSup;
    } else {
      const mlt = cur0 / sub;
      u0[i] = sub;
      u1[i] = nextDiag;
      u2[i] = nextSup;
      mult[i] = mlt;
      swap[i] = 1;
      cur0 = cur1 - mlt * nextDiag;
      cur1 = -mlt * nextSup;
    }
  }
  u0[n - 1] = cur0;
  for (let i = 0; i < n; i++) if (Math.abs(u0[i]!) < tiny) u0[i] = u0[i]! < 0 ? -tiny : tiny;
  // deterministic pseudo-random start, from elbo's one seeded generator
  const random = mulberry32(foldIn(seed, 0x7d1a));
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = random() - 0.5;
  const steps = against.length > 0 ? 5 : 3;
  for (let it = 0; it < steps; it++) {
    orthogonalize(x, against);
    normalize(x);
    // solve (T - lambda I) y = x in place
    for (let i = 0; i < n - 1; i++) {
      if (swap[i] === 1) {
        const tmp = x[i]!;
        x[i] = x[i + 1]!;
        x[i + 1] = tmp;
      }
      x[i + 1] = x[i + 1]! - mult[i]! * x[i]!;
    }
    x[n - 1] = x[n - 1]! / u0[n - 1]!;
    if (n > 1) x[n - 2] = (x[n - 2]! - u1[n - 2]! * x[n - 1]!) / u0[n - 2]!;
    for (let i = n - 3; i >= 0; i--) x[i] = (x[i]! - u1[i]! * x[i + 1]! - u2[i]! * x[i + 2]!) / u0[i]!;
  }
  orthogonalize(x, against);
  normalize(x);
  return x;
}

function orthogonalize(x: Float64Array, against: Float64Array[]): void {
  for (const q of against) {
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += q[i]! * x[i]!;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! - dot * q[i]!;
  }
}

function normalize(x: Float64Array): void {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  if (m === 0) {
    x[0] = 1;
    return;
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! / m) ** 2;
  const inv = 1 / (m * Math.sqrt(s));
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * inv;
}

/** [z_i, z_j] <- [c z_i - s z_j, s z_i + c z_j] on rows starting at ri and rj. */
function rotateRows(z: Float64Array, ri: number, rj: number, n: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const zi = z[ri + k]!;
    const zj = z[rj + k]!;
    z[rj + k] = s * zi + c * zj;
    z[ri + k] = c * zi - s * zj;
  }
}
