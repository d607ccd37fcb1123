import * as tf from '@tensorflow/tfjs-core';
import { BatchFeed, batchWeight } from './fit-data';
import type { EpochBatches } from './fit-data';
import type { FitCallbacks, Logs } from './fit-types';
import { splitLossOutput } from './loss-output';
import type { BatchLoss } from './loss-output';
import type { StepInfo } from './minimize';

/**
 * The work of one training epoch: feeds the batches to `minimize`, keeps each
 * batch's metrics until its step is read, and sums the example-weighted logs.
 * `loss` and `onStep` are what `minimize` calls.
 */
export class EpochSteps<B> {
  readonly feed: BatchFeed<B>;
  /** True once onBatchEnd returned false. */
  callbackStop = false;
  private kept: Record<string, tf.Tensor> = {};
  private readonly sums: Record<string, number> = {};
  private count = 0;

  /**
   * @param batchLoss - the user's loss.
   * @param callbacks - the user's callbacks.
   * @param onFirstMetrics - called with the first batch and its metric names, before that batch's update (to check a metric monitor).
   */
  constructor(
    batches: EpochBatches<B>,
    private readonly batchLoss: BatchLoss<B>,
    private readonly callbacks: FitCallbacks,
    private onFirstMetrics: ((batch: B, names: string[]) => void) | null,
  ) {
    this.feed = new BatchFeed(batches);
  }

  /** The scalar loss of a batch; its metrics are kept for {@link EpochSteps.onStep}. */
  readonly loss = (batch: B): tf.Tensor => {
    const { loss, metrics } = splitLossOutput(this.batchLoss(batch), 'fit');
    const check = this.onFirstMetrics;
    this.onFirstMetrics = null;
    check?.(batch, Object.keys(metrics)); // throws before this step's update
    this.kept = Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, tf.keep(tf.reshape(m, []))]));
    return loss;
  };

  /** After each applied step: reads the metrics, adds the batch to the sums, runs onBatchEnd; false stops. */
  readonly onStep = async ({ loss }: StepInfo): Promise<boolean> => {
    const logs: Logs = { loss, ...(await this.readKept()) };
    const weight = batchWeight(this.feed.current);
    for (const [name, v] of Object.entries(logs)) this.sums[name] = (this.sums[name] ?? 0) + weight * v;
    this.count += weight;
    const onBatchEnd = this.callbacks.onBatchEnd;
    if (onBatchEnd != null && (await onBatchEnd(this.feed.index, logs)) === false) this.callbackStop = true;
    return !this.callbackStop;
  };

  /** The epoch's example-weighted means of every batch log. */
  means(): Logs {
    return Object.fromEntries(Object.entries(this.sums).map(([k, v]) => [k, v / this.count]));
  }

  /** Frees metrics not yet read (after an error). */
  dispose(): void {
    tf.dispose(Object.values(this.kept));
    this.kept = {};
  }

  private async readKept(): Promise<Logs> {
    const names = Object.keys(this.kept);
    if (names.length === 0) return {};
    const packed = tf.stack(Object.values(this.kept));
    this.dispose();
    const values = await packed.data();
    packed.dispose();
    return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
  }
}
