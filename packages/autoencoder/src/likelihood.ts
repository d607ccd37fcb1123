import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli, ContinuousBernoulli, Independent, Normal, continuousBernoulliMean } from '@elbo/prob';
import type { Distribution } from '@elbo/prob';
import { Mlp } from './mlp';
import type { Module } from './mlp';

/**
 * The decoder's distribution p(x | z) over each pixel (the decoder outputs its logits, or its mean for 'gaussian').
 * @example
 * ```ts
 * new Autoencoder({ encoder, decoder, likelihood: 'continuous-bernoulli' satisfies Likelihood });
 * ```
 */
export type Likelihood = 'bernoulli' | 'gaussian' | 'continuous-bernoulli';

/**
 * The names accepted for {@link Likelihood}.
 * @example
 * ```ts
 * LIKELIHOODS; // ['bernoulli', 'gaussian', 'continuous-bernoulli']
 * ```
 */
export const LIKELIHOODS: readonly Likelihood[] = ['bernoulli', 'gaussian', 'continuous-bernoulli'];

/**
 * Negative log-likelihood of `x` under the decoder's distribution, summed over
 * the pixels: one number per example, in nats.
 *
 * ```
 * bernoulli (logits l):   -log p(x|l) = sum_i softplus(l_i) - x_i l_i                       (stable BCE)
 * continuous-bernoulli:   -log p(x|l) = sum_i softplus(l_i) - x_i l_i - log C(l_i),   C(l) = l / tanh(l/2)
 * gaussian (mean m, s):   -log p(x|m) = sum_i (x_i - m_i)^2 / (2 s^2) + log s + log(2 pi)/2
 * ```
 *
 * @param likelihood - which distribution, one of {@link LIKELIHOODS}; anything else throws.
 * @param output - decoder output, shape [batch, pixels].
 * @param x - the data, shape [batch, pixels].
 * @param scale - standard deviation of the 'gaussian' likelihood, a finite number > 0 (default 1).
 * @returns shape [batch].
 * @example
 * ```ts
 * negLogLikelihood('bernoulli', tf.zeros([1, 784]), x); // [784 log 2] for any x in [0, 1]
 * ```
 */
export function negLogLikelihood(likelihood: Likelihood, output: tf.Tensor, x: tf.Tensor, scale = 1): tf.Tensor1D {
  checkLikelihood(likelihood, 'negLogLikelihood');
  checkScale(scale, 'negLogLikelihood');
  return tf.tidy(() => tf.neg(makeDistribution(likelihood, output, scale).logProb(x)) as tf.Tensor1D);
}

/**
 * p(x | z) as an @elbo/prob distribution with one event axis (the pixels):
 * `Independent(Bernoulli({ logits }), 1)`, `Independent(ContinuousBernoulli({ logits }), 1)`
 * or `Independent(Normal({ loc, scale }), 1)`. The likelihood name and scale
 * are checked; the tensors are not re-validated per step (the data is checked
 * once when training starts). Call it inside `tf.tidy` or `dispose()` the
 * result, which frees every tensor it made (`output` stays yours).
 * @param likelihood - one of {@link LIKELIHOODS}; anything else throws.
 * @param output - decoder output, shape [batch, pixels].
 * @param scale - standard deviation of the 'gaussian' likelihood, a finite number > 0 (default 1).
 * @returns a distribution with batchShape [batch] and eventShape [pixels].
 * @example
 * ```ts
 * const logp = tf.tidy(() => decoderDistribution('bernoulli', logits).logProb(x)); // [batch]
 * ```
 */
export function decoderDistribution(likelihood: Likelihood, output: tf.Tensor, scale = 1): Distribution {
  checkLikelihood(likelihood, 'decoderDistribution');
  checkScale(scale, 'decoderDistribution');
  return makeDistribution(likelihood, output, scale);
}

/** {@link decoderDistribution} without the checks (its callers have made them). */
function makeDistribution(likelihood: Likelihood, output: tf.Tensor, scale: number): Distribution {
  const options = { validateArgs: false };
  const base =
    likelihood === 'bernoulli'
      ? new Bernoulli({ logits: output }, options)
      : likelihood === 'continuous-bernoulli'
        ? new ContinuousBernoulli({ logits: output }, options)
        : // A number, not a tensor: the Normal then owns the scalar it makes (so dispose() frees it) and broadcasts it.
          new Normal({ loc: output, scale }, options);
  return new Independent(base, 1, options);
}

/**
 * The distribution's mean per pixel: the reconstruction.
 *
 * ```
 * bernoulli: sigmoid(l)    gaussian: m    continuous-bernoulli: sigmoid(l) / tanh(l/2) - 1/l  (-> 1/2 + l/12 near 0)
 * ```
 * @param likelihood - one of {@link LIKELIHOODS}; anything else throws.
 * @param output - decoder output, shape [batch, pixels].
 * @returns the mean, same shape.
 * @example
 * ```ts
 * likelihoodMean('bernoulli', tf.tensor2d([[0, 100]])); // [[0.5, 1]]
 * ```
 */
export function likelihoodMean(likelihood: Likelihood, output: tf.Tensor): tf.Tensor {
  checkLikelihood(likelihood, 'likelihoodMean');
  return tf.tidy(() => {
    if (likelihood === 'gaussian') return tf.clone(output);
    if (likelihood === 'bernoulli') return tf.sigmoid(output);
    return continuousBernoulliMean(output);
  });
}

/** Throws, naming `where`, unless `likelihood` is one of {@link LIKELIHOODS} (a typo must not pick another one). */
export function checkLikelihood(likelihood: unknown, where: string): asserts likelihood is Likelihood {
  if (!LIKELIHOODS.includes(likelihood as Likelihood)) {
    throw new Error(`${where}: likelihood must be one of ${LIKELIHOODS.join(', ')}, got ${String(likelihood)}`);
  }
}

/** Throws, naming `where`, unless the 'gaussian' scale is a finite number > 0. */
export function checkScale(scale: unknown, where: string): asserts scale is number {
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new Error(`${where}: scale must be a finite number > 0, got ${String(scale)}`);
  }
}

/**
 * Throws, naming `where`, when a Bernoulli kind would read a squashed decoder
 * output (e.g. sigmoid probabilities) as logits: it would train silently
 * wrong. The Gaussian takes any output as its mean; a custom module has no
 * activation to inspect and passes.
 * @example
 * ```ts
 * checkDecoderOutput('bernoulli', mlp([20, 784], { outputActivation: 'sigmoid' }), 'MyModel'); // throws
 * ```
 */
export function checkDecoderOutput(likelihood: Likelihood, decoder: Module, where: string): void {
  if ((likelihood !== 'bernoulli' && likelihood !== 'continuous-bernoulli') || !(decoder instanceof Mlp)) return;
  const out = decoder.getConfig().outputActivation;
  if (out !== 'linear') throw new Error(`${where}: a ${likelihood} likelihood reads logits, so the decoder's outputActivation must be 'linear', got '${out}'`);
}

/**
 * Throws `<name> must hold values in [0, 1] ...` when the Bernoulli kinds
 * would read `data` as probabilities outside [0, 1] (or NaN): they would
 * train on a meaningless loss without an error. The Gaussian takes any data.
 * One reduction and one read of `data`; leaks nothing.
 * @param name - how the message names the data, e.g. `fit: data`.
 * @example
 * ```ts
 * checkDataInSupport('bernoulli', tf.fill([4, 784], 2), 'fit: data'); // throws: got values in [2, 2]
 * ```
 */
export function checkDataInSupport(likelihood: Likelihood, data: tf.Tensor, name: string): void {
  if (likelihood !== 'bernoulli' && likelihood !== 'continuous-bernoulli') return;
  const [lo, hi, nan] = tf.tidy(() => {
    const f = tf.cast(data, 'float32');
    return tf.stack([tf.min(f), tf.max(f), tf.cast(tf.any(tf.isNaN(f)), 'float32')]).dataSync();
  });
  if (nan! > 0 || !(lo! >= 0 && hi! <= 1)) {
    throw new Error(`${name} must hold values in [0, 1] for a ${likelihood} likelihood, got ${nan! > 0 ? 'NaN values' : `values in [${lo}, ${hi}]`}`);
  }
}
