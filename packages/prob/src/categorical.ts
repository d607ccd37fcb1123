import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { constraints, type Constraint } from './constraints';
import { mask } from './convert';
import { Distribution, type DistributionOptions } from './distribution';
import { logSumExp } from './numerics';
import { oneOf, type LogitsOrProbs } from './logits';

/** Parameters of {@link Categorical}: exactly one of `logits` or `probs`, categories on the last axis. */
export type CategoricalParams = LogitsOrProbs;

/**
 * The categorical distribution over {0, ..., K-1}, K the size of the last
 * axis of `logits` or `probs`; the other axes are the batch.
 *
 * ```
 * log p(k) = logits_k - logSumExp(logits)        probs = softmax(logits)
 * sample: argmax_k (logits_k + Gumbel noise)      (the Gumbel-max trick)
 * ```
 *
 * `mean` and `variance` are NaN, as in torch: categories are labels, not numbers.
 *
 * @example
 * ```ts
 * const c = new Categorical({ probs: [0.2, 0.3, 0.5] });
 * c.logProb([0, 2]);             // [log 0.2, log 0.5]
 * c.sample([10], { seed: 1 });   // shape [10], values in {0, 1, 2}
 * ```
 */
export class Categorical extends Distribution {
  static override readonly argConstraints = { probs: constraints.simplex, logits: constraints.real };
  /** Normalized log-probabilities (logits - logSumExp(logits)), shape batchShape + [K]. */
  readonly logits: tf.Tensor;
  /** Probabilities, shape batchShape + [K]. */
  readonly probs: tf.Tensor;
  /** Number of categories K. */
  readonly numCategories: number;

  constructor(params: CategoricalParams, options: DistributionOptions = {}) {
    super([], [], options);
    const given = oneOf('Categorical', params);
    const raw = this.param(given === 'logits' ? params.logits! : params.probs!, given);
    if (raw.rank < 1) {
      this.dispose();
      throw new Error(`Categorical: ${given} must have at least one axis (the categories), got a scalar`);
    }
    if (raw.shape[raw.rank - 1] === 0) {
      const shape = `[${raw.shape.join(', ')}]`;
      this.dispose();
      throw new Error(`Categorical: ${given} must hold at least one category on its last axis, got shape ${shape}`);
    }
    this.checkParams({ [given]: raw });
    if (given === 'logits') {
      this.logits = this.own(tf.tidy(() => tf.sub(raw, logSumExp(raw, -1, true))));
      this.probs = this.own(tf.exp(this.logits));
    } else {
      this.probs = raw;
      this.logits = this.own(tf.tidy(() => tf.log(tf.div(raw, tf.sum(raw, -1, true)))));
    }
    this.numCategories = raw.shape[raw.rank - 1]!;
    (this as { batchShape: number[] }).batchShape = raw.shape.slice(0, -1);
  }

  protected get support(): Constraint {
    return constraints.integerInterval(0, this.numCategories - 1);
  }

  protected override _sample(shape: number[], seed: number | undefined): tf.Tensor {
    const u = tf.randomUniform([...shape, ...this.batchShape, this.numCategories], 0, 1, 'float32', tfjsSeed(seed));
    // Gumbel noise -log(-log u), with u kept away from 0 so the noise stays finite.
    const tiny = tf.backend().epsilon();
    const gumbel = tf.neg(tf.log(tf.neg(tf.log(tf.maximum(u, tiny)))));
    return tf.cast(tf.argMax(tf.add(this.logits, gumbel), -1), 'float32');
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, this.batchShape);
    const k = tf.range(0, this.numCategories, 1, 'float32');
    const hit = mask((v) => tf.equal(tf.expandDims(v, -1), k), tf.broadcastTo(x, shape));
    const logits = tf.broadcastTo(this.logits, [...shape, this.numCategories]);
    // where, not a product with a one-hot: logits of -Infinity (probs 0) must not make NaN.
    return tf.sum(tf.where(hit, logits, tf.zerosLike(logits)), -1);
  }

  protected _entropy(): tf.Tensor {
    // H = -sum_k p_k log p_k, with 0 log 0 = 0
    const terms = tf.mul(this.probs, this.logits);
    return tf.neg(
      tf.sum(
        tf.where(
          mask((p) => tf.greater(p, 0), this.probs),
          terms,
          tf.zerosLike(terms),
        ),
        -1,
      ),
    );
  }

  protected _mean(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }

  protected _variance(): tf.Tensor {
    return tf.fill(this.batchShape, NaN);
  }
}
