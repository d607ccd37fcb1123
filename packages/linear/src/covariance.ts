import * as tf from '@tensorflow/tfjs-core';

/** Fraction of nonzero entries below which the sparse float64 kernel beats a tfjs matMul. */
const SPARSE_DENSITY = 0.3;

/**
 * Sample covariance `C = Xc^T Xc / (n - 1)` of the rows of `x` [n, d], as a
 * row-major float64 array, plus the column means.
 *
 * Dense data on an accelerated backend: one tfjs matMul of the centered data.
 * Mostly-zero data (MNIST is ~80% zeros) or the pure-JS cpu backend: a
 * float64 kernel that visits only the nonzero pairs of each row and centers
 * afterwards, exactly:
 *
 * ```
 * S = sum_r x_r x_r^T (lower triangle, nonzeros only),  mu = sum_r x_r / n
 * C = (S - n mu mu^T) / (n - 1)
 * ```
 */
export function covarianceOf(x: tf.Tensor2D): { cov: Float64Array; mean: Float64Array } {
  const [n, d] = x.shape;
  const data = x.dataSync();
  let nonzero = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) nonzero++;
  const density = nonzero / data.length;
  if (density > SPARSE_DENSITY && tf.getBackend() !== 'cpu') return covarianceByMatMul(x, data);
  const sums = new Float64Array(d);
  const s = new Float64Array(d * d);
  const idx = new Int32Array(d);
  const val = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const off = r * d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const v = data[off + j]!;
      if (v !== 0) {
        idx[m] = j;
        val[m] = v;
        m++;
        sums[j] = sums[j]! + v;
      }
    }
    accumulateRow(s, d, idx, val, m);
  }
  const mean = Float64Array.from(sums, (v) => v / n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const c = (s[i * d + j]! - n * mean[i]! * mean[j]!) / (n - 1);
      s[i * d + j] = c;
      s[j * d + i] = c;
    }
  }
  return { cov: s, mean };
}

/** s[i][j] += v_a v_b for the nonzeros (i = idx[a], j = idx[b], b <= a): the lower triangle. */
function accumulateRow(s: Float64Array, d: number, idx: Int32Array, val: Float64Array, m: number): void {
  for (let a = 0; a < m; a++) {
    const base = idx[a]! * d;
    const va = val[a]!;
    for (let b = 0; b <= a; b++) s[base + idx[b]!] = s[base + idx[b]!]! + va * val[b]!;
  }
}

function covarianceByMatMul(x: tf.Tensor2D, data: ArrayLike<number>): { cov: Float64Array; mean: Float64Array } {
  const [n, d] = x.shape;
  const sums = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) sums[j] = sums[j]! + data[r * d + j]!;
  const mean = Float64Array.from(sums, (v) => v / n);
  const c = tf.tidy(() => {
    const xc = tf.sub(x, tf.tensor1d(Float32Array.from(mean)));
    return tf.div(tf.matMul(tf.transpose(xc), xc), n - 1); // explicit transpose: wasm's transposed matMul is slow
  });
  const cov = Float64Array.from(c.dataSync());
  c.dispose();
  return { cov, mean };
}

/**
 * `M M^T` of a row-major [rows, cols] matrix in float64 (symmetric: lower
 * triangle computed, then mirrored). Used where the pure-JS cpu backend's
 * matMul would be the bottleneck.
 */
export function gramOfRows(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const g = new Float64Array(rows * rows);
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b <= a; b++) {
      const v = rowDot(m, a * cols, b * cols, cols);
      g[a * rows + b] = v;
      g[b * rows + a] = v;
    }
  }
  return g;
}

function rowDot(m: ArrayLike<number>, ra: number, rb: number, cols: number): number {
  let acc = 0;
  for (let j = 0; j < cols; j++) acc += m[ra + j]! * m[rb + j]!;
  return acc;
}
