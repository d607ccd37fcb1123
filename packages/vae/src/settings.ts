// The VAE's own options, checked in one place: the model's settings, fit's, elbo's and the loss functions' all come here.
import * as tf from '@tensorflow/tfjs-core';
import { Sequential } from '@elbo/nn';
import type { ExampleBatch, Layer } from '@elbo/nn';
import { describeValue } from '@elbo/prob';
import type { FitOptions } from '@elbo/prob';
import type { DataParallel } from './parallel';
import type { BetaSchedule } from './schedules';

/**
 * How the KL term is computed: the closed form (default) or from the same draws of z as the reconstruction.
 * @example
 * ```ts
 * const kl: KLEstimator = 'monte-carlo';
 * ```
 */
export type KLEstimator = 'analytic' | 'monte-carlo';

/**
 * How the encoder's second half becomes a variance: taken as log sigma^2, or sigma = softplus(raw).
 * @example
 * ```ts
 * new VAE({ encoder, decoder, encoderScale: 'softplus' });
 * ```
 */
export type EncoderScale = 'log-variance' | 'softplus';

/**
 * The objective's settings a VAE keeps (its defaults for `fit`).
 * @example
 * ```ts
 * const { beta, freeBits, kl }: VAESettings = vae;
 * ```
 */
export interface VAESettings {
  /** KL weight, a finite number >= 0. Default 1. */
  beta: number;
  /** Free bits per latent dimension (nats), a finite number >= 0. Default 0. */
  freeBits: number;
  /** KL estimator. Default `'analytic'`. */
  kl: KLEstimator;
}

/**
 * Options of `VAE.fit`: prob's {@link FitOptions} plus the VAE's own, which `fit`
 * removes before the rest goes to prob's `fit`.
 * @example
 * ```ts
 * const options: VAEFitOptions = { epochs: 10, beta: linearWarmup({ steps: 1000 }), freeBits: 0.1, samples: 1 };
 * ```
 */
export interface VAEFitOptions extends FitOptions<ExampleBatch> {
  /** KL weight: a number, or a schedule of the step (see `linearWarmup`, `cyclicalAnnealing`). Default the model's `beta`. */
  beta?: number | BetaSchedule;
  /** Free bits per latent dimension (nats). Default the model's `freeBits`. */
  freeBits?: number;
  /** KL estimator. Default the model's `kl`. */
  kl?: KLEstimator;
  /** Draws of z per example in each step, an integer >= 1. Default 1. */
  samples?: number;
  /** A dimension whose epoch-mean KL is below this (nats) counts as collapsed, a finite number >= 0. Default 0.01. */
  collapseThreshold?: number;
  /**
   * Share every training batch with replicas of the model (data parallelism),
   * e.g. `workerThreads()` from `@elbo/vae/node` to use more CPU cores. The
   * update is the one of the whole batch (the row-weighted mean of the
   * shares' gradients); each share draws its own noise, and with `freeBits`
   * each share applies free bits to its own rows. `fit` opens and closes it.
   */
  parallel?: DataParallel;
}

/** The VAE's part of {@link VAEFitOptions}, checked, with the model's defaults filled in. */
export interface FitSettings {
  betaAt: BetaSchedule;
  freeBits: number;
  kl: KLEstimator;
  samples: number;
  collapseThreshold: number;
  parallel: DataParallel | undefined;
}

const KL_ESTIMATORS: readonly KLEstimator[] = ['analytic', 'monte-carlo'];
const ENCODER_SCALES: readonly EncoderScale[] = ['log-variance', 'softplus'];

function fail(where: string, name: string, expected: string, got: unknown): never {
  throw new Error(`${where}: ${name} must be ${expected}, got ${typeof got === 'number' ? String(got) : describeValue(got)}`);
}

/** A finite number >= 0 (beta, freeBits, collapseThreshold, a schedule's value). */
export function checkNonNegative(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !(Number.isFinite(value) && value >= 0)) fail(where, name, 'a finite number >= 0', value);
  return value as number;
}

/** `'analytic'` or `'monte-carlo'`: an unknown estimator would silently mean analytic. */
export function checkKl(value: unknown, where: string): KLEstimator {
  if (!KL_ESTIMATORS.includes(value as KLEstimator)) fail(where, 'kl', "'analytic' or 'monte-carlo'", value);
  return value as KLEstimator;
}

/** Draws of z per example: an integer >= 1. */
export function checkSamples(value: unknown, where: string): number {
  if (!Number.isInteger(value) || (value as number) < 1) fail(where, 'samples', 'an integer >= 1', value);
  return value as number;
}

/** The encoder's scale reading. */
export function checkEncoderScale(value: unknown, where: string): EncoderScale {
  if (!ENCODER_SCALES.includes(value as EncoderScale)) fail(where, 'encoderScale', "'log-variance' or 'softplus'", value);
  return value as EncoderScale;
}

/** The model's settings from its options (defaults beta 1, freeBits 0, kl 'analytic'). */
export function modelSettings(options: { beta?: unknown; freeBits?: unknown; kl?: unknown }, where: string): VAESettings {
  const { beta = 1, freeBits = 0, kl = 'analytic' } = options;
  return { beta: checkNonNegative(beta, 'beta', where), freeBits: checkNonNegative(freeBits, 'freeBits', where), kl: checkKl(kl, where) };
}

/**
 * The size d of z: from the encoder's declared output [2d] (a Sequential declares it) and
 * `latentDim` when given (they must agree); the decoder, when it declares its input, must take [d].
 */
export function latentDimOf(encoder: Layer, decoder: Layer, latentDim: unknown, where: string): number {
  const encOut = encoder instanceof Sequential ? encoder.finalShape : undefined;
  if (encOut != null && (encOut.length !== 1 || encOut[0]! % 2 !== 0)) {
    throw new Error(
      `${where}: the encoder must output [2 * latentDim] values per example (mean and log-variance), got [${encOut.join(', ')}]`,
    );
  }
  const declared = encOut == null ? undefined : encOut[0]! / 2;
  const d = latentDim ?? declared;
  if (d == null)
    throw new Error(
      `${where}: latentDim is required when the encoder does not declare its output shape (a Sequential does), got undefined`,
    );
  if (!Number.isInteger(d) || (d as number) < 1) fail(where, 'latentDim', 'a positive integer', d);
  if (declared != null && declared !== d) {
    throw new Error(
      `${where}: the encoder must output 2 * latentDim = ${2 * (d as number)} values (mean and log-variance), got [${encOut!.join(', ')}]`,
    );
  }
  if (decoder instanceof Sequential && (decoder.inputShape.length !== 1 || decoder.inputShape[0] !== d)) {
    throw new Error(
      `${where}: the decoder must take z of shape [${String(d)}] (latentDim), got inputShape [${decoder.inputShape.join(', ')}]`,
    );
  }
  return d as number;
}

/**
 * Splits `VAE.fit`'s options into the VAE's settings (checked, defaults from the model)
 * and the rest, which goes to prob's `fit` (which checks it and refuses unknown keys).
 */
export function splitFitOptions(
  options: VAEFitOptions | undefined,
  defaults: VAESettings,
  where: string,
): { settings: FitSettings; rest: FitOptions<ExampleBatch> } {
  if (options != null && (typeof options !== 'object' || Array.isArray(options))) fail(where, 'options', 'an object', options);
  const {
    beta = defaults.beta,
    freeBits = defaults.freeBits,
    kl = defaults.kl,
    samples = 1,
    collapseThreshold = 0.01,
    parallel,
    ...rest
  } = options ?? {};
  let betaAt: BetaSchedule;
  if (typeof beta === 'function') {
    betaAt = (step) => checkNonNegative(beta(step), `beta(${step})`, where);
    betaAt(0);
  } else {
    if (typeof beta !== 'number' || !(Number.isFinite(beta) && beta >= 0))
      fail(where, 'beta', 'a finite number >= 0 or a schedule step => beta', beta);
    betaAt = () => beta as number;
  }
  if (
    parallel != null &&
    (typeof parallel !== 'object' ||
      typeof parallel.dispatch !== 'function' ||
      !(Number.isInteger(parallel.replicas) && parallel.replicas >= 1))
  ) {
    fail(where, 'parallel', 'a DataParallel (e.g. workerThreads() from @elbo/vae/node) with replicas >= 1', parallel);
  }
  return {
    settings: {
      betaAt,
      freeBits: checkNonNegative(freeBits, 'freeBits', where),
      kl: checkKl(kl, where),
      samples: checkSamples(samples, where),
      collapseThreshold: checkNonNegative(collapseThreshold, 'collapseThreshold', where),
      parallel,
    },
    rest,
  };
}

/**
 * Options of the per-example ELBO terms.
 * @example
 * ```ts
 * const options: ElboTermOptions = { samples: 4, kl: 'analytic', seed: 0 };
 * ```
 */
export interface ElboTermOptions {
  /** Draws of z per example for the reconstruction (and Monte Carlo KL) term, an integer >= 1. Default 1. */
  samples?: number;
  /** KL estimator. Default 'analytic'. */
  kl?: KLEstimator;
  /** Seed of the draws. */
  seed?: number;
}

/** Checks {@link ElboTermOptions} (naming `where`): samples (default 1) and kl (default 'analytic'). */
export function elboTermSettings(options: ElboTermOptions, where: string): { samples: number; kl: KLEstimator; seed: number | undefined } {
  if (options == null || typeof options !== 'object') fail(where, 'options', 'an object', options);
  const { samples = 1, kl = 'analytic', seed } = options;
  if (seed != null && !Number.isFinite(seed)) fail(where, 'seed', 'a finite number', seed);
  return { samples: checkSamples(samples, where), kl: checkKl(kl, where), seed };
}

/**
 * The KL weight of the loss functions: a finite number >= 0, or a scalar tensor (a tf.Variable a
 * schedule updates), checked for shape only: reading its value would sync every step.
 */
export function checkBetaWeight(beta: unknown, where: string): number | tf.Tensor {
  const ok = beta instanceof tf.Tensor ? beta.rank === 0 : typeof beta === 'number' && Number.isFinite(beta) && beta >= 0;
  if (!ok) fail(where, 'beta', 'a finite number >= 0 or a scalar tensor', beta);
  return beta as number | tf.Tensor;
}
