import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { constraints, type Constraint } from './constraints';
import { Distribution, type DistributionOptions } from './distribution';
import { bernoulliLogLikelihood, type LogitsOrProbs } from './logits';

/** Parameters of {@link Bernoulli}: exactly one of `logits` or `probs`. */
export type BernoulliParams = LogitsOrProbs;

/**
 * The Bernoulli distribution over {0, 1} with P(1) = probs = sigmoid(logits),
 * elementwise. `logProb` accepts any value in [0, 1]: for fractional values
 * it is minus the binary cross-entropy (the reconstruction term of an
 * autoencoder on grey levels), which is not a normalized density; use
 * {@link ContinuousBernoulli} for one.
 *
 * ```
 * log p(x) = x log(p) + (1 - x) log(1 - p)
 *          = -(softplus(l) - x l)                         (l = logits; one softplus)
 *          = x l - relu(l) - softplus(-|l|)                (as computed: exact at |l| >> 1)
 * ```
 *
 * @example
 * ```ts
 * const b = new Bernoulli({ logits: [-100, 0, 100] });
 * b.logProb([0, 1, 1]); // [-0, -0.693, -0], finite
 * b.sample([4], { seed: 7 }); // shape [4, 3], values 0 or 1
 * ```
 */
export class Bernoulli extends Distribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  /** log(p / (1 - p)); derived from `probs` (clamped to [eps, 1 - eps]) when those were given. */
  readonly logits: tf.Tensor;
  /** P(X = 1); derived as sigmoid(logits) when logits were given. */
  readonly probs: tf.Tensor;

  constructor(params: BernoulliParams, options: DistributionOptions = {}) {
    super([], [], options);
    ({ logits: this.logits, probs: this.probs } = this.logitsAndProbs(params));
    this.setBatchShape({ logits: this.logits });
  }

  protected get support(): Constraint {
    return constraints.unitInterval;
  }

  protected override _sample(shape: number[], seed: number | undefined): tf.Tensor {
    const u = tf.randomUniform([...shape, ...this.batchShape], 0, 1, 'float32', tfjsSeed(seed));
    return tf.cast(tf.less(u, this.probs), 'float32');
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    return bernoulliLogLikelihood(x, this.logits);
  }

  protected _entropy(): tf.Tensor {
    // H = p softplus(-logits) + (1 - p) softplus(logits), with 1 - p = sigmoid(-logits)
    // so that it stays accurate where p rounds to 1.
    const l = this.logits;
    const nl = tf.neg(l);
    return this.full(tf.add(tf.mul(tf.sigmoid(l), tf.softplus(nl)), tf.mul(tf.sigmoid(nl), tf.softplus(l))));
  }

  protected _mean(): tf.Tensor {
    return this.full(this.probs);
  }

  protected _variance(): tf.Tensor {
    // p (1 - p) = sigmoid(l) sigmoid(-l): keeps 1 - p accurate when p rounds to 1.
    return this.full(tf.mul(tf.sigmoid(this.logits), tf.sigmoid(tf.neg(this.logits))));
  }
}
