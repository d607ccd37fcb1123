import * as tf from '@tensorflow/tfjs-core';
import { adam } from './adam';
import { EarlyStopping, validationLogName } from './early-stopping';
import { NonFiniteLossError } from './errors';
import { EpochSteps } from './fit-epoch';
import { epochBatches } from './fit-data';
import type { Batching } from './fit-data';
import { checkFitOptions, setLearningRate } from './fit-options';
import type { CheckedFitOptions } from './fit-options';
import type { FitArgs, History, Logs } from './fit-types';
import { meanLoss, splitLossOutput } from './loss-output';
import { minimize } from './minimize';

/**
 * The training loop of every elbo model: epochs of minibatch steps on
 * {@link minimize}, with seeded shuffling, a learning-rate schedule,
 * validation, callbacks, early stopping (optionally restoring the best
 * weights), a stop signal, and a typed error on a non-finite loss.
 *
 * ```
 * for epoch e:  order = permutation(n, foldIn(seed, e))
 *               for batch b:  theta <- optimizer(theta, grad loss(b))
 *               logs_e = { loss: sum_b n_b loss(b) / n, metrics..., valLoss, ... }
 * ```
 *
 * A non-finite loss or gradient throws a {@link NonFiniteLossError} with
 * `epoch` and `batch` set; that step's update is not applied (an update that
 * itself makes a variable non-finite is undone). Bad options
 * throw before any update (an `earlyStopping.monitor` that only a metric
 * could match is checked on the first batch, before its update). Stays
 * interruptible: `minimize` yields to the event loop every ~20 ms. Leaks no tensors.
 *
 * @param args - the loss, variables and data, and {@link FitOptions}; batches are whatever `loss` takes (a [batch, ...] tensor for tensor data).
 * @returns the {@link History}.
 * @example
 * ```ts
 * const w = tf.variable(tf.zeros([1, 2]));
 * const x = tf.randomNormal([256, 2], 3, 1, 'float32', 0);
 * const history = await fit({ loss: (b) => tf.mean(tf.square(tf.sub(b, w))), variables: [w], data: x, epochs: 3, learningRate: 0.1 });
 * history.history.loss; // 3 falling epoch means
 * ```
 */
export async function fit<B = tf.Tensor>(args: FitArgs<B>): Promise<History> {
  const run = new FitRun(args, checkFitOptions(args));
  try {
    for (let epoch = 0; epoch < run.options.epochs; epoch++) {
      if (!(await run.epoch(epoch))) break;
    }
  } finally {
    run.finish();
  }
  return run.history;
}

/** One call of {@link fit}: what lives across epochs. */
class FitRun<B> {
  readonly history: History = { epoch: [], history: {}, steps: 0, stoppedEarly: false, aborted: false, bestEpoch: null };
  private readonly stopper: EarlyStopping | null;
  private readonly optimizer: tf.Optimizer;
  private readonly batching: Batching;
  private readonly scheduled: boolean;

  constructor(
    private readonly args: FitArgs<B>,
    readonly options: CheckedFitOptions,
  ) {
    this.scheduled = typeof options.learningRate === 'function';
    const context = { validation: args.validationData != null, learningRateLogged: this.scheduled };
    this.stopper = args.earlyStopping == null ? null : new EarlyStopping(args.earlyStopping, context);
    this.batching = { batchSize: options.batchSize, shuffle: options.shuffle, seed: options.seed };
    this.optimizer = args.optimizer ?? adam(this.rate(0));
  }

  /** Trains and evaluates one epoch; false when training should end. */
  async epoch(epoch: number): Promise<boolean> {
    if (this.args.signal?.aborted === true) return !(this.history.aborted = true);
    if (this.scheduled) setLearningRate(this.optimizer, this.rate(epoch), epoch);
    const steps = await this.train(epoch);
    if (this.history.aborted) return false;
    const logs = steps.means();
    if (this.scheduled) logs.learningRate = this.rate(epoch);
    if (this.args.validationData != null && !steps.callbackStop) Object.assign(logs, await this.validate());
    this.history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history.history[k] ??= []).push(v);
    const onEpochEnd = this.args.callbacks?.onEpochEnd;
    const stop =
      steps.callbackStop ||
      (onEpochEnd != null && (await onEpochEnd(epoch, logs)) === false) ||
      (this.stopper?.update(epoch, logs, this.args.variables) ?? false);
    if (stop) this.history.stoppedEarly = true;
    return !stop;
  }

  /** Puts back the best weights when asked, records the best epoch, frees the optimizer fit made. */
  finish(): void {
    if (this.stopper != null) {
      const { stopper } = this;
      this.history.bestEpoch = stopper.bestEpoch >= 0 ? stopper.bestEpoch : null;
      const last = this.history.epoch[this.history.epoch.length - 1];
      stopper.finish(this.args.variables, this.args.earlyStopping?.restoreBestWeights === true && last !== stopper.bestEpoch);
    }
    if (this.args.optimizer == null) this.optimizer.dispose();
  }

  private rate(epoch: number): number {
    const { learningRate } = this.options;
    return typeof learningRate === 'function' ? learningRate(epoch) : learningRate;
  }

  /** The minimize run of one epoch; rethrows a non-finite step with its epoch and batch. */
  private async train(epoch: number): Promise<EpochSteps<B>> {
    const monitorUnchecked = epoch === 0 && this.stopper != null && !this.stopper.monitorConfirmed;
    const onFirst = monitorUnchecked ? (batch: B, names: string[]) => this.stopper!.checkMonitor(this.epochLogNames(batch, names)) : null;
    const steps = new EpochSteps(epochBatches(this.args.data, epoch, this.batching), this.args.loss, this.args.callbacks ?? {}, onFirst);
    const { variables, signal } = this.args;
    try {
      const result = await minimize(steps.loss, {
        variables,
        optimizer: this.optimizer,
        batches: steps.feed,
        onStep: steps.onStep,
        signal,
      });
      this.history.steps += result.steps;
      if (result.aborted) this.history.aborted = true;
      else if (result.steps === 0) throw noBatches(epoch);
      return steps;
    } catch (error) {
      throw error instanceof NonFiniteLossError ? this.located(error, epoch) : error;
    } finally {
      steps.dispose();
    }
  }

  private located(error: NonFiniteLossError, epoch: number): NonFiniteLossError {
    const batch = error.step; // one minimize step per batch, counted from 0 in every epoch
    const message =
      error.kind === 'update'
        ? `fit: the update of epoch ${epoch} (0-based), batch ${batch} made a variable non-finite (its loss and gradient were finite); ` +
          'training stopped and the update was undone: the variables keep the values of the last finite step. Lower the learning rate.'
        : `fit: ${error.kind === 'loss' ? `loss is ${error.value}` : 'a gradient is not finite'} at epoch ${epoch} (0-based), batch ${batch}; ` +
          'training stopped and the variables keep the values of the last finite step. ' +
          'Lower the learning rate, check the data for NaN or values outside the likelihood support.';
    return new NonFiniteLossError(
      message,
      { step: this.history.steps + error.step, kind: error.kind, value: error.value, restored: error.restored, epoch, batch },
      { cause: error },
    );
  }

  private async validate(): Promise<Logs> {
    const val = await meanLoss(this.args.validationLoss ?? this.args.loss, this.args.validationData!, {
      batchSize: this.batching.batchSize,
    });
    return Object.fromEntries(Object.entries(val).map(([k, v]) => [validationLogName(k), v]));
  }

  /** Every log an epoch will hold, from the metric names of a batch (a separate validationLoss runs once on it if the monitor needs it). */
  private epochLogNames(batch: B, metricNames: string[]): string[] {
    const names = ['loss', ...metricNames];
    if (this.scheduled) names.push('learningRate');
    if (this.args.validationData == null) return names;
    let validationMetrics = metricNames;
    const { validationLoss } = this.args;
    if (validationLoss != null && !names.includes(this.stopper!.monitor)) {
      validationMetrics = tf.tidy(() => Object.keys(splitLossOutput(validationLoss(batch), 'fit: validationLoss').metrics));
    }
    return [...names, ...['loss', ...validationMetrics].map(validationLogName)];
  }
}

function noBatches(epoch: number): Error {
  return new Error(
    `fit: the data yielded no batches in epoch ${epoch}` +
      (epoch > 0 ? ' (a one-shot iterator is used up after its first epoch: pass a function returning a fresh iterable per epoch)' : ''),
  );
}
