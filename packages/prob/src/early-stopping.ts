import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './convert';
import { checkKnownKeys } from './known-keys';

/**
 * Options of early stopping in `fit`.
 * @example
 * ```ts
 * const earlyStopping: EarlyStoppingOptions = { patience: 5, restoreBestWeights: true }; // watches valLoss with validationData
 * ```
 */
export interface EarlyStoppingOptions {
  /**
   * Which epoch log to watch (lower is better): `'loss'`, a metric, or with validation data `'valLoss'` / `'val<Metric>'`.
   * Default `'valLoss'` when there is validation data, else `'loss'`. A name the logs cannot hold throws before the first update.
   */
  monitor?: string;
  /** Stop after this many epochs in a row without improvement (as Keras). Default 0: the first such epoch stops. */
  patience?: number;
  /** The smallest decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** When training ends, put back the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_KEYS = ['monitor', 'patience', 'minDelta', 'restoreBestWeights'] as const;

/** What the loop knows before it starts about the logs each epoch will hold. */
export interface EpochLogsContext {
  /** Validation data was given, so the logs get `valLoss` and `val<Metric>`. */
  validation: boolean;
  /** The learning rate is a schedule, so the logs get `learningRate`. */
  learningRateLogged: boolean;
}

/** The log name of a value computed on the validation data: `loss` -> `valLoss`, `kl` -> `valKl`. */
export function validationLogName(name: string): string {
  return `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** Tracks the best epoch of a monitored log and, when asked, a copy of the weights of that epoch. */
export class EarlyStopping {
  readonly monitor: string;
  /** True when the monitor is sure to be in the logs; false while it can only be a metric, known once the loss has run (see {@link EarlyStopping.checkMonitor}). */
  readonly monitorConfirmed: boolean;
  bestEpoch = -1;
  best = Infinity;
  private wait = 0;
  private snapshot: tf.Tensor[] | null = null;
  private readonly options: Required<Omit<EarlyStoppingOptions, 'monitor'>>;

  /** Checks the options and whatever the monitor can be judged on before training; throws naming the option. */
  constructor(options: EarlyStoppingOptions, context: EpochLogsContext) {
    checkKnownKeys(options, EARLY_STOPPING_KEYS, 'fit: earlyStopping');
    const { patience = 0, minDelta = 0, restoreBestWeights = false } = options;
    if (!Number.isInteger(patience) || patience < 0)
      throw new Error(`fit: earlyStopping.patience must be an integer >= 0, got ${describeValue(patience)}`);
    if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
      throw new Error(`fit: earlyStopping.minDelta must be a finite number >= 0, got ${describeValue(minDelta)}`);
    }
    if (typeof restoreBestWeights !== 'boolean')
      throw new TypeError(`fit: earlyStopping.restoreBestWeights must be a boolean, got ${describeValue(restoreBestWeights)}`);
    const monitor: unknown = options.monitor ?? (context.validation ? 'valLoss' : 'loss');
    if (typeof monitor !== 'string' || monitor === '') {
      throw new TypeError(
        `fit: earlyStopping.monitor must be a non-empty string, got ${monitor === '' ? 'an empty string' : describeValue(monitor)}`,
      );
    }
    // val<Name> logs come only from validation data; without it such a monitor could never be read.
    if (!context.validation && /^val[A-Z]/.test(monitor)) {
      throw new Error(
        `fit: earlyStopping.monitor must be 'loss' or a metric when there is no validationData (val<Name> logs come from it), got "${monitor}"`,
      );
    }
    this.monitor = monitor;
    this.monitorConfirmed =
      monitor === 'loss' || (context.validation && monitor === 'valLoss') || (context.learningRateLogged && monitor === 'learningRate');
    this.options = { patience, minDelta, restoreBestWeights };
  }

  /** Throws unless the monitor is among `logNames`, every log an epoch will hold. */
  checkMonitor(logNames: readonly string[]): void {
    if (!logNames.includes(this.monitor)) {
      throw new Error(`fit: earlyStopping.monitor must be one of the epoch logs ${logNames.join(', ')}, got "${this.monitor}"`);
    }
  }

  /** Records an epoch; returns true when training should stop. */
  update(epoch: number, logs: Record<string, number>, variables: tf.Variable[]): boolean {
    const value = logs[this.monitor];
    if (value == null)
      throw new Error(`fit: earlyStopping.monitor is "${this.monitor}" but the epoch logs hold ${Object.keys(logs).join(', ')}`);
    if (value < this.best - this.options.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.options.restoreBestWeights) {
        this.snapshot?.forEach((t) => t.dispose());
        this.snapshot = variables.map((v) => tf.clone(v));
      }
      return false;
    }
    this.wait += 1;
    return this.wait >= this.options.patience;
  }

  /** Puts back the best epoch's weights (when `restore`) and frees the copy. Returns whether it restored. */
  finish(variables: tf.Variable[], restore: boolean): boolean {
    const snap = this.snapshot;
    this.snapshot = null;
    if (snap == null) return false;
    if (restore) variables.forEach((v, i) => v.assign(snap[i]!));
    snap.forEach((t) => t.dispose());
    return restore;
  }
}
