import * as tf from '@tensorflow/tfjs-core';
import { adam, minimize } from '@elbo/prob';
import { batchWeight, checkData, disposeBatch, epochBatches } from './batches';
import type { BatchingOptions, FitData } from './batches';
import { EarlyStopping, validationLogName } from './early-stopping';
import type { EarlyStoppingOptions } from './early-stopping';
import { meanLoss, splitLossOutput } from './loss-output';
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
 * Callbacks of {@link fitModel}; each may be async; returning `false` stops training after that point.
 * @example
 * ```ts
 * const callbacks: FitCallbacks = { onEpochEnd: (epoch, logs) => logs.loss > 1e3 ? false : undefined };
 * ```
 */
export interface FitCallbacks {
  /** After every batch (0-based index in its epoch) with `{ loss, ...metrics }` of that batch. */
  onBatchEnd?: (batch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
  /** After every epoch (0-based) with the epoch's example-weighted means and validation values. */
  onEpochEnd?: (epoch: number, logs: Logs) => void | boolean | Promise<void | boolean>;
}

/**
 * Training options shared by {@link fitModel} and `Autoencoder.fit`.
 * @example
 * ```ts
 * const options: TrainOptions = { epochs: 10, batchSize: 128, seed: 0, earlyStopping: { patience: 2 } };
 * ```
 */
export interface TrainOptions<B = tf.Tensor> {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Rows per batch when data is a tensor. Default 128. */
  batchSize?: number;
  /** Shuffle tensor data every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling (epoch e uses seed + e). Default 0. */
  seed?: number;
  /** Default `adam(learningRate)` from @elbo/prob (fused; the same arithmetic as `tf.train.adam`), made and disposed here; an optimizer you pass stays yours. */
  optimizer?: tf.Optimizer;
  /** A number, or a schedule `epoch => rate` applied at the start of every epoch. Default 1e-3. */
  learningRate?: number | ((epoch: number) => number);
  /** Data to evaluate after every epoch (same forms as the training data); adds `valLoss` and `val<Metric>` to the logs. */
  validationData?: FitData<B>;
  /** Callbacks with the logs. */
  callbacks?: FitCallbacks;
  /** Stop when the monitored log stops improving; see {@link EarlyStoppingOptions}. */
  earlyStopping?: EarlyStoppingOptions;
  /** Stops cleanly after the current batch; the result then has `aborted: true`. */
  signal?: AbortSignal;
}

/**
 * Options of {@link fitModel}: the loss, the variables, the data, and {@link TrainOptions}.
 * @example
 * ```ts
 * const options: FitModelOptions = { lossFn: (x) => model.loss(x), variables: model.trainableVariables, data: x };
 * ```
 */
export interface FitModelOptions<B = tf.Tensor> extends TrainOptions<B> {
  /** Loss of one batch (a mean over its examples): a scalar, or `{ loss, metrics }` to report more terms. */
  lossFn: BatchLoss<B>;
  /** The variables to train. */
  variables: tf.Variable[];
  /** Training data; see {@link FitData}. */
  data: FitData<B>;
  /** Loss used on validationData; default `lossFn`. */
  validationLoss?: BatchLoss<B>;
}

/**
 * What training returns, in the shape of tfjs-layers' `History`.
 * @example
 * ```ts
 * const { history } = await ae.fit(x, { epochs: 5 }); history.loss; // 5 numbers
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

/**
 * The training loop every elbo model reuses: epochs of minibatch steps built
 * on `minimize` from @elbo/prob, with seeded shuffling, a learning-rate
 * schedule, validation, callbacks, early stopping (optionally restoring the
 * best weights), a stop signal, and a clear error on a non-finite loss.
 *
 * ```
 * for epoch e:  for batch b:  theta <- optimizer(theta, grad lossFn(b))
 *               logs_e = { loss: mean_b loss(b), metrics..., valLoss, ... }
 * ```
 *
 * A non-finite loss or gradient throws an error naming the epoch and batch;
 * that step's update is not applied, so the variables keep the last finite
 * values. Bad options throw before any update: up front, except an
 * `earlyStopping.monitor` that only a metric could match, which is checked
 * on the first batch, once `lossFn` has named its metrics. Leaks no tensors.
 *
 * @param options - see {@link FitModelOptions}; batches are whatever `lossFn` takes (a [batch, ...] tensor for tensor data).
 * @returns the {@link History}.
 * @example
 * ```ts
 * const net = mlp([2, 8, 1], { seed: 0 });
 * const history = await fitModel({
 *   lossFn: (x) => tf.mean(tf.square(net.apply(x))),
 *   variables: net.trainableVariables, data: tf.randomNormal([256, 2]), epochs: 3,
 * });
 * history.history.loss; // 3 epoch means
 * ```
 */
export async function fitModel<B = tf.Tensor>(options: FitModelOptions<B>): Promise<History> {
  const o = checkOptions(options);
  const validation = options.validationData != null;
  const stopper =
    options.earlyStopping == null ? null : new EarlyStopping(options.earlyStopping, { validation, learningRateLogged: typeof o.learningRate === 'function' });
  const batching: BatchingOptions = { batchSize: o.batchSize, shuffle: o.shuffle, seed: o.seed };
  const rate = (epoch: number): number => (typeof o.learningRate === 'function' ? o.learningRate(epoch) : o.learningRate);
  const optimizer = options.optimizer ?? adam(rate(0));
  const history: History = { epoch: [], history: {}, steps: 0, stoppedEarly: false, aborted: false, bestEpoch: null };
  const { callbacks = {}, signal, variables, lossFn } = options;
  // A monitor that can only be a metric is checked on the first batch, once lossFn has named its metrics: before the first update.
  let monitorUnchecked = stopper != null && !stopper.monitorConfirmed;
  /** Every log an epoch will hold, from the metric names of a batch (`batch` feeds a separate validationLoss once, if the monitor needs it). */
  const epochLogNames = (batch: B, metricNames: string[]): string[] => {
    const names = ['loss', ...metricNames];
    if (typeof o.learningRate === 'function') names.push('learningRate');
    if (!validation) return names;
    let validationMetrics = metricNames;
    if (options.validationLoss != null && !names.includes(stopper!.monitor)) {
      const validationLoss = options.validationLoss;
      validationMetrics = tf.tidy(() => Object.keys(splitLossOutput(validationLoss(batch), 'fit: validationLoss').metrics));
    }
    return [...names, ...['loss', ...validationMetrics].map(validationLogName)];
  };
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      if (signal?.aborted) {
        history.aborted = true;
        break;
      }
      if (typeof o.learningRate === 'function') setLearningRate(optimizer, rate(epoch), epoch);
      const { batches, owned } = epochBatches(options.data, epoch, batching);
      let batchIndex = -1;
      let current: B | undefined;
      let kept: Record<string, tf.Tensor> = {};
      const sums: Record<string, number> = {};
      let count = 0;
      let callbackStop = false;
      const feed = async function* (): AsyncGenerator<B> {
        try {
          for await (const batch of batches as AsyncIterable<B>) {
            batchIndex++;
            current = batch;
            yield batch;
            if (owned) disposeBatch(batch);
            current = undefined;
          }
        } finally {
          if (owned && current !== undefined) disposeBatch(current);
        }
      };
      const loss = (batch: B): tf.Tensor => {
        const { loss: value, metrics } = splitLossOutput(lossFn(batch), 'fit');
        if (monitorUnchecked) {
          monitorUnchecked = false;
          stopper!.checkMonitor(epochLogNames(batch, Object.keys(metrics))); // throws before this step's update
        }
        kept = Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, tf.keep(tf.reshape(m, []))]));
        return value;
      };
      const onStep = async ({ loss: value }: { loss: number }): Promise<boolean> => {
        const names = Object.keys(kept);
        const logs: Logs = { loss: value };
        if (names.length > 0) {
          const packed = tf.stack(Object.values(kept));
          tf.dispose(Object.values(kept));
          kept = {};
          const values = await packed.data();
          packed.dispose();
          names.forEach((name, i) => (logs[name] = values[i]!));
        }
        const weight = batchWeight(current);
        for (const [name, v] of Object.entries(logs)) sums[name] = (sums[name] ?? 0) + weight * v;
        count += weight;
        if (callbacks.onBatchEnd != null && (await callbacks.onBatchEnd(batchIndex, logs)) === false) callbackStop = true;
        return !callbackStop;
      };
      let result;
      try {
        result = await minimize(loss, { variables, optimizer, batches: feed(), onStep, signal });
      } catch (error) {
        const message = (error as Error).message ?? '';
        if (message.startsWith('minimize: loss is') || message.startsWith('minimize: a gradient')) {
          const what = message.startsWith('minimize: loss is') ? `loss is ${message.split(' ')[3]!.replace(/;$/, '')}` : 'a gradient is not finite';
          throw new Error(
            `fit: ${what} at epoch ${epoch} (0-based), batch ${batchIndex}; training stopped and the variables keep the values of the last finite step. ` +
              'Lower the learning rate, check the data for NaN or values outside the likelihood support.',
            { cause: error },
          );
        }
        throw error;
      } finally {
        tf.dispose(Object.values(kept));
      }
      history.steps += result.steps;
      if (result.aborted) {
        history.aborted = true;
        break;
      }
      if (result.steps === 0) {
        throw new Error(
          `fit: the data yielded no batches in epoch ${epoch}` +
            (epoch > 0 ? ' (a one-shot iterator is used up after its first epoch: pass a function returning a fresh iterable per epoch)' : ''),
        );
      }
      const logs: Logs = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / count]));
      if (typeof o.learningRate === 'function') logs.learningRate = rate(epoch);
      if (options.validationData != null && !callbackStop) {
        const val = await meanLoss(options.validationLoss ?? lossFn, options.validationData, batching);
        for (const [k, v] of Object.entries(val)) logs[validationLogName(k)] = v;
      }
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      if (callbackStop || (callbacks.onEpochEnd != null && (await callbacks.onEpochEnd(epoch, logs)) === false)) {
        history.stoppedEarly = true;
        break;
      }
      if (stopper != null && stopper.update(epoch, logs, variables)) {
        history.stoppedEarly = true;
        break;
      }
    }
  } finally {
    if (stopper != null) {
      history.bestEpoch = stopper.bestEpoch >= 0 ? stopper.bestEpoch : null;
      const last = history.epoch[history.epoch.length - 1];
      stopper.finish(variables, options.earlyStopping?.restoreBestWeights === true && last !== stopper.bestEpoch);
    }
    if (options.optimizer == null) optimizer.dispose();
  }
  return history;
}

function setLearningRate(optimizer: tf.Optimizer, value: number, epoch: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`fit: learningRate(${epoch}) must be a finite number > 0, got ${value}`);
  if (typeof (optimizer as unknown as { learningRate?: unknown }).learningRate !== 'number') {
    throw new Error('fit: a learningRate schedule needs an optimizer with a numeric learningRate field (adam, sgd, rmsprop, ...)');
  }
  // SGD (and momentum) cache -rate in a tensor and offer setLearningRate; the others read the field per step.
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(value);
  else o.learningRate = value;
}

function checkOptions<B>(options: FitModelOptions<B>): Required<Pick<TrainOptions<B>, 'epochs' | 'batchSize' | 'shuffle' | 'seed' | 'learningRate'>> {
  if (options == null || typeof options !== 'object') throw new TypeError('fit: options must be an object');
  const { epochs = 1, batchSize = 128, shuffle = true, seed = 0, learningRate = 1e-3 } = options;
  if (typeof options.lossFn !== 'function') throw new TypeError(`fit: lossFn must be a function, got ${typeof options.lossFn}`);
  if (options.validationLoss != null && typeof options.validationLoss !== 'function') {
    throw new TypeError(`fit: validationLoss must be a function, got ${typeof options.validationLoss}`);
  }
  if (!Array.isArray(options.variables) || options.variables.some((v) => !(v instanceof tf.Variable))) {
    throw new TypeError('fit: variables must be an array of tf.Variable');
  }
  checkData(options.data, 'fit: data');
  if (options.validationData != null) checkData(options.validationData, 'fit: validationData');
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be an integer >= 1, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be an integer >= 1, got ${batchSize}`);
  if (typeof shuffle !== 'boolean') throw new TypeError(`fit: shuffle must be a boolean, got ${typeof shuffle}`);
  if (!Number.isFinite(seed)) throw new Error(`fit: seed must be a finite number, got ${seed}`);
  if (typeof learningRate === 'number' && !(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new Error(`fit: learningRate must be a finite number > 0, got ${learningRate}`);
  }
  if (typeof learningRate !== 'number' && typeof learningRate !== 'function') {
    throw new TypeError(`fit: learningRate must be a number or a function epoch => rate, got ${typeof learningRate}`);
  }
  if (options.optimizer != null && !(options.optimizer instanceof tf.Optimizer)) throw new TypeError('fit: optimizer must be a tf.Optimizer');
  if (options.signal != null && typeof options.signal.aborted !== 'boolean') throw new TypeError('fit: signal must be an AbortSignal');
  return { epochs, batchSize, shuffle, seed, learningRate };
}
