import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { checkConstraint, constraints, type Constraint } from './constraints';
import { mask, type TensorInput } from './convert';
import { Distribution, type DistributionOptions } from './distribution';

/** Parameters of {@link Uniform}. */
export interface UniformParams {
  /** Lower end. */
  low: TensorInput;
  /** Upper end, > low. */
  high: TensorInput;
}

/**
 * The continuous uniform distribution on [low, high].
 *
 * ```
 * log p(x) = -log(high - low)  for low <= x <= high,  -Infinity outside
 * x = low + (high - low) u,   u ~ U(0, 1)          (rsample)
 * ```
 *
 * With validation on, `logProb` of a value outside [low, high] throws; with
 * `validateArgs: false` it is -Infinity.
 *
 * @example
 * ```ts
 * const u = new Uniform({ low: -1, high: 3 });
 * u.cdf([0, 2.5]); // [0.25, 0.875]
 * ```
 */
export class Uniform extends Distribution {
  static override readonly argConstraints = { low: constraints.real, high: constraints.real };
  /** Lower end. */
  readonly low: tf.Tensor;
  /** Upper end. */
  readonly high: tf.Tensor;

  constructor(params: UniformParams, options: DistributionOptions = {}) {
    super([], [], options);
    const { low, high } = this.paramObject(params, ['low', 'high']);
    this.low = this.param(low, 'low');
    this.high = this.param(high, 'high');
    this.setBatchShape({ low: this.low, high: this.high });
    this.checkParams({ low: this.low, high: this.high });
    if (this.validateArgs) {
      try {
        const width = tf.tidy(() => tf.sub(this.high, this.low));
        try {
          checkConstraint('Uniform', 'high - low', width, constraints.positive);
        } finally {
          width.dispose();
        }
      } catch (error) {
        this.dispose();
        throw error;
      }
    }
  }

  override get hasRsample(): boolean {
    return true;
  }

  protected get support(): Constraint {
    return constraints.interval(this.low, this.high, 'in [low, high]');
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    const u = tf.randomUniform([...shape, ...this.batchShape], 0, 1, 'float32', tfjsSeed(seed));
    return tf.add(this.low, tf.mul(tf.sub(this.high, this.low), u));
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    const inside = mask((v, lo, hi) => tf.logicalAnd(tf.greaterEqual(v, lo), tf.lessEqual(v, hi)), x, this.low, this.high);
    const lp = tf.neg(tf.log(tf.sub(this.high, this.low)));
    return tf.where(inside, lp, tf.scalar(-Infinity));
  }

  protected override _cdf(x: tf.Tensor): tf.Tensor {
    return tf.clipByValue(tf.div(tf.sub(x, this.low), tf.sub(this.high, this.low)), 0, 1);
  }

  protected _entropy(): tf.Tensor {
    return this.full(tf.log(tf.sub(this.high, this.low)));
  }

  protected _mean(): tf.Tensor {
    return this.full(tf.mul(tf.add(this.low, this.high), 0.5));
  }

  protected _variance(): tf.Tensor {
    return this.full(tf.div(tf.square(tf.sub(this.high, this.low)), 12));
  }
}
