import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { constraints, type Constraint } from './constraints';
import { mask, type TensorInput } from './convert';
import { Distribution, type DistributionOptions } from './distribution';
import { log1p } from './numerics';

/** Parameters of {@link Laplace}. */
export interface LaplaceParams {
  /** Location (median), any real. */
  loc: TensorInput;
  /** Scale b, > 0. */
  scale: TensorInput;
}

/**
 * The Laplace (double exponential) distribution: sharper peak, heavier tails than the normal.
 *
 * ```
 * log p(x) = -log(2 b) - |x - loc| / b
 * cdf(x)   = exp(-|x - loc| / b) / 2  for x < loc,   1 - exp(-|x - loc| / b) / 2  otherwise
 * x = loc - b sign(u) log1p(-|u|),   u ~ U(-1, 1)        (rsample)
 * ```
 *
 * @example
 * ```ts
 * const d = new Laplace({ loc: 0, scale: 1 });
 * d.logProb([0]); // [-log 2]
 * ```
 */
export class Laplace extends Distribution {
  static override readonly argConstraints = { loc: constraints.real, scale: constraints.positive };
  /** Location. */
  readonly loc: tf.Tensor;
  /** Scale b. */
  readonly scale: tf.Tensor;

  constructor(params: LaplaceParams, options: DistributionOptions = {}) {
    super([], [], options);
    const { loc, scale } = this.paramObject(params, ['loc', 'scale']);
    this.loc = this.param(loc, 'loc');
    this.scale = this.param(scale, 'scale');
    this.setBatchShape({ loc: this.loc, scale: this.scale });
    this.checkParams({ loc: this.loc, scale: this.scale });
  }

  override get hasRsample(): boolean {
    return true;
  }

  protected get support(): Constraint {
    return constraints.real;
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    // u in (-1, 1): the open lower end keeps log1p(-|u|) finite.
    const lowest = -1 + tf.backend().epsilon();
    const u = tf.randomUniform([...shape, ...this.batchShape], lowest, 1, 'float32', tfjsSeed(seed));
    return tf.sub(this.loc, tf.mul(tf.mul(this.scale, tf.sign(u)), log1p(tf.neg(tf.abs(u)))));
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    return tf.sub(tf.neg(tf.log(tf.mul(this.scale, 2))), tf.div(tf.abs(tf.sub(x, this.loc)), this.scale));
  }

  protected override _cdf(x: tf.Tensor): tf.Tensor {
    // Each tail from its own side, so neither subtracts nearly equal numbers.
    const d = tf.sub(x, this.loc);
    const tail = tf.mul(tf.exp(tf.neg(tf.div(tf.abs(d), this.scale))), 0.5);
    return tf.where(
      mask((v) => tf.less(v, 0), d),
      tail,
      tf.sub(1, tail),
    );
  }

  protected _entropy(): tf.Tensor {
    return this.full(tf.add(tf.log(tf.mul(this.scale, 2)), 1));
  }

  protected _mean(): tf.Tensor {
    return this.full(this.loc);
  }

  protected _variance(): tf.Tensor {
    return this.full(tf.mul(tf.square(this.scale), 2));
  }
}
