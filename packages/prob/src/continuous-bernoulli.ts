import * as tf from '@tensorflow/tfjs-core';
import { constraints, type Constraint } from './constraints';
import { mask, type TensorInput } from './convert';
import { batchShapeOf, Distribution, type DistributionOptions } from './distribution';
import { logitsFromProbs, oneOf } from './logits';
import { log1p } from './numerics';

/** Parameters of {@link ContinuousBernoulli}: exactly one of `logits` or `probs` (the shape parameter lambda). */
export type ContinuousBernoulliParams = { logits: TensorInput; probs?: undefined } | { probs: TensorInput; logits?: undefined };

// Near lambda = 1/2 the closed forms divide 0 by 0; Taylor expansions take over there (as torch does).
const LOW = 0.499;
const HIGH = 0.501;

/**
 * The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem & Cunningham
 * 2019): the normalized version of the Bernoulli likelihood for pixel
 * intensities in [0, 1].
 *
 * ```
 * p(x) = C(lambda) lambda^x (1 - lambda)^(1 - x),     0 <= x <= 1
 * C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda)     (C(1/2) = 2)
 * log p(x) = -(x softplus(-logits) + (1 - x) softplus(logits)) + log C(lambda)
 * ```
 *
 * `rsample` inverts the cdf, so gradients flow to lambda.
 *
 * @example
 * ```ts
 * const d = new ContinuousBernoulli({ probs: 0.2 });
 * d.logProb([0, 0.5, 1]); // [0.614, -0.079, -0.772]
 * ```
 */
export class ContinuousBernoulli extends Distribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  /** log(lambda / (1 - lambda)). */
  readonly logits: tf.Tensor;
  /** The shape parameter lambda in (0, 1) (derived from logits when those were given). */
  readonly probs: tf.Tensor;

  constructor(params: ContinuousBernoulliParams, options: DistributionOptions = {}) {
    super([], [], options);
    const given = oneOf('ContinuousBernoulli', params);
    if (given === 'logits') {
      this.logits = this.param(params.logits!, 'logits');
      this.checkParams({ logits: this.logits });
      const eps = tf.backend().epsilon();
      this.probs = this.own(tf.tidy(() => tf.clipByValue(tf.sigmoid(this.logits), eps, 1 - eps)));
    } else {
      this.probs = this.param(params.probs!, 'probs');
      this.checkParams({ probs: this.probs });
      this.logits = this.own(logitsFromProbs(this.probs));
    }
    (this as { batchShape: number[] }).batchShape = batchShapeOf('ContinuousBernoulli', this.probs);
  }

  override get hasRsample(): boolean {
    return true;
  }

  protected get support(): Constraint {
    return constraints.unitInterval;
  }

  /** Where lambda is far enough from 1/2 for the closed forms. */
  private outside(): tf.Tensor {
    return mask((p) => tf.logicalOr(tf.lessEqual(p, LOW), tf.greater(p, HIGH)), this.probs);
  }

  /** lambda where the closed forms are used, a harmless 0.499 elsewhere (no 0/0 on either branch). */
  private cutProbs(): tf.Tensor {
    return tf.where(this.outside(), this.probs, tf.fill(this.probs.shape, LOW));
  }

  /** log C(lambda). */
  private logNorm(): tf.Tensor {
    const cut = this.cutProbs();
    const below = mask((c) => tf.lessEqual(c, 0.5), cut);
    const cutBelow = tf.where(below, cut, tf.zerosLike(cut));
    const cutAbove = tf.where(below, tf.onesLike(cut), cut);
    const closed = tf.sub(
      tf.log(tf.abs(tf.sub(log1p(tf.neg(cut)), tf.log(cut)))),
      tf.where(below, log1p(tf.mul(cutBelow, -2)), tf.log(tf.sub(tf.mul(cutAbove, 2), 1))),
    );
    const x = tf.square(tf.sub(this.probs, 0.5));
    const taylor = tf.add(Math.log(2), tf.mul(tf.add(4 / 3, tf.mul(x, 104 / 45)), x));
    return tf.where(this.outside(), closed, taylor);
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    const l = this.logits;
    const bce = tf.add(tf.mul(x, tf.softplus(tf.neg(l))), tf.mul(tf.sub(1, x), tf.softplus(l)));
    return tf.sub(this.logNorm(), bce);
  }

  protected override _cdf(x: tf.Tensor): tf.Tensor {
    const cut = this.cutProbs();
    // (lambda^x (1 - lambda)^(1 - x) + lambda - 1) / (2 lambda - 1)
    const powers = tf.mul(tf.pow(cut, x), tf.pow(tf.sub(1, cut), tf.sub(1, x)));
    const closed = tf.div(tf.add(powers, tf.sub(cut, 1)), tf.sub(tf.mul(cut, 2), 1));
    return tf.clipByValue(tf.where(this.outside(), closed, x), 0, 1);
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    const u = tf.randomUniform([...shape, ...this.batchShape], 0, 1, 'float32', seed);
    const cut = this.cutProbs();
    // icdf(u) = (log1p(-lambda + u (2 lambda - 1)) - log1p(-lambda)) / (log lambda - log1p(-lambda))
    const num = tf.sub(log1p(tf.add(tf.neg(cut), tf.mul(u, tf.sub(tf.mul(cut, 2), 1)))), log1p(tf.neg(cut)));
    const closed = tf.div(num, tf.sub(tf.log(cut), log1p(tf.neg(cut))));
    return tf.where(this.outside(), closed, u);
  }

  protected _mean(): tf.Tensor {
    const cut = this.cutProbs();
    const closed = tf.add(tf.div(cut, tf.sub(tf.mul(cut, 2), 1)), tf.reciprocal(tf.sub(log1p(tf.neg(cut)), tf.log(cut))));
    const x = tf.sub(this.probs, 0.5);
    const taylor = tf.add(0.5, tf.mul(tf.add(1 / 3, tf.mul(tf.square(x), 16 / 45)), x));
    return this.full(tf.where(this.outside(), closed, taylor));
  }

  protected _variance(): tf.Tensor {
    const cut = this.cutProbs();
    const closed = tf.add(
      tf.div(tf.mul(cut, tf.sub(cut, 1)), tf.square(tf.sub(1, tf.mul(cut, 2)))),
      tf.reciprocal(tf.square(tf.sub(log1p(tf.neg(cut)), tf.log(cut)))),
    );
    const x = tf.square(tf.sub(this.probs, 0.5));
    const taylor = tf.sub(1 / 12, tf.mul(tf.sub(1 / 180, tf.mul(x, 31 / 3780)), x));
    return this.full(tf.where(this.outside(), closed, taylor));
  }

  protected _entropy(): tf.Tensor {
    // H = mean (log(1 - lambda) - log lambda) - log C(lambda) - log(1 - lambda)
    const log0 = log1p(tf.neg(this.probs));
    const log1 = tf.log(this.probs);
    return this.full(tf.sub(tf.sub(tf.mul(this._mean(), tf.sub(log0, log1)), this.logNorm()), log0));
  }
}
