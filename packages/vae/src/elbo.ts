import * as tf from '@tensorflow/tfjs-core';
import { klStandardNormalPerDim, reparameterize } from './diag-gaussian';
import type { VaeParts } from './parts';

/** How the KL term is computed: the closed form (default) or from the same draws of z as the reconstruction. */
export type KLEstimator = 'analytic' | 'monte-carlo';

/** Options of the per-example ELBO terms. */
export interface ElboTermOptions {
  /** Draws of z per example for the reconstruction (and Monte Carlo KL) term. Default 1. */
  samples?: number;
  /** KL estimator. Default 'analytic'. */
  kl?: KLEstimator;
  /** Seed of the draws. */
  seed?: number;
}

/** Per-example terms of the ELBO, tensors of shape [n] (klPerDim: [n, d]). */
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
 * @param x - data, shape [n, D].
 * @returns the terms; the caller owns (and disposes) them.
 */
export function elboTerms(parts: VaeParts, x: tf.Tensor, options: ElboTermOptions = {}): ElboTerms {
  const samples = checkElboTermOptions(options, 'elboTerms');
  return tf.tidy(() => {
    const { mu, logVar } = parts.encodeParams(x);
    const [n, d] = mu.shape as [number, number];
    const { z, eps } = reparameterize(mu, logVar, samples, options.seed);
    const out = parts.decodeRaw(tf.reshape(z, [samples * n, d]));
    const logPx = parts.likelihood.logProb(x, tf.reshape(out, [samples, n, -1]));
    const reconstruction = tf.neg(tf.mean(logPx, 0));
    const klPerDim =
      options.kl === 'monte-carlo'
        ? tf.mean(tf.sub(tf.mul(-0.5, tf.add(tf.square(eps), logVar)), tf.mul(-0.5, tf.square(z))), 0)
        : klStandardNormalPerDim(mu, logVar);
    const kl = tf.sum(klPerDim, -1);
    const elbo = tf.neg(tf.add(reconstruction, kl));
    return { reconstruction, klPerDim, kl, elbo };
  });
}

/** Options of {@link trainingLoss}. */
export interface TrainingLossOptions extends ElboTermOptions {
  /** Weight of the KL term (a number, or a scalar tensor such as a tf.Variable updated by a schedule). Default 1. */
  beta?: number | tf.Tensor;
  /** Free bits per latent dimension (nats): each dimension's batch-mean KL counts as at least this. Default 0. */
  freeBits?: number;
}

/** The batch loss and its parts (scalars). */
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
 * @param x - batch, shape [n, D].
 */
export function trainingLoss(parts: VaeParts, x: tf.Tensor, options: TrainingLossOptions = {}): TrainingLoss {
  checkElboTermOptions(options, 'trainingLoss');
  const freeBits = options.freeBits ?? 0;
  const beta = options.beta ?? 1;
  if (!(Number.isFinite(freeBits) && freeBits >= 0)) throw new Error(`trainingLoss: freeBits must be a finite number >= 0, got ${freeBits}`);
  // A tensor beta (a tf.Variable a schedule updates) is checked for shape only: reading its value would sync every step.
  const betaOk = beta instanceof tf.Tensor ? beta.rank === 0 : typeof beta === 'number' && Number.isFinite(beta) && beta >= 0;
  if (!betaOk) {
    const got = beta instanceof tf.Tensor ? `a tensor of shape [${beta.shape.join(', ')}]` : String(beta);
    throw new Error(`trainingLoss: beta must be a finite number >= 0 or a scalar tensor, got ${got}`);
  }
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

/** Checks `samples` and `kl` of {@link ElboTermOptions} (naming `where`) and returns samples: an unknown `kl` would silently mean analytic. */
export function checkElboTermOptions(options: ElboTermOptions, where: string): number {
  if (options == null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const samples = options.samples ?? 1;
  const kl = options.kl;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`${where}: samples must be an integer >= 1, got ${samples}`);
  if (kl != null && kl !== 'analytic' && kl !== 'monte-carlo') throw new Error(`${where}: kl must be 'analytic' or 'monte-carlo', got ${String(kl)}`);
  return samples;
}
