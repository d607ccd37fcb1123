import * as tf from '@tensorflow/tfjs-core';
import { klStandardNormalPerDim, reparameterize } from './diag-gaussian';
import type { VaeParts } from './parts';
import { checkBetaWeight, checkNonNegative, elboTermSettings } from './settings';
import type { ElboTermOptions } from './settings';

export type { ElboTermOptions, KLEstimator } from './settings';

/**
 * Per-example terms of the ELBO, tensors of shape [n] (klPerDim: [n, d]).
 * @example
 * ```ts
 * const { elbo, kl } = vae.elbo(x); // each [n]
 * ```
 */
export interface ElboTerms {
  /** E_q[-log p(x|z)], the reconstruction negative log-likelihood, [n]. */
  reconstruction: tf.Tensor;
  /** KL(q(z|x) || N(0, I)) per latent dimension, [n, d]. */
  klPerDim: tf.Tensor;
  /** KL(q(z|x) || N(0, I)), [n]. */
  kl: tf.Tensor;
  /** ELBO = -reconstruction - kl, [n] (a lower bound on log p(x)). */
  elbo: tf.Tensor;
}

/**
 * The ELBO's two terms for each example, estimated with `samples` reparameterized draws.
 *
 * ```
 * ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))
 * KL_i    = 1/2 (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)          (analytic)
 * KL_i    = mean_s [log q(z_si|x) - log p(z_si)]                   (monte-carlo)
 * ```
 *
 * Gradients flow through the draws (reparameterization), so this is also the training loss.
 *
 * @param parts - encoder, decoder, likelihood.
 * @param x - data, shape [n, ...itemShape] (e.g. [n, 784] or [n, 28, 28, 1]).
 * @returns the terms; the caller owns (and disposes) them.
 * @example
 * ```ts
 * const t = elboTerms(vae, x, { samples: 4, seed: 1 }); // t.elbo: [n]
 * ```
 */
export function elboTerms(parts: VaeParts, x: tf.Tensor, options: ElboTermOptions = {}): ElboTerms {
  const { samples, kl: estimator, seed } = elboTermSettings(options, 'elboTerms');
  return tf.tidy(() => {
    const { mu, logVar } = parts.encodeParams(x);
    const [n, d] = mu.shape as [number, number];
    const { z, eps } = reparameterize(mu, logVar, samples, seed);
    const out = parts.decodeRaw(tf.reshape(z, [samples * n, d]));
    // [samples, n, ...itemShape]: the likelihood sums its event axes, leaving [samples, n].
    const logPx = parts.likelihood.logProb(x, tf.reshape(out, [samples, n, ...out.shape.slice(1)]));
    const reconstruction = tf.neg(tf.mean(logPx, 0));
    const klPerDim =
      estimator === 'monte-carlo'
        ? tf.mean(tf.sub(tf.mul(-0.5, tf.add(tf.square(eps), logVar)), tf.mul(-0.5, tf.square(z))), 0)
        : klStandardNormalPerDim(mu, logVar);
    const kl = tf.sum(klPerDim, -1);
    const elbo = tf.neg(tf.add(reconstruction, kl));
    return { reconstruction, klPerDim, kl, elbo };
  });
}

/**
 * Options of {@link trainingLoss}.
 * @example
 * ```ts
 * const options: TrainingLossOptions = { beta: 0.5, freeBits: 0.1, seed: 3 };
 * ```
 */
export interface TrainingLossOptions extends ElboTermOptions {
  /** Weight of the KL term (a number, or a scalar tensor such as a tf.Variable updated by a schedule). Default 1. */
  beta?: number | tf.Tensor;
  /** Free bits per latent dimension (nats): each dimension's batch-mean KL counts as at least this. Default 0. */
  freeBits?: number;
}

/**
 * The batch loss and its parts (scalars).
 * @example
 * ```ts
 * const { loss, reconstruction, kl, klPerDim }: TrainingLoss = trainingLoss(vae, batch);
 * ```
 */
export interface TrainingLoss {
  /** mean_n [reconstruction_n] + beta * sum_i max(freeBits, mean_n KL_ni). */
  loss: tf.Scalar;
  /** Batch-mean reconstruction NLL. */
  reconstruction: tf.Scalar;
  /** Batch-mean KL (before beta and free bits). */
  kl: tf.Scalar;
  /** Batch-mean KL per dimension, [d]. */
  klPerDim: tf.Tensor1D;
}

/**
 * The negative ELBO averaged over the batch, with the KL weight beta and free bits
 * (Kingma et al. 2016: the KL of each latent dimension, averaged over the batch,
 * is not pushed below `freeBits`).
 *
 * ```
 * loss = mean_n E_q[-log p(x_n|z)] + beta * sum_i max(lambda, mean_n KL_ni)
 * ```
 *
 * @param parts - encoder, decoder, likelihood.
 * @param x - batch, shape [n, ...itemShape].
 * @example
 * ```ts
 * const { loss, kl } = trainingLoss(vae, batch, { beta: 0.5, freeBits: 0.1, seed: 3 }); // scalars
 * ```
 */
export function trainingLoss(parts: VaeParts, x: tf.Tensor, options: TrainingLossOptions = {}): TrainingLoss {
  elboTermSettings(options, 'trainingLoss');
  const freeBits = checkNonNegative(options.freeBits ?? 0, 'freeBits', 'trainingLoss');
  const beta = checkBetaWeight(options.beta ?? 1, 'trainingLoss');
  return tf.tidy(() => {
    const t = elboTerms(parts, x, options);
    const reconstruction = tf.mean(t.reconstruction) as tf.Scalar;
    const klPerDim = tf.mean(t.klPerDim, 0) as tf.Tensor1D;
    const kl = tf.sum(klPerDim) as tf.Scalar;
    const klTerm = freeBits > 0 ? tf.sum(tf.maximum(klPerDim, freeBits)) : kl;
    const loss = tf.add(reconstruction, tf.mul(beta, klTerm)) as tf.Scalar;
    return { loss, reconstruction, kl, klPerDim };
  });
}
