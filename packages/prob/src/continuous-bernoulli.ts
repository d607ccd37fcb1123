import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { constraints, type Constraint } from './constraints';
import { cbCdf, cbEntropy, cbIcdf, cbLogNorm, cbMean, cbVariance } from './continuous-bernoulli-math';
import { Distribution, type DistributionOptions } from './distribution';
import { bernoulliLogLikelihood, type LogitsOrProbs } from './logits';

/** Parameters of {@link ContinuousBernoulli}: exactly one of `logits` or `probs` (the shape parameter lambda). */
export type ContinuousBernoulliParams = LogitsOrProbs;

/**
 * The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem & Cunningham
 * 2019): the normalized version of the Bernoulli likelihood for pixel
 * intensities in [0, 1].
 *
 * ```
 * p(x) = C(lambda) lambda^x (1 - lambda)^(1 - x),     0 <= x <= 1
 * C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda)     (C(1/2) = 2)
 *           = l / tanh(l / 2)                           (l = logits; 1 - 2 lambda = -tanh(l/2))
 * log C     = log(|l| / -expm1(-|l|)) + softplus(-|l|)    (log 2 + l^2/12 - ... near l = 0)
 * log p(x) = x l - softplus(l) + log C
 * ```
 *
 * Every method works from the logits, so log C, the moments, the entropy,
 * the cdf and sampling stay accurate for any finite logit (decoders reach
 * |logits| of 40 and more, where lambda itself rounds to 0 or 1).
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
  /**
   * The shape parameter lambda in [0, 1]: sigmoid(logits) when logits were given (it rounds to 0 or 1
   * in float32 from logits ~ 17, and to 0 far below -17; every method computes from `logits`).
   */
  readonly probs: tf.Tensor;

  constructor(params: ContinuousBernoulliParams, options: DistributionOptions = {}) {
    super([], [], options);
    ({ logits: this.logits, probs: this.probs } = this.logitsAndProbs(params));
    this.setBatchShape({ probs: this.probs });
  }

  override get hasRsample(): boolean {
    return true;
  }

  protected get support(): Constraint {
    return constraints.unitInterval;
  }

  /** log C(lambda), from the logits (exact for every finite logit). */
  private logNorm(): tf.Tensor {
    return cbLogNorm(this.logits);
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    return tf.add(bernoulliLogLikelihood(x, this.logits), this.logNorm());
  }

  protected override _cdf(x: tf.Tensor): tf.Tensor {
    return cbCdf(this.logits, x);
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    const u = tf.randomUniform([...shape, ...this.batchShape], 0, 1, 'float32', tfjsSeed(seed));
    return cbIcdf(this.logits, u);
  }

  protected _mean(): tf.Tensor {
    return this.full(cbMean(this.logits));
  }

  protected _variance(): tf.Tensor {
    return this.full(cbVariance(this.logits));
  }

  protected _entropy(): tf.Tensor {
    return this.full(cbEntropy(this.logits));
  }
}
