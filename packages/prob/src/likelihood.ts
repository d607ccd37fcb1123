import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli } from './bernoulli';
import { checkConstraint, constraints } from './constraints';
import type { Constraint } from './constraints';
import { ContinuousBernoulli } from './continuous-bernoulli';
import { cbIcdf, cbLogNorm, cbMean } from './continuous-bernoulli-math';
import { describeValue, toFloat, toFloatTensor } from './convert';
import type { TensorInput } from './convert';
import { Independent } from './independent';
import { parseSpec } from './likelihood-config';
import type { LikelihoodConfig, LikelihoodName, LikelihoodOptions, LikelihoodSpec } from './likelihood-config';
import { bernoulliEventLogLikelihood } from './logits';
import { Normal } from './normal';
import { tfjsSeed } from './random-seed';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Throws unless `out` is a live tensor: the decoder output every method reads (no copy on the hot path). */
function checkOut(out: unknown, caller: string): asserts out is tf.Tensor {
  if (!(out instanceof tf.Tensor) || out.isDisposed)
    throw new TypeError(`${caller}: out must be a tensor (the decoder output), got ${describeValue(out)}`);
}
let logSigmaCounter = 0;

/**
 * Finite numbers: the Gaussian's support. The fast test is a finite sum (a
 * sum that overflows sends the data to the elementwise check).
 */
const finite: Constraint = { name: 'finite', check: (x) => tf.isFinite(x), holds: (x) => tf.isFinite(tf.sum(x)) };
/**
 * [0, 1], which excludes NaN and the infinities: the Bernoulli kinds'
 * support. The fast test (min, max and a sum: 9 ms on 8000 digits against
 * 89 for the elementwise check on wasm) adds a NaN test to the range's, as
 * a min or max may skip NaN.
 */
const unitInterval: Constraint = {
  name: constraints.unitInterval.name,
  check: constraints.unitInterval.check,
  holds: (x) => tf.logicalAnd(constraints.unitInterval.holds!(x), tf.logicalNot(tf.isNaN(tf.sum(x)))),
};

/**
 * The decoder likelihood p(x | out) of every elbo model, one class for the
 * three kinds: `out` is the decoder's raw output (logits for the Bernoulli
 * kinds, the mean for the Gaussian), and the last `eventRank` axes form one
 * event, so `logProb` is one number per example for [n, D] and [K, n, D]
 * alike (eventRank 3 for [n, h, w, c] images).
 *
 * ```
 * bernoulli:             log p = sum x l - softplus(l)                       (stable logits form)
 * continuous-bernoulli:  log p = sum x l - softplus(l) + log C(l),   C(l) = l / tanh(l/2)
 * gaussian:              log p = -1/2 sum ((x - m) / sigma)^2 - D (log sigma + 1/2 log 2 pi)
 * ```
 * @example
 * ```ts
 * const lik = new Likelihood('bernoulli');
 * const logp = lik.logProb(tf.tensor2d([[0, 1]]), tf.tensor2d([[-100, 100]])); // [~0]: finite at extreme logits
 * ```
 */
export class Likelihood {
  readonly name: LikelihoodName;
  /** How many trailing axes form one event. */
  readonly eventRank: number;
  /** log sigma of the Gaussian when learned (a variable), else null. */
  readonly logSigma: tf.Variable | null;
  private readonly fixedSigma: number;

  /**
   * @param spec - a {@link LikelihoodSpec}; default `'bernoulli'`.
   * @param options - `eventRank` (default 1).
   * @throws naming the field, the expectation and what came, before any tensor is made.
   */
  constructor(spec: LikelihoodSpec = 'bernoulli', options: LikelihoodOptions = {}) {
    const s = parseSpec(spec, options, 'Likelihood');
    this.name = s.name;
    this.eventRank = s.eventRank;
    this.fixedSigma = s.sigma;
    this.logSigma =
      s.name === 'gaussian' && s.learnSigma
        ? tf.tidy(() => tf.variable(tf.scalar(Math.log(s.sigma)), true, `elbo_likelihood_log_sigma_${logSigmaCounter++}`))
        : null;
  }

  /**
   * A likelihood from {@link Likelihood.getConfig}'s output.
   * @example
   * ```ts
   * const copy = Likelihood.fromConfig(lik.getConfig());
   * ```
   */
  static fromConfig(config: LikelihoodConfig): Likelihood {
    if (config == null || typeof config !== 'object')
      throw new TypeError(`Likelihood.fromConfig: config must be an object, got ${describeValue(config)}`);
    const { eventRank, ...spec } = config;
    return new Likelihood(spec as LikelihoodSpec, eventRank === undefined ? {} : { eventRank });
  }

  /**
   * Variables the likelihood itself trains: the learned log sigma, else none.
   * @example
   * ```ts
   * const variables = [...decoder.trainableVariables, ...lik.trainableVariables];
   * ```
   */
  get trainableVariables(): tf.Variable[] {
    return this.logSigma == null ? [] : [this.logSigma];
  }

  /**
   * The Gaussian's current sigma (one read when learned); undefined for the Bernoulli kinds.
   * @example
   * ```ts
   * new Likelihood({ name: 'gaussian', sigma: 0.5 }).sigma(); // 0.5
   * ```
   */
  sigma(): number | undefined {
    if (this.name !== 'gaussian') return undefined;
    return this.logSigma == null ? this.fixedSigma : Math.exp(this.logSigma.dataSync()[0]!);
  }

  /**
   * log p(x | out), summed over the last `eventRank` axes. Differentiable in
   * `out` (and in the learned log sigma); the values are not checked (the hot
   * path: check the data once with {@link Likelihood.checkData}). No
   * gradient flows to `x`: it is the data.
   * @param x - data, shape [..., event] (broadcastable against `out`, e.g. [n, D] against [K, n, D]).
   * @param out - decoder output, shape [..., event].
   * @returns shape [...] (the broadcast shape without the event axes); the caller disposes it.
   * @example
   * ```ts
   * new Likelihood('bernoulli').logProb(tf.ones([2, 3]), tf.zeros([4, 2, 3])); // [4, 2], each -3 log 2
   * ```
   */
  logProb(x: TensorInput, out: tf.Tensor): tf.Tensor {
    checkOut(out, 'Likelihood.logProb');
    return tf.tidy(() => {
      const xf = toFloat(x, 'x', 'Likelihood.logProb');
      const rank = Math.max(xf.rank, out.rank);
      if (rank < this.eventRank) {
        throw new Error(
          `Likelihood.logProb: x and out must have rank >= eventRank ${this.eventRank}, got ${describeValue(xf)} and ${describeValue(out)}`,
        );
      }
      const axes = Array.from({ length: this.eventRank }, (_, i) => rank - this.eventRank + i);
      if (this.name === 'gaussian') return this.gaussianLogProb(xf, out, axes);
      const bern = bernoulliEventLogLikelihood(xf, out, axes);
      return this.name === 'bernoulli'
        ? bern
        : tf.add(
            bern,
            tf.sum(
              cbLogNorm(out),
              axes.map((a) => a - (rank - out.rank)),
            ),
          );
    });
  }

  /**
   * The mean of p(x | out), elementwise: the reconstruction.
   *
   * ```
   * bernoulli: sigmoid(l)    continuous-bernoulli: 1 / -expm1(-l) - 1/l    gaussian: m
   * ```
   * @param out - decoder output, any shape.
   * @returns `out`'s shape; the caller disposes it.
   * @example
   * ```ts
   * new Likelihood('bernoulli').mean(tf.tensor([0, 100])); // [0.5, 1]
   * ```
   */
  mean(out: tf.Tensor): tf.Tensor {
    checkOut(out, 'Likelihood.mean');
    return tf.tidy(() => {
      if (this.name === 'gaussian') return tf.clone(out);
      return this.name === 'bernoulli' ? tf.sigmoid(out) : cbMean(out);
    });
  }

  /**
   * One draw from p(x | out), elementwise (no gradient): 0/1 for the
   * Bernoulli, the inverse cdf of a uniform for the continuous Bernoulli,
   * `m + sigma eps` for the Gaussian.
   * @param out - decoder output, any shape.
   * @param seed - a seed for repeatable draws.
   * @returns `out`'s shape; the caller disposes it.
   * @example
   * ```ts
   * new Likelihood('bernoulli').sample(tf.zeros([2, 784]), 0); // 0/1 pixels, the same every call
   * ```
   */
  sample(out: tf.Tensor, seed?: number): tf.Tensor {
    checkOut(out, 'Likelihood.sample');
    if (seed !== undefined && !Number.isInteger(seed))
      throw new Error(`Likelihood.sample: seed must be an integer, got ${describeValue(seed)}`);
    return tf.tidy(() => {
      if (this.name === 'gaussian') return tf.add(out, tf.mul(this.sigma()!, tf.randomNormal(out.shape, 0, 1, 'float32', tfjsSeed(seed))));
      const u = tf.randomUniform(out.shape, 0, 1, 'float32', tfjsSeed(seed));
      return this.name === 'bernoulli' ? tf.cast(tf.less(u, tf.sigmoid(out)), 'float32') : cbIcdf(out, u);
    });
  }

  /**
   * p(x | out) as a distribution of @elbo/prob with the last `eventRank` axes
   * as its event: `Independent(Bernoulli({ logits }))`,
   * `Independent(ContinuousBernoulli({ logits }))` or
   * `Independent(Normal({ loc, scale: sigma }))` (the sigma's current value,
   * detached). `out` stays yours; dispose the distribution.
   * @example
   * ```ts
   * const p = lik.distribution(out); const h = p.entropy(); p.dispose();
   * ```
   */
  distribution(out: tf.Tensor): Independent {
    checkOut(out, 'Likelihood.distribution');
    const base =
      this.name === 'bernoulli'
        ? new Bernoulli({ logits: out })
        : this.name === 'continuous-bernoulli'
          ? new ContinuousBernoulli({ logits: out })
          : new Normal({ loc: out, scale: this.sigma()! });
    return new Independent(base, this.eventRank);
  }

  /**
   * Throws `<caller>: <name> must be ...` unless `x` is in the support (the
   * Bernoulli kinds: finite and in [0, 1]; the Gaussian: finite), with the
   * first offending value and its index. One reduction and one read when
   * all is well; leaks nothing. Run it once on the data, not every step.
   * @example
   * ```ts
   * new Likelihood('bernoulli').checkData(tf.fill([4, 784], 2), 'data', 'VAE.fit'); // throws: must be in the unit interval [0, 1], got 2 at index [0, 0]
   * ```
   */
  checkData(x: TensorInput, name: string, caller: string): void {
    const t = toFloatTensor(x, name, caller);
    try {
      if (t.rank < this.eventRank)
        throw new Error(`${caller}: ${name} must have rank >= ${this.eventRank} (the event axes), got ${describeValue(t)}`);
      checkConstraint(caller, name, t, this.name === 'gaussian' ? finite : unitInterval);
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /**
   * The serializable form, with the learned sigma's current value.
   * @example
   * ```ts
   * new Likelihood('bernoulli').getConfig(); // { name: 'bernoulli', eventRank: 1 }
   * ```
   */
  getConfig(): LikelihoodConfig {
    if (this.name !== 'gaussian') return { name: this.name, eventRank: this.eventRank };
    return { name: 'gaussian', sigma: this.sigma()!, learnSigma: this.logSigma != null, eventRank: this.eventRank };
  }

  /**
   * Frees the learned log sigma, if any.
   * @example
   * ```ts
   * lik.dispose();
   * ```
   */
  dispose(): void {
    this.logSigma?.dispose();
  }

  /** -1/2 sigma^-2 sum (x - m)^2 - D (log sigma + 1/2 log 2 pi): the constant once per event, not per element. */
  private gaussianLogProb(x: tf.Tensor, m: tf.Tensor, axes: number[]): tf.Tensor {
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, m.shape);
    // tfjs' SquaredDifference gradient does not undo broadcasting: give it equal shapes.
    const to = (t: tf.Tensor) => (tf.util.arraysEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape));
    const squares = tf.sum(tf.squaredDifference(to(x), to(m)), axes);
    const size = axes.reduce((d, a) => d * shape[a]!, 1);
    if (this.logSigma == null) {
      const s = this.fixedSigma;
      return tf.sub(tf.mul(squares, -0.5 / (s * s)), size * (Math.log(s) + HALF_LOG_2PI));
    }
    const precision = tf.exp(tf.mul(this.logSigma, -2));
    return tf.sub(tf.mul(tf.mul(squares, precision), -0.5), tf.mul(tf.add(this.logSigma, HALF_LOG_2PI), size));
  }
}
