import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sample log-density under the probabilistic-PCA Gaussian
 * `N(mean, V diag(w - s2) V^T + s2 I)` with orthonormal V (d x k), by the
 * Woodbury identity (never forming the d x d covariance):
 *
 * ```
 * x^T C^-1 x = |x|^2 / s2 + sum_j (v_j . x)^2 (1/w_j - 1/s2)
 * log det C  = sum_j log w_j + (d - k) log s2
 * log p(x)   = -1/2 (x^T C^-1 x + d log(2 pi) + log det C)
 * ```
 *
 * As scikit-learn's `PCA.score_samples`, each w_j is floored at s2.
 * @param x [n, d]; mean [d]; components [k, d] row-major; variances [k]; noiseVariance s2 > 0.
 * @returns [n] log-densities (nats).
 */
export function subspaceGaussianLogDensity(
  x: tf.Tensor2D,
  mean: tf.Tensor1D,
  components: tf.Tensor2D,
  variances: ArrayLike<number>,
  noiseVariance: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const [k, d] = components.shape;
    const s2 = noiseVariance;
    const w = Array.from(variances, (v) => Math.max(v, s2));
    const xc = tf.sub(x, mean);
    const proj = tf.matMul(xc, tf.transpose(components)); // [n, k]
    const weights = tf.tensor1d(w.map((wj) => 1 / wj - 1 / s2));
    const quad = tf.add(tf.div(tf.sum(tf.square(xc), 1), s2), tf.sum(tf.mul(tf.square(proj), weights), 1));
    const logDet = w.reduce((acc, wj) => acc + Math.log(wj), 0) + (d - k) * Math.log(s2);
    return tf.mul(-0.5, tf.add(quad, d * Math.log(2 * Math.PI) + logDet)) as tf.Tensor1D;
  });
}
