import * as tf from '@tensorflow/tfjs-core';
import type { Constraint } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';

/**
 * Reinterprets the last `reinterpretedBatchNdims` batch axes of `base` as
 * event axes: log-probs and entropies are summed over them. The diagonal
 * Gaussian of a VAE is `new Independent(new Normal({ loc, scale }), 1)`.
 *
 * ```
 * log p(x) = sum over the reinterpreted axes of base.logProb(x)
 * ```
 *
 * Ownership: the Independent takes its base over; `dispose()` disposes it.
 *
 * @example
 * ```ts
 * const q = new Independent(new Normal({ loc: tf.zeros([128, 20]), scale: 1 }), 1);
 * q.batchShape; // [128]
 * q.eventShape; // [20]
 * q.logProb(z);  // shape [128]
 * ```
 */
export class Independent extends Distribution {
  /** The distribution whose batch axes are reinterpreted. */
  readonly base: Distribution;
  /** How many trailing batch axes of `base` became event axes. */
  readonly reinterpretedBatchNdims: number;

  /**
   * @param base - any distribution.
   * @param reinterpretedBatchNdims - trailing batch axes to make event axes; default all of them.
   */
  constructor(base: Distribution, reinterpretedBatchNdims?: number, options: DistributionOptions = {}) {
    if (!(base instanceof Distribution)) {
      throw new TypeError(`Independent: base must be a Distribution, got ${base === null ? 'null' : typeof base}`);
    }
    const n = reinterpretedBatchNdims ?? base.batchShape.length;
    if (!Number.isInteger(n) || n < 0 || n > base.batchShape.length) {
      throw new Error(
        `Independent: reinterpretedBatchNdims must be an integer in [0, ${base.batchShape.length}] (base batchShape [${base.batchShape.join(', ')}]), got ${reinterpretedBatchNdims}`,
      );
    }
    const split = base.batchShape.length - n;
    super(base.batchShape.slice(0, split), [...base.batchShape.slice(split), ...base.eventShape], {
      validateArgs: options.validateArgs ?? base.validateArgs,
    });
    this.base = base;
    this.reinterpretedBatchNdims = n;
  }

  override get hasRsample(): boolean {
    return this.base.hasRsample;
  }

  protected get support(): Constraint {
    return (this.base as unknown as { support: Constraint }).support;
  }

  /** The base checks values in its own logProb / cdf; checking here too would read the device twice. */
  protected override get checksOwnSupport(): boolean {
    return false;
  }

  override dispose(): void {
    this.base.dispose();
    super.dispose();
  }

  /** Sums the last `reinterpretedBatchNdims` axes. */
  private sumReinterpreted(t: tf.Tensor): tf.Tensor {
    if (this.reinterpretedBatchNdims === 0) return t;
    const axes = Array.from({ length: this.reinterpretedBatchNdims }, (_, i) => t.rank - 1 - i);
    return tf.sum(t, axes);
  }

  protected override _sample(shape: number[], seed: number | undefined): tf.Tensor {
    return this.base.sample(shape, { seed });
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    return this.base.rsample(shape, { seed });
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    return this.sumReinterpreted(this.base.logProb(x));
  }

  /** Joint cdf of independent components: the product of the base cdfs over the event axes. */
  protected override _cdf(x: tf.Tensor): tf.Tensor {
    const c = this.base.cdf(x);
    if (this.reinterpretedBatchNdims === 0) return c;
    return tf.prod(
      c,
      Array.from({ length: this.reinterpretedBatchNdims }, (_, i) => c.rank - 1 - i),
    );
  }

  protected _entropy(): tf.Tensor {
    return this.sumReinterpreted(this.base.entropy());
  }

  protected _mean(): tf.Tensor {
    return this.base.mean();
  }

  protected _variance(): tf.Tensor {
    return this.base.variance();
  }
}
