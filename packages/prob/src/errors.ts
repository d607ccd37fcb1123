/**
 * The error of a training step whose loss or gradient is not finite: thrown
 * by `minimize` (and rethrown by `fit` with `epoch` and `batch` filled in), so
 * callers branch on fields instead of parsing the message.
 * @example
 * ```ts
 * try { await fit({ loss, variables, data }); } catch (e) {
 *   if (e instanceof NonFiniteLossError && e.kind === 'loss') console.log(e.step, e.epoch, e.batch, e.value);
 * }
 * ```
 */
export class NonFiniteLossError extends Error {
  /** The 0-based global step whose loss or gradient was not finite (its update was not applied), or whose update was (undone). */
  readonly step: number;
  /** `'loss'` for a non-finite loss, `'gradient'` for a non-finite gradient, `'update'` for an update that made a variable non-finite. */
  readonly kind: 'loss' | 'gradient' | 'update';
  /** The loss value (NaN or ±Infinity) when `kind` is `'loss'`, else undefined. */
  readonly value: number | undefined;
  /** True when the variables were restored to an earlier snapshot (after a bad update, or with `lossEvery` > 1). */
  readonly restored: boolean;
  /** The 0-based epoch, when `fit` ran the step. */
  readonly epoch: number | undefined;
  /** The 0-based batch within its epoch, when `fit` ran the step. */
  readonly batch: number | undefined;

  constructor(
    message: string,
    fields: { step: number; kind: 'loss' | 'gradient' | 'update'; value?: number; restored: boolean; epoch?: number; batch?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NonFiniteLossError';
    this.step = fields.step;
    this.kind = fields.kind;
    this.value = fields.value;
    this.restored = fields.restored;
    this.epoch = fields.epoch;
    this.batch = fields.batch;
  }
}
