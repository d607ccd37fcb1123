// The decoder's output distribution p(x|z): Bernoulli, Gaussian, continuous Bernoulli.
import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli, ContinuousBernoulli, continuousBernoulliIcdf, continuousBernoulliLogNormalizer, continuousBernoulliMean, Independent, Normal, tfjsSeed } from '@elbo/prob';

/** Which p(x|z) the decoder parameterizes. */
export type LikelihoodName = 'bernoulli' | 'gaussian' | 'continuous-bernoulli';

/** Options of the Gaussian likelihood: a fixed `sigma`, or a learned one starting at `sigma`. */
export interface GaussianLikelihoodOptions {
  /** Standard deviation (initial value when learned). Default 1. */
  sigma?: number;
  /** Learn one shared log-sigma (isotropic noise, as probabilistic PCA). Default false. */
  learnSigma?: boolean;
}

/** The likelihood spec a VAE accepts: a name, or `{ name: 'gaussian', sigma, learnSigma }`. */
export type LikelihoodSpec = LikelihoodName | ({ name: 'gaussian' } & GaussianLikelihoodOptions);

/** Serializable form of a likelihood (the learned sigma's current value included). */
export interface LikelihoodConfig {
  name: LikelihoodName;
  sigma?: number;
  learnSigma?: boolean;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
let likelihoodCounter = 0;

/**
 * p(x|z) given the decoder's raw output `out` (logits for the Bernoulli kinds,
 * the mean for the Gaussian). Event axis: the last; logProb sums over it.
 */
export class Likelihood {
  readonly name: LikelihoodName;
  /** log sigma of the Gaussian (a variable when learned), else null. */
  readonly logSigma: tf.Variable | null;
  private readonly fixedSigma: number;

  constructor(spec: LikelihoodSpec = 'bernoulli') {
    const s = typeof spec === 'string' ? { name: spec } : spec;
    if (s == null || (s.name !== 'bernoulli' && s.name !== 'gaussian' && s.name !== 'continuous-bernoulli')) {
      throw new Error(`VAE: likelihood must be 'bernoulli', 'gaussian' or 'continuous-bernoulli', got ${JSON.stringify(spec)}`);
    }
    this.name = s.name;
    const g = s as GaussianLikelihoodOptions;
    const sigma = g.sigma ?? 1;
    if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`VAE: likelihood sigma must be > 0, got ${sigma}`);
    this.fixedSigma = sigma;
    let logSigma: tf.Variable | null = null;
    if (s.name === 'gaussian' && g.learnSigma === true) {
      const init = tf.scalar(Math.log(sigma));
      logSigma = tf.variable(init, true, `vae_log_sigma_${likelihoodCounter++}`);
      init.dispose();
    }
    this.logSigma = logSigma;
  }

  /** Variables the likelihood itself trains (the learned log-sigma), else none. */
  get trainableVariables(): tf.Variable[] {
    return this.logSigma == null ? [] : [this.logSigma];
  }

  /** Current sigma of the Gaussian likelihood (undefined for the Bernoulli kinds). */
  sigma(): number | undefined {
    if (this.name !== 'gaussian') return undefined;
    return this.logSigma == null ? this.fixedSigma : Math.exp(this.logSigma.dataSync()[0]!);
  }

  /**
   * log p(x | out), summed over the last axis.
   *
   * ```
   * bernoulli:             x l - softplus(l)
   * gaussian:              -1/2 ((x - m) / sigma)^2 - log sigma - 1/2 log 2 pi
   * continuous-bernoulli:  x l - softplus(l) + log C(l),   C(l) = l / tanh(l / 2)
   * ```
   *
   * @param x - data, shape [..., D] (broadcastable to `out`).
   * @param out - decoder output, shape [..., D].
   * @returns shape [...].
   */
  logProb(x: tf.Tensor, out: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.name === 'gaussian') {
        const logSigma = this.logSigma ?? tf.scalar(Math.log(this.fixedSigma));
        const z = tf.mul(tf.sub(x, out), tf.exp(tf.neg(logSigma)));
        const perPixel = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(logSigma, HALF_LOG_2PI));
        return tf.sum(perPixel, -1);
      }
      const bern = tf.sub(tf.mul(x, out), tf.softplus(out));
      const perPixel = this.name === 'bernoulli' ? bern : tf.add(bern, continuousBernoulliLogNormalizer(out));
      return tf.sum(perPixel, -1);
    });
  }

  /** The mean of p(x | out), same shape as `out`. */
  mean(out: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.name === 'gaussian') return tf.clone(out);
      if (this.name === 'bernoulli') return tf.sigmoid(out);
      return continuousBernoulliMean(out);
    });
  }

  /** One draw from p(x | out), same shape as `out` (no gradient). */
  sample(out: tf.Tensor, seed?: number): tf.Tensor {
    return tf.tidy(() => {
      if (this.name === 'gaussian') {
        return tf.add(out, tf.mul(this.sigma()!, tf.randomNormal(out.shape, 0, 1, 'float32', tfjsSeed(seed))));
      }
      const u = tf.randomUniform(out.shape, 0, 1, 'float32', tfjsSeed(seed));
      if (this.name === 'bernoulli') return tf.cast(tf.less(u, tf.sigmoid(out)), 'float32');
      return continuousBernoulliIcdf(out, u);
    });
  }

  /**
   * p(x | out) as a distribution of @elbo/prob, the pixels as one event:
   * `Independent(Bernoulli({ logits }))`, `Independent(ContinuousBernoulli({ logits }))`
   * or `Independent(Normal({ loc, scale: sigma }))`. `out` stays yours; dispose the distribution.
   * @param out - decoder output, [..., D].
   */
  distribution(out: tf.Tensor): Independent {
    if (this.name === 'bernoulli') return new Independent(new Bernoulli({ logits: out }), 1);
    if (this.name === 'continuous-bernoulli') return new Independent(new ContinuousBernoulli({ logits: out }), 1);
    return new Independent(new Normal({ loc: out, scale: this.sigma()! }), 1);
  }

  /** Serializable form, with the learned sigma's current value. */
  getConfig(): LikelihoodConfig {
    if (this.name !== 'gaussian') return { name: this.name };
    return { name: 'gaussian', sigma: this.sigma()!, learnSigma: this.logSigma != null };
  }

  /** Frees the learned sigma, if any. */
  dispose(): void {
    this.logSigma?.dispose();
  }
}
