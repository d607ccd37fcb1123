// The diagonal-Gaussian algebra of the VAE, written once on tfjs ops: the
// hot path of every training step and of the importance-weighted estimate.
import * as tf from '@tensorflow/tfjs-core';
import { klNormalStandard, tfjsSeed } from '@elbo/prob';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * KL(N(mu, diag(exp(logVar))) || N(0, I)) per latent dimension: @elbo/prob's
 * fused `klNormalStandard` with one term per dimension.
 *
 * ```
 * KL_i = 1/2 * (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)      (>= 0, unbounded above)
 * ```
 *
 * @param mu - means, shape [..., d].
 * @param logVar - log-variances, shape [..., d].
 * @returns shape [..., d]; sum over the last axis for the KL of the whole vector.
 */
export function klStandardNormalPerDim(mu: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return klNormalStandard(mu, logVar, { reduce: 'none' });
}

/**
 * log N(z; 0, I), summed over the last axis.
 *
 * ```
 * log p(z) = -1/2 * sum_i (z_i^2 + log 2 pi)
 * ```
 *
 * @param z - shape [..., d].
 * @returns shape [...].
 * @example
 * ```ts
 * logStandardNormal(tf.zeros([1, 2])).dataSync(); // [-1.8379]
 * ```
 */
export function logStandardNormal(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = z.shape[z.rank - 1]!;
    return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), -1)), d * HALF_LOG_2PI);
  });
}

/**
 * log N(z; mu, diag(exp(logVar))) summed over the last axis, from the
 * standardized noise `eps = (z - mu) / sigma` when the caller has it (exact
 * for reparameterized draws, no division by a tiny sigma).
 *
 * ```
 * log q(z|x) = -1/2 * sum_i (eps_i^2 + logVar_i + log 2 pi)
 * ```
 *
 * @param eps - standardized noise, shape [..., d].
 * @param logVar - log-variances, broadcastable to `eps`.
 * @returns shape [...].
 */
export function logDiagNormalFromNoise(eps: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = eps.shape[eps.rank - 1]!;
    const quad = tf.sum(tf.square(eps), -1);
    const logDet = tf.sum(logVar, -1);
    return tf.sub(tf.mul(-0.5, tf.add(quad, logDet)), d * HALF_LOG_2PI);
  });
}

/**
 * log N(z; mu, diag(exp(logVar))) summed over the last axis.
 *
 * @param z - shape [..., d].
 * @param mu - broadcastable to `z`.
 * @param logVar - broadcastable to `z`.
 * @returns shape [...].
 */
export function logDiagNormal(z: tf.Tensor, mu: tf.Tensor, logVar: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = tf.mul(tf.sub(z, mu), tf.exp(tf.mul(-0.5, logVar)));
    return logDiagNormalFromNoise(eps, tf.broadcastTo(logVar, eps.shape));
  });
}

/**
 * Reparameterized draws z = mu + sigma * eps, eps ~ N(0, I), with the noise.
 *
 * @param mu - shape [n, d].
 * @param logVar - shape [n, d].
 * @param samples - number of draws per row, S.
 * @param seed - seed of the noise.
 * @returns `z` and `eps`, each shape [S, n, d]; gradients flow to mu and logVar through z.
 */
export function reparameterize(mu: tf.Tensor, logVar: tf.Tensor, samples: number, seed?: number): { z: tf.Tensor; eps: tf.Tensor } {
  return tf.tidy(() => {
    const eps = tf.randomNormal([samples, ...mu.shape], 0, 1, 'float32', tfjsSeed(seed));
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps));
    return { z, eps };
  });
}
