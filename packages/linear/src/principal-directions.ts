import * as tf from '@tensorflow/tfjs-core';
import { toFloatTensor } from '@elbo/prob';
import { eigenDense } from './eigh';
import type { LinearAutoencoder } from './linear-autoencoder';
import { svdDense } from './svd';

/** PCA-like ordered directions recovered from a trained linear autoencoder. */
export interface AutoencoderDirections {
  /** shape [k, d], orthonormal rows, by decreasing variance (as `PCA.components`). */
  components: tf.Tensor2D;
  /** variance of the data along each direction (n - 1 normalization), [k]. */
  explainedVariance: number[];
}

/**
 * Recovers PCA's ordered, orthonormal directions from a trained linear
 * autoencoder: the decoder spans the principal subspace but in an arbitrary
 * basis, so orthonormalize it and diagonalize the data covariance inside it.
 *
 * ```
 * Q = orth(W_dec)                 [d, k]   (thin SVD)
 * S = (Q^T Xc^T Xc Q) / (n - 1)   [k, k]  = R diag(w) R^T
 * components = (Q R)^T,  explainedVariance = w
 * ```
 *
 * The data are needed: the decoder alone fixes the subspace only up to an
 * invertible mixing, which carries no variance ordering. Signs follow PCA's
 * rule (largest |score| positive).
 *
 * @param ae trained autoencoder; @param x data [n, d] (usually its training data).
 * @example
 * ```ts
 * const { components, explainedVariance } = principalDirectionsFromAutoencoder(ae, x);
 * ```
 */
export function principalDirectionsFromAutoencoder(ae: LinearAutoencoder, x: tf.Tensor | number[][]): AutoencoderDirections {
  const { inputDim: d, latentDim: k } = ae.getConfig();
  const t = toFloatTensor(x, 'x', 'principalDirectionsFromAutoencoder', { rank: 2, lastDim: d, minRows: 2, finite: true }) as tf.Tensor2D;
  const owned = t !== x;
  try {
    const n = t.shape[0];
    const w = ae.decoderWeights;
    const q = svdDense(Float64Array.from(w.dataSync()), d, k).u; // [d, k]
    w.dispose();
    const scores = tf.tidy(() => tf.matMul(tf.sub(t, tf.mean(t, 0)), tf.tensor2d(Float32Array.from(q), [d, k])));
    const y = Float64Array.from(scores.dataSync()); // [n, k]
    scores.dispose();
    const s = new Float64Array(k * k);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        const ya = y[i * k + a]!;
        for (let b = 0; b <= a; b++) s[a * k + b] = s[a * k + b]! + ya * y[i * k + b]!;
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) s[b * k + a] = s[a * k + b] = s[a * k + b]! / (n - 1);
    const eig = eigenDense(s, k, k);
    const comps = new Float32Array(k * d);
    for (let j = 0; j < k; j++) {
      // sign: the sample with the largest |score| scores positive
      let best = 0;
      for (let i = 0; i < n; i++) {
        let sc = 0;
        for (let a = 0; a < k; a++) sc += y[i * k + a]! * eig.vectors[a * k + j]!;
        if (Math.abs(sc) > Math.abs(best)) best = sc;
      }
      const sign = best < 0 ? -1 : 1;
      for (let r = 0; r < d; r++) {
        let v = 0;
        for (let a = 0; a < k; a++) v += q[r * k + a]! * eig.vectors[a * k + j]!;
        comps[j * d + r] = sign * v;
      }
    }
    return { components: tf.tensor2d(comps, [k, d]), explainedVariance: Array.from(eig.values) };
  } finally {
    if (owned) t.dispose();
  }
}
