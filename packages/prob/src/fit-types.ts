import type * as tf from '@tensorflow/tfjs-core';
import type { EarlyStoppingOptions } from './early-stopping';
import type { FitData } from './fit-data';
import type { BatchLoss } from './loss-output';

/**
 * Logs passed to the callbacks: the loss, the metrics, and (per epoch) their validation values `val<Name>`.
 * @example
 * ```ts
 * const onEpochEnd = (epoch: number, logs: Logs) => console.log(epoch, logs.loss, logs.valLoss);
 * ```
 */
export type Logs = Record<string, number>;

/**
 * Callbacks of `fit`; each may be async; returning `false` stops training after that point.
 * @example
 * ```ts
 * const callbacks: FitCallbacks = { onEpochEnd: (epoch, logs) => (logs.loss! > 1e3 ? false : undefined) };
 * ```
 */
export interface FitCallbacks {
  /** After every batch (0-based index in its epoch) with `{ loss, ...metrics }` of that batch. */
  onBatchEnd?: (batch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
  /** After every epoch (0-based) with the epoch's example-weighted means and validation values. */
  onEpochEnd?: (epoch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
}

/**
 * The training options every elbo model's `fit` takes (the one options shape).
 * @example
 * ```ts
 * const options: FitOptions = { epochs: 10, batchSize: 128, seed: 0, earlyStopping: { patience: 2 } };
 * ```
 */
export interface FitOptions<B = tf.Tensor> {
  /** Passes over the data, an integer >= 1. Default 1. */
  epochs?: number;
  /** Rows per batch when data is a tensor, an integer >= 1. Default 128. */
  batchSize?: number;
  /** Seed of the shuffling, an integer: epoch e visits rows in the order `permutation(n, foldIn(seed, e))`. Default 0. */
  seed?: number;
  /** Shuffle tensor data every epoch. Default true. */
  shuffle?: boolean;
  /** Data to evaluate after every epoch (same forms as the training data); adds `valLoss` and `val<Metric>` to the logs. */
  validationData?: FitData<B>;
  /** Callbacks with the logs. */
  callbacks?: FitCallbacks;
  /** Stop when the monitored log stops improving; see {@link EarlyStoppingOptions}. */
  earlyStopping?: EarlyStoppingOptions;
  /** Stops cleanly after the current batch; the result then has `aborted: true`. */
  signal?: AbortSignal;
  /** A number > 0, or a schedule `epoch => rate` applied at the start of every epoch. Default 1e-3. */
  learningRate?: number | ((epoch: number) => number);
  /** Default `adam(learningRate)` (fused; the same arithmetic as `tf.train.adam`), made and disposed by `fit`; an optimizer you pass stays yours. */
  optimizer?: tf.Optimizer;
}

/**
 * The argument of `fit`: the loss, the variables, the data, and {@link FitOptions}.
 * @example
 * ```ts
 * const args: FitArgs = { loss: (x) => tf.mean(tf.square(tf.sub(x, w))), variables: [w], data: x, epochs: 3 };
 * ```
 */
export interface FitArgs<B = tf.Tensor> extends FitOptions<B> {
  /** Loss of one batch (a mean over its examples): a scalar, or `{ loss, metrics }` to report more terms. */
  loss: BatchLoss<B>;
  /** The variables to train. */
  variables: tf.Variable[];
  /** Training data; see {@link FitData}. */
  data: FitData<B>;
  /** Loss used on validationData; default `loss`. */
  validationLoss?: BatchLoss<B>;
}

/**
 * What training returns, in the shape of tfjs-layers' `History`.
 * @example
 * ```ts
 * const { history } = await fit({ loss, variables, data, epochs: 5 }); history.loss; // 5 numbers
 * ```
 */
export interface History {
  /** The 0-based index of every completed epoch. */
  epoch: number[];
  /** Per-epoch values of every log: `loss`, metrics, `valLoss`, `val<Metric>`, `learningRate`. */
  history: Record<string, number[]>;
  /** Gradient steps taken in all. */
  steps: number;
  /** True when early stopping or a callback ended training. */
  stoppedEarly: boolean;
  /** True when the signal ended training. */
  aborted: boolean;
  /** The epoch early stopping judged best (null without early stopping). */
  bestEpoch: number | null;
}
