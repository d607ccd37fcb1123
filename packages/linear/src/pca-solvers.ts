import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '@elbo/prob';
import { covarianceOf } from './covariance';
import { eigenDense } from './eigh';

/** What a PCA solver finds: the top-k directions of the centered data and their variances (n - 1 normalization). */
export interface PcaSolution {
  /** row-major [k, d], orthonormal rows. */
  components: Float64Array;
  /** [k] descending, the eigenvalues of the covariance. */
  explainedVariance: Float64Array;
  /** trace of the covariance (sum of all variances). */
  totalVariance: number;
  k: number;
}

/** How the number of components is chosen: fixed, or from the spectrum (variance fraction). */
export type ComponentCount = number | ((valuesDescending: Float64Array) => number);

/**
 * Full solver: the exact spectrum of the covariance (or of the Gram matrix when n < d).
 * `raw` is the uncentered data: mostly-zero data (MNIST) keep their zeros there,
 * which the sparse covariance kernel exploits.
 *
 * ```
 * C = Xc^T Xc / (n - 1)   (tfjs matMul)     C = V diag(w) V^T   (float64 eigh, top k vectors)
 * ```
 */
export function solveFull(xc: tf.Tensor2D, k: ComponentCount, raw?: tf.Tensor2D): PcaSolution {
  const [n, d] = xc.shape;
  if (n >= d) {
    // xc is already centered (mean ~0 up to float32 rounding); covarianceOf re-centers exactly
    const data = covarianceOf(raw ?? xc).cov;
    const totalVariance = trace(data, d);
    const eig = eigenDense(data, d, k);
    return { components: transposeRowMajor(eig.vectors, d, eig.k), explainedVariance: eig.values, totalVariance, k: eig.k };
  }
  // wide data: the n x n Gram matrix has the same nonzero spectrum; v_j = Xc^T u_j / sqrt((n - 1) w_j)
  const gram = tf.tidy(() => tf.div(tf.matMul(xc, tf.transpose(xc)), n - 1));
  const data = Float64Array.from(gram.dataSync());
  gram.dispose();
  const totalVariance = trace(data, n);
  const eig = eigenDense(data, n, k);
  const comps = tf.tidy(() => {
    const u = tf.tensor2d(Float32Array.from(eig.vectors), [n, eig.k]);
    const scale = Float32Array.from(eig.values, (w) => (w > 0 ? 1 / Math.sqrt((n - 1) * w) : 0));
    return tf.mul(tf.matMul(tf.transpose(u), xc), tf.tensor2d(scale, [eig.k, 1]));
  });
  const components = Float64Array.from(comps.dataSync());
  comps.dispose();
  return { components, explainedVariance: eig.values, totalVariance, k: eig.k };
}

/** Options of the randomized solver (Halko, Martinsson & Tropp 2011, as scikit-learn's `randomized_svd`). */
export interface RandomizedOptions {
  seed: number;
  oversamples?: number;
  powerIterations?: number;
}

/**
 * Randomized solver: a range finder with power iterations, then the exact SVD of a small matrix.
 *
 * ```
 * Q = orth(Xc Omega),  Omega ~ N(0, 1)^{d x (k + p)}
 * repeat q times:  Q = orth(Xc orth(Xc^T Q))
 * B^T = Xc^T Q  (d x (k + p)) = U' S V'^T   ->   components = U'[:, :k]^T,  variance = S^2 / (n - 1)
 * ```
 */
export function solveRandomized(xc: tf.Tensor2D, k: number, options: RandomizedOptions): PcaSolution {
  const [n, d] = xc.shape;
  const l = Math.min(k + (options.oversamples ?? 20), n, d);
  const q = options.powerIterations ?? (k < 0.1 * Math.min(n, d) ? 7 : 4);
  // per-row sums (d terms each; a row reduction is the fast one) added up in float64:
  // one float32 sum of all n * d squares drifts
  const rowSquares = Array.from(tf.tidy(() => tf.sum(tf.square(xc), 1).dataSync()));
  const totalVariance = rowSquares.reduce((a, b) => a + b, 0) / (n - 1);
  const bt = tf.tidy(() => {
    const xt = tf.transpose(xc); // explicit transpose: wasm's transposed matMul is a slow path
    let y = orthonormalize(tf.matMul(xc, tf.randomNormal([d, l], 0, 1, 'float32', tfjsSeed(options.seed))));
    for (let i = 0; i < q; i++) {
      // Xc^T Y has condition <= s_1 / s_l for orthonormal Y, so orthonormalizing once per
      // round trip (on the n side) keeps float32 well away from collapse
      y = orthonormalize(tf.matMul(xc, tf.matMul(xt, y)));
    }
    y = orthonormalize(y); // second pass: float32 orthonormality after one Gram step is ~cond^2 eps
    return tf.matMul(xt, y);
  });
  const data = Float64Array.from(bt.dataSync()); // B^T, [d, l]
  bt.dispose();
  // top k of B^T = U' S V'^T through the float64 Gram B B^T = V' S^2 V'^T ([l, l]); U' = B^T V' / S
  const gram = new Float64Array(l * l);
  for (let r = 0; r < d; r++) {
    const row = r * l;
    for (let a = 0; a < l; a++) {
      const x = data[row + a]!;
      for (let b = 0; b <= a; b++) gram[a * l + b] = gram[a * l + b]! + x * data[row + b]!;
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gram[b * l + a] = gram[a * l + b]!;
  const eig = eigenDense(gram, l, k);
  const components = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const s = Math.sqrt(Math.max(eig.values[j]!, 0));
    const inv = s > 0 ? 1 / s : 0;
    for (let r = 0; r < d; r++) {
      let acc = 0;
      for (let a = 0; a < l; a++) acc += data[r * l + a]! * eig.vectors[a * k + j]!;
      components[j * d + r] = acc * inv;
    }
  }
  const explainedVariance = Float64Array.from(eig.values, (w) => Math.max(w, 0) / (n - 1));
  return { components, explainedVariance, totalVariance, k };
}

/**
 * Orthonormal basis of the columns of `y` (n x l) by a Gram-matrix step:
 * `G = Y^T Y = W diag(g) W^T`, `Q = Y W diag(g)^{-1/2}` (columns with
 * g <= eps * max g are dropped to zero). Disposes nothing; call inside tidy.
 */
export function orthonormalize(y: tf.Tensor2D): tf.Tensor2D {
  const l = y.shape[1];
  const g = tf.matMul(tf.transpose(y), y);
  const eig = eigenDense(Float64Array.from(g.dataSync()), l, l);
  const gmax = eig.values[0]!;
  const m = new Float32Array(l * l);
  for (let j = 0; j < l; j++) {
    const w = eig.values[j]!;
    const s = w > 1e-6 * gmax ? 1 / Math.sqrt(w) : 0;
    for (let i = 0; i < l; i++) m[i * l + j] = eig.vectors[i * l + j]! * s;
  }
  return tf.matMul(y, tf.tensor2d(m, [l, l]));
}

/**
 * sklearn's `svd_flip` (u-based): flips each component so that, of its
 * scores `Xc v_j` over the samples, the one of largest magnitude is positive.
 */
export function flipSigns(xc: tf.Tensor2D, components: Float64Array, k: number): void {
  const d = xc.shape[1];
  const scores = tf.tidy(() => tf.matMul(xc, tf.tensor2d(Float32Array.from(transposeRowMajor(components, k, d)), [d, k])));
  const s = scores.dataSync();
  const n = xc.shape[0];
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let i = 0; i < n; i++) if (Math.abs(s[i * k + j]!) > Math.abs(best)) best = s[i * k + j]!;
    if (best < 0) for (let i = 0; i < d; i++) components[j * d + i] = -components[j * d + i]!;
  }
  scores.dispose();
}

function trace(data: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += data[i * n + i]!;
  return t;
}

function transposeRowMajor(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}
