import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from './random-seed';
import { constraints, type Constraint } from './constraints';
import { toFloat, type TensorInput } from './convert';
import { Distribution, type DistributionOptions } from './distribution';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Parameters of {@link Normal}. */
export interface NormalParams {
  /** Mean, any real. */
  loc: TensorInput;
  /** Standard deviation, > 0. */
  scale: TensorInput;
}

/**
 * The normal (Gaussian) distribution N(loc, scale^2), elementwise over the
 * broadcast of `loc` and `scale` (batchShape), with scalar events.
 *
 * ```
 * log p(x) = -((x - loc) / scale)^2 / 2 - log(scale) - log(2 pi) / 2
 * x = loc + scale * eps,   eps ~ N(0, 1)          (rsample)
 * ```
 *
 * @example
 * ```ts
 * const q = new Normal({ loc: [0, 1], scale: [1, 2] });
 * q.logProb([0.5, 0.5]);          // shape [2]
 * q.rsample([10], { seed: 1 });   // shape [10, 2], differentiable in loc and scale
 * ```
 */
export class Normal extends Distribution {
  static override readonly argConstraints = { loc: constraints.real, scale: constraints.positive };
  /** Mean (the tensor you passed, or one made from your numbers). */
  readonly loc: tf.Tensor;
  /** Standard deviation. */
  readonly scale: tf.Tensor;
  /** log(scale), kept when made by `fromLogVar` so log-probs need no log. */
  private logScale: tf.Tensor | null = null;

  constructor(params: NormalParams, options: DistributionOptions = {}) {
    super([], [], options);
    const { loc, scale } = this.paramObject(params, ['loc', 'scale']);
    this.loc = this.param(loc, 'loc');
    this.scale = this.param(scale, 'scale');
    this.setBatchShape({ loc: this.loc, scale: this.scale });
    this.checkParams({ loc: this.loc, scale: this.scale });
  }

  /**
   * N(loc, exp(logVar)): the encoder's output in a VAE. Keeps log(scale) =
   * logVar / 2 so that `logProb` and the KL need no log.
   *
   * @param loc - mean, any shape.
   * @param logVar - log-variance, broadcastable with `loc`.
   * @example
   * ```ts
   * const q = Normal.fromLogVar(mu, logVar); // scale = exp(logVar / 2)
   * ```
   */
  static fromLogVar(loc: TensorInput, logVar: TensorInput, options: DistributionOptions = {}): Normal {
    const [scale, logScale] = tf.tidy(() => {
      if (logVar === undefined) throw new Error('Normal.fromLogVar: parameter logVar is missing');
      const lv = toFloat(logVar, 'logVar', 'Normal.fromLogVar');
      const half = tf.mul(lv, 0.5);
      return [tf.exp(half), half];
    });
    let normal: Normal;
    try {
      normal = new Normal({ loc, scale }, options);
    } catch (error) {
      tf.dispose([scale, logScale]);
      throw error instanceof Error ? new Error(error.message.replace('scale must', 'scale = exp(logVar / 2) must')) : error;
    }
    normal.own(scale);
    normal.logScale = normal.own(logScale);
    return normal;
  }

  override get hasRsample(): boolean {
    return true;
  }

  protected get support(): Constraint {
    return constraints.real;
  }

  /**
   * log(scale) as a new tensor (exact, without a log, when made by `fromLogVar`).
   *
   * @returns tensor of the broadcast shape of the parameters.
   */
  logScaleOf(): tf.Tensor {
    return this.logScale != null ? tf.clone(this.logScale) : tf.log(this.scale);
  }

  /** @internal log(scale) for formulas run inside a tidy: the cache itself when there is one (no copy). */
  logScaleInternal(): tf.Tensor {
    return this.logScaleTensor();
  }

  /** log(scale) for internal formulas: the cache itself when there is one (call inside a tidy). */
  protected logScaleTensor(): tf.Tensor {
    return this.logScale ?? tf.log(this.scale);
  }

  protected override _rsample(shape: number[], seed: number | undefined): tf.Tensor {
    const eps = tf.randomNormal([...shape, ...this.batchShape], 0, 1, 'float32', tfjsSeed(seed));
    return tf.add(this.loc, tf.mul(this.scale, eps));
  }

  protected _logProb(x: tf.Tensor): tf.Tensor {
    const z = tf.div(tf.sub(x, this.loc), this.scale);
    return tf.sub(tf.mul(tf.square(z), -0.5), tf.add(this.logScaleTensor(), HALF_LOG_2PI));
  }

  protected override _cdf(x: tf.Tensor): tf.Tensor {
    const z = tf.div(tf.sub(x, this.loc), tf.mul(this.scale, Math.SQRT2));
    return tf.mul(tf.add(tf.erf(z), 1), 0.5);
  }

  protected _entropy(): tf.Tensor {
    // H = 1/2 + log(2 pi)/2 + log(scale)
    return this.full(tf.add(this.logScaleTensor(), 0.5 + HALF_LOG_2PI));
  }

  protected _mean(): tf.Tensor {
    return this.full(this.loc);
  }

  protected _variance(): tf.Tensor {
    return this.full(tf.square(this.scale));
  }
}
