import * as tf from '@tensorflow/tfjs-core';
import { foldIn } from '@elbo/prob';
import type { FitArgs, FitData, History, Logs } from '@elbo/prob';
import { batchExamples } from '@elbo/nn';
import type { ExampleBatch } from '@elbo/nn';
import { trainingLoss } from './elbo';
import type { TrainingLoss } from './elbo';
import { combineShards, localRows } from './parallel';
import type { DataParallel, ShardSettings } from './parallel';
import { splitFitOptions } from './settings';
import type { VAEFitOptions } from './settings';
import type { VAE } from './vae';

export type { VAEFitOptions } from './settings';

/**
 * What `VAE.fit` returns.
 * @example
 * ```ts
 * const { history, klPerDim, warnings } = await vae.fit(x, { epochs: 5 });
 * ```
 */
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
 * Trains a VAE through `train` (the base's, which checks tensor data and runs prob's `fit`):
 * one reparameterized draw per example and step (seeded `foldIn(seed, step)`), the batch-mean
 * negative ELBO with beta and free bits; callbacks, early stopping, abort, non-finite guard
 * and streaming data behave as in `fit`. After every epoch it checks the KL of each latent
 * dimension: when all are below `collapseThreshold` the posterior has collapsed onto the prior
 * (the decoder ignores z), and a warning is added.
 */
export async function fitVAE(
  vae: VAE,
  data: FitData<ExampleBatch>,
  options: VAEFitOptions,
  train: (args: Omit<FitArgs<ExampleBatch>, 'variables'>) => Promise<History>,
): Promise<VAEHistory> {
  const { settings, rest } = splitFitOptions(options, vae, 'VAE.fit');
  const { betaAt, freeBits, kl, samples, collapseThreshold, parallel } = settings;
  const seed = rest.seed ?? 0;
  let step = 0;
  let validationBatch = 0;
  let klSum: tf.Tensor | null = null;
  let klBatches = 0;
  const klPerDim: number[][] = [];
  const warnings: string[] = [];

  const sharedLoss = (p: DataParallel, x: tf.Tensor, shard: ShardSettings): TrainingLoss => {
    const n = x.shape[0]!;
    const rows = localRows(n, p.replicas);
    const local = { ...shard, seed: foldIn(seed, shard.step) };
    if (rows >= n) return trainingLoss(vae, x, local);
    // The replicas start on their rows first (replica k draws with foldIn(seed, step, k)); this thread computes its own meanwhile.
    const collect = p.dispatch(vae, x, rows, shard);
    return combineShards(vae.trainableVariables, () => trainingLoss(vae, tf.slice(x, 0, rows), local), rows, collect);
  };
  const loss = (batch: ExampleBatch) => {
    const x = batchExamples(batch, 'VAE.fit');
    const beta = betaAt(step);
    const t =
      parallel == null
        ? trainingLoss(vae, x, { beta, freeBits, kl, samples, seed: foldIn(seed, step) })
        : sharedLoss(parallel, x, { beta, freeBits, kl, samples, seed, step });
    const next = tf.keep(klSum == null ? tf.clone(t.klPerDim) : tf.add(klSum, t.klPerDim));
    klSum?.dispose();
    klSum = next;
    klBatches++;
    step++;
    t.klPerDim.dispose();
    return { loss: t.loss, metrics: { reconstruction: t.reconstruction, kl: t.kl, beta: tf.scalar(beta) } };
  };
  // Validation batch b of every epoch draws with foldIn(seed, -1, b): the same noise each epoch, none shared with training.
  const validationLoss = (batch: ExampleBatch) => {
    const t = trainingLoss(vae, batchExamples(batch, 'VAE.fit'), { kl, samples, seed: foldIn(seed, -1, validationBatch++) });
    t.klPerDim.dispose();
    return { loss: t.loss, metrics: { reconstruction: t.reconstruction, kl: t.kl } };
  };
  const userEpochEnd = rest.callbacks?.onEpochEnd;
  const onEpochEnd = async (epoch: number, logs: Logs): Promise<void | boolean> => {
    validationBatch = 0;
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
  if (parallel != null) await parallel.open(vae);
  try {
    const history = await train({ ...rest, data, loss, validationLoss, callbacks: { ...rest.callbacks, onEpochEnd } });
    return { ...history, klPerDim, warnings };
  } finally {
    (klSum as tf.Tensor | null)?.dispose();
    await parallel?.close();
  }
}
