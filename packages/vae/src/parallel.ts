import * as tf from '@tensorflow/tfjs-core';
import type { TrainingLoss } from './elbo';
import type { KLEstimator } from './settings';
import type { VAE } from './vae';

/** How a replica computes its share of one training step (the same settings as the local share). */
export interface ShardSettings {
  beta: number;
  freeBits: number;
  kl: KLEstimator;
  samples: number;
  /** The run's seed: replica k draws its noise with `foldIn(seed, step, k)` (this thread with `foldIn(seed, step)`). */
  seed: number;
  /** The training step (0-based, over all epochs). */
  step: number;
}

/** One replica's answer for its rows of the batch. */
export interface ShardResult {
  rows: number;
  /** Batch-mean loss, reconstruction and KL over the replica's rows. */
  loss: number;
  reconstruction: number;
  kl: number;
  /** Batch-mean KL per latent dimension over the replica's rows. */
  klPerDim: Float32Array;
  /** Gradient of `loss` for every tensor of `vae.trainableVariables`, in that order. */
  grads: Float32Array[];
}

/**
 * Data-parallel training: replicas of the model elsewhere (for example worker
 * threads, see `workerThreads` in `@elbo/vae/node`) each compute the gradient
 * of the loss on their share of every batch while this thread computes its
 * own; `VAE.fit` averages them (weighted by rows) into the gradient of the
 * whole batch and applies one update. Give one to `VAE.fit({ parallel })`.
 */
export interface DataParallel {
  /** How many replicas share the work besides this thread. */
  readonly replicas: number;
  /** Starts the replicas with a copy of `vae`; called once by `fit` before the first step. */
  open(vae: VAE): Promise<void>;
  /**
   * Gives rows [from, n) of `x` to the replicas, with the current weights, and
   * returns a function that blocks until all have answered and returns their
   * results (throwing what a replica threw).
   */
  dispatch(vae: VAE, x: tf.Tensor, from: number, settings: ShardSettings): () => ShardResult[];
  /** Stops the replicas; called once by `fit` when training ends, however it ends. */
  close(): Promise<void>;
}

/** Rows this thread keeps of a batch of `n` shared with `replicas` others: an equal share, rounded up. */
export function localRows(n: number, replicas: number): number {
  return Math.ceil(n / (replicas + 1));
}

/**
 * The loss of the whole batch, computed as: the replicas start on their rows
 * (already dispatched: `collect` waits for them), this thread runs forward
 * and backward on its own rows meanwhile, then every part is the
 * row-weighted mean of all shares. The result's `loss` enters the caller's
 * tape through `tf.customGrad` whose gradient is that mean of the shares'
 * gradients, so `tf.variableGrads` of it gives the gradient of the whole
 * batch. Meant to be differentiated once (as `minimize` does): the combined
 * gradient is held until then.
 */
export function combineShards(
  variables: tf.Variable[],
  local: () => TrainingLoss,
  rows: number,
  collect: () => ShardResult[],
): TrainingLoss {
  let parts: tf.Tensor[] = [];
  const own = tf.variableGrads(() => {
    const t = local();
    parts = [t.reconstruction, t.kl, t.klPerDim].map((p) => tf.keep(p));
    return t.loss;
  }, variables);
  let shards: ShardResult[];
  try {
    shards = collect();
  } catch (error) {
    tf.dispose([own.value, ...Object.values(own.grads), ...parts]);
    throw error;
  }
  const n = rows + shards.reduce((s, r) => s + r.rows, 0);
  const mean = (mine: tf.Tensor, theirs: (r: ShardResult) => tf.Tensor | number): tf.Tensor =>
    shards.reduce<tf.Tensor>((sum, r) => tf.add(sum, tf.mul(theirs(r), r.rows / n)), tf.mul(mine, rows / n));
  const gradient = variables.map((v, i) => tf.keep(tf.tidy(() => mean(own.grads[v.name]!, (r) => tf.tensor(r.grads[i]!, v.shape)))));
  const lossValue = tf.keep(tf.tidy(() => mean(own.value, (r) => r.loss)));
  const [reconstruction, kl, klPerDim] = tf.tidy(() => [
    mean(parts[0]!, (r) => r.reconstruction),
    mean(parts[1]!, (r) => r.kl),
    mean(parts[2]!, (r) => tf.tensor1d(r.klPerDim)),
  ]);
  tf.dispose([own.value, ...Object.values(own.grads), ...parts]);
  const whole = tf.customGrad(() => ({
    value: tf.clone(lossValue),
    gradFunc: (dy: tf.Tensor) => {
      const out = gradient.map((g) => tf.mul(dy, g));
      tf.dispose([...gradient, lossValue]);
      return out;
    },
  })) as unknown as (...vars: tf.Tensor[]) => tf.Scalar;
  return { loss: whole(...variables), reconstruction: reconstruction as tf.Scalar, kl: kl as tf.Scalar, klPerDim: klPerDim as tf.Tensor1D };
}
