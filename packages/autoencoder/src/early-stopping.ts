import * as tf from '@tensorflow/tfjs-core';

/**
 * Options of early stopping in {@link fitModel}.
 * @example
 * ```ts
 * await ae.fit(x, { epochs: 100, validationData: xVal, earlyStopping: { patience: 5, restoreBestWeights: true } });
 * ```
 */
export interface EarlyStoppingOptions {
  /** Which epoch log to watch (lower is better). Default `'valLoss'` when there is validation data, else `'loss'`. */
  monitor?: string;
  /** Stop after this many epochs in a row without improvement (as Keras). Default 0: the first such epoch stops. */
  patience?: number;
  /** The smallest decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** When training ends, put back the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

/** Tracks the best epoch of a monitored log and, when asked, a copy of the weights of that epoch. */
export class EarlyStopping {
  readonly monitor: string;
  bestEpoch = -1;
  best = Infinity;
  private wait = 0;
  private snapshot: tf.Tensor[] | null = null;
  private readonly options: Required<Omit<EarlyStoppingOptions, 'monitor'>>;

  constructor(options: EarlyStoppingOptions, defaultMonitor: string) {
    const { patience = 0, minDelta = 0, restoreBestWeights = false } = options;
    if (!Number.isInteger(patience) || patience < 0) throw new Error(`fit: earlyStopping.patience must be an integer >= 0, got ${patience}`);
    if (!(minDelta >= 0)) throw new Error(`fit: earlyStopping.minDelta must be >= 0, got ${minDelta}`);
    this.monitor = options.monitor ?? defaultMonitor;
    this.options = { patience, minDelta, restoreBestWeights };
  }

  /** Records an epoch; returns true when training should stop. */
  update(epoch: number, logs: Record<string, number>, variables: tf.Variable[]): boolean {
    const value = logs[this.monitor];
    if (value == null) {
      throw new Error(`fit: earlyStopping.monitor is "${this.monitor}" but the epoch logs hold ${Object.keys(logs).join(', ')}`);
    }
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

  /** Puts back the best epoch's weights (when restoreBestWeights) and frees the copy. Returns whether it restored. */
  finish(variables: tf.Variable[], restore: boolean): boolean {
    const snap = this.snapshot;
    this.snapshot = null;
    if (snap == null) return false;
    if (restore) variables.forEach((v, i) => v.assign(snap[i]!));
    snap.forEach((t) => t.dispose());
    return restore;
  }
}
