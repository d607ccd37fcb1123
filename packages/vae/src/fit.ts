import * as tf from '@tensorflow/tfjs-core';
import { checkDataInSupport, fitModel } from '@elbo/autoencoder';
import type { FitData, History, Logs, TrainOptions } from '@elbo/autoencoder';
import { trainingLoss } from './elbo';
import type { KLEstimator, TrainingLoss } from './elbo';
import { combineShards, localRows } from './parallel';
import type { DataParallel } from './parallel';
import type { BetaSchedule } from './schedules';
import type { VAE } from './vae';

/** Options of `VAE.fit`: the autoencoder's {@link TrainOptions} plus the VAE's own. */
export interface VAEFitOptions extends TrainOptions<tf.Tensor> {
  /** KL weight: a number, or a schedule of the step (see `linearWarmup`, `cyclicalAnnealing`). Default the model's `beta`. */
  beta?: number | BetaSchedule;
  /** Free bits per latent dimension (nats). Default the model's `freeBits`. */
  freeBits?: number;
  /** KL estimator. Default the model's `kl`. */
  kl?: KLEstimator;
  /** Draws of z per example in each step. Default 1. */
  samples?: number;
  /** A dimension whose epoch-mean KL is below this (nats) counts as collapsed. Default 0.01. */
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

/** What `VAE.fit` returns: the autoencoder's {@link History} plus per-dimension KL and warnings. */
export interface VAEHistory extends History {
  /**
   * `history.history` holds per epoch: `loss` (the training objective, with beta and
   * free bits), `reconstruction` (E_q[-log p(x|z)]), `kl` (KL(q || p), unweighted),
   * `beta`, and with validation data `valLoss`, `valReconstruction`, `valKl` (at beta = 1).
   */
  history: Record<string, number[]>;
  /** The epoch-mean KL of every latent dimension, one row per epoch. */
  klPerDim: number[][];
  /** Messages about the run, e.g. posterior collapse (every dimension's KL near zero). */
  warnings: string[];
}

/**
 * Trains a VAE on the autoencoder's loop (`fitModel` of @elbo/autoencoder):
 * one reparameterized draw per example and step, the batch-mean negative ELBO
 * with beta and free bits; callbacks, early stopping, abort, non-finite guard
 * and streaming data behave as there. After every epoch it checks the KL of
 * each latent dimension: when all are below `collapseThreshold` the posterior
 * has collapsed onto the prior (the decoder ignores z), and a warning is added.
 * Tensor data and validationData (or arrays of batch tensors) are checked before the first
 * step: shape [n, D] and, for the Bernoulli kinds, values in [0, 1].
 */
export async function fitVAE(vae: VAE, data: FitData<tf.Tensor>, options: VAEFitOptions = {}): Promise<VAEHistory> {
  const { beta = vae.beta, freeBits = vae.freeBits, kl = vae.kl, samples = 1, collapseThreshold = 0.01, parallel, ...train } = options ?? {};
  const betaAt: BetaSchedule = typeof beta === 'function' ? beta : () => beta;
  if (typeof beta === 'number' && !(Number.isFinite(beta) && beta >= 0)) throw new Error(`VAE.fit: beta must be a finite number >= 0 or a schedule, got ${beta}`);
  if (typeof beta !== 'number' && typeof beta !== 'function') throw new TypeError(`VAE.fit: beta must be a number or a function step => beta, got ${typeof beta}`);
  if (!(Number.isFinite(freeBits) && freeBits >= 0)) throw new Error(`VAE.fit: freeBits must be a finite number >= 0, got ${freeBits}`);
  if (kl !== 'analytic' && kl !== 'monte-carlo') throw new Error(`VAE.fit: kl must be 'analytic' or 'monte-carlo', got ${String(kl)}`);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`VAE.fit: samples must be an integer >= 1, got ${samples}`);
  if (!(collapseThreshold >= 0)) throw new Error(`VAE.fit: collapseThreshold must be >= 0, got ${collapseThreshold}`);
  const b0 = betaAt(0);
  if (!(Number.isFinite(b0) && b0 >= 0)) throw new Error(`VAE.fit: beta(0) must be a finite number >= 0, got ${b0}`);
  checkFitData(vae, data, train.validationData);

  const seed = train.seed ?? 0;
  let step = 0;
  let klSum: tf.Tensor | null = null;
  let klBatches = 0;
  const klPerDim: number[][] = [];
  const warnings: string[] = [];

  const lossFn = (x: tf.Tensor) => {
    const b = betaAt(step);
    if (!(Number.isFinite(b) && b >= 0)) throw new Error(`VAE.fit: beta(${step}) must be a finite number >= 0, got ${b}`);
    const stepSeed = seed * 1_000_003 + step + 1;
    const t = parallel == null ? trainingLoss(vae, x, { beta: b, freeBits, kl, samples, seed: stepSeed }) : sharedLoss(parallel, x, { beta: b, freeBits, kl, samples, seed: stepSeed });
    const next = tf.keep(klSum == null ? tf.clone(t.klPerDim) : tf.add(klSum, t.klPerDim));
    klSum?.dispose();
    klSum = next;
    klBatches++;
    step++;
    t.klPerDim.dispose();
    return { loss: t.loss, metrics: { reconstruction: t.reconstruction, kl: t.kl, beta: tf.scalar(b) } };
  };
  const validationLoss = (x: tf.Tensor) => {
    const t = trainingLoss(vae, x, { kl, samples, seed: seed * 1_000_003 + 7 });
    t.klPerDim.dispose();
    return { loss: t.loss, metrics: { reconstruction: t.reconstruction, kl: t.kl } };
  };
  const userEpochEnd = train.callbacks?.onEpochEnd;
  const onEpochEnd = async (epoch: number, logs: Logs): Promise<void | boolean> => {
    if (klSum != null) {
      const perDim = Array.from(await klSum.data(), (v) => v / klBatches);
      klSum.dispose();
      klSum = null;
      klBatches = 0;
      klPerDim.push(perDim);
      if (perDim.every((v) => v < collapseThreshold)) {
        warnings.push(
          `posterior collapse at epoch ${epoch}: the KL of every latent dimension is below ${collapseThreshold} nats ` +
            `(largest ${Math.max(...perDim).toExponential(2)}), so the decoder ignores z; try KL annealing (beta schedule), free bits or a weaker decoder`,
        );
      }
    }
    return userEpochEnd?.(epoch, logs);
  };
  const sharedLoss = (p: DataParallel, x: tf.Tensor, settings: { beta: number; freeBits: number; kl: KLEstimator; samples: number; seed: number }): TrainingLoss => {
    const n = x.shape[0]!;
    const rows = localRows(n, p.replicas);
    if (rows >= n) return trainingLoss(vae, x, settings);
    // The replicas start on their rows first; this thread computes its own (forward and backward) while they run.
    const collect = p.dispatch(vae, x as tf.Tensor2D, rows, { ...settings, seed: settings.seed + 0x3c6ef372 });
    return combineShards(vae.trainableVariables, () => trainingLoss(vae, tf.slice(x, [0, 0], [rows, -1]), settings), rows, collect);
  };
  if (parallel != null) {
    if (typeof parallel !== 'object' || typeof parallel.dispatch !== 'function' || !(Number.isInteger(parallel.replicas) && parallel.replicas >= 1)) {
      throw new TypeError('VAE.fit: parallel must be a DataParallel (e.g. workerThreads() from @elbo/vae/node) with replicas >= 1');
    }
    await parallel.open(vae);
  }
  try {
    const history = await fitModel<tf.Tensor>({
      ...train,
      data,
      lossFn,
      validationLoss,
      variables: vae.trainableVariables,
      callbacks: { ...train.callbacks, onEpochEnd },
    });
    return { ...history, klPerDim, warnings };
  } finally {
    (klSum as tf.Tensor | null)?.dispose();
    await parallel?.close();
  }
}

/**
 * Checks the data and validationData that can be read without consuming them (a tensor, or an
 * array of batch tensors) before the first step, so bad input changes no weight: shape [n, D]
 * (the validation data was otherwise first seen after epoch 0 had trained) and, for the
 * Bernoulli kinds, values in [0, 1] (they read x as probabilities; anything else trains on a
 * meaningless loss without an error). Streams and functions are left to the step itself.
 */
function checkFitData(vae: VAE, data: unknown, validationData: unknown): void {
  const named = (d: unknown, name: string): [string, tf.Tensor][] => {
    if (d instanceof tf.Tensor) return [[name, d]];
    if (!Array.isArray(d)) return [];
    return d.flatMap((b, i): [string, tf.Tensor][] => (b instanceof tf.Tensor ? [[`${name}[${i}]`, b]] : []));
  };
  const tensors = [...named(data, 'data'), ...named(validationData, 'validationData')];
  // Without a declared input width, the first batch sets the one the others must match.
  const width = vae.inputDim ?? tensors.find(([, t]) => !t.isDisposed && t.rank === 2)?.[1].shape[1];
  const likelihood = vae.likelihood.name;
  for (const [name, t] of tensors) {
    if (t.isDisposed) throw new Error(`VAE.fit: ${name} is a disposed tensor`);
    if (t.rank !== 2 || t.shape[1] !== width) throw new Error(`VAE.fit: ${name} must have shape [n, ${width ?? 'D'}], got [${t.shape.join(', ')}]`);
    if (t.shape[0] === 0) throw new Error(`VAE.fit: ${name} must have at least one row, got shape [${t.shape.join(', ')}]`);
    checkDataInSupport(likelihood, t, `VAE.fit: ${name}`);
  }
}
