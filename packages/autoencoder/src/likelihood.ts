import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli, ContinuousBernoulli, Independent, Normal } from '@elbo/prob';
import type { Distribution } from '@elbo/prob';

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

/** |logit| below which the continuous-Bernoulli terms switch to their Taylor series (float32-safe). */
const CB_TAYLOR_CUT = 1e-2;

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
 * @param likelihood - which distribution.
 * @param output - decoder output, shape [batch, pixels].
 * @param x - the data, shape [batch, pixels].
 * @param scale - standard deviation of the 'gaussian' likelihood (default 1).
 * @returns shape [batch].
 * @example
 * ```ts
 * negLogLikelihood('bernoulli', tf.zeros([1, 784]), x); // [784 log 2] for any x in [0, 1]
 * ```
 */
export function negLogLikelihood(likelihood: Likelihood, output: tf.Tensor, x: tf.Tensor, scale = 1): tf.Tensor1D {
  return tf.tidy(() => {
    if (likelihood !== 'continuous-bernoulli') return tf.neg(decoderDistribution(likelihood, output, scale).logProb(x)) as tf.Tensor1D;
    // @elbo/prob's ContinuousBernoulli clips lambda to [eps, 1 - eps], which caps log C at |logit| ~ 16
    // (0.9 nats off per pixel at logit -40); decoders reach such logits, so log C is computed here from logits.
    const bce = tf.neg(new Bernoulli({ logits: output }, { validateArgs: false }).logProb(x));
    return tf.sum(tf.sub(bce, logNormalizer(output)), -1) as tf.Tensor1D;
  });
}

/**
 * p(x | z) as an @elbo/prob distribution with one event axis (the pixels):
 * `Independent(Bernoulli({ logits }), 1)`, `Independent(ContinuousBernoulli({ logits }), 1)`
 * or `Independent(Normal({ loc, scale }), 1)`. Arguments are not re-validated
 * per step (the data is checked once when training starts). Call it inside
 * `tf.tidy` or `dispose()` the result.
 * @param output - decoder output, shape [batch, pixels].
 * @returns a distribution with batchShape [batch] and eventShape [pixels].
 * @example
 * ```ts
 * const logp = tf.tidy(() => decoderDistribution('bernoulli', logits).logProb(x)); // [batch]
 * ```
 */
export function decoderDistribution(likelihood: Likelihood, output: tf.Tensor, scale = 1): Distribution {
  const options = { validateArgs: false };
  const base =
    likelihood === 'bernoulli'
      ? new Bernoulli({ logits: output }, options)
      : likelihood === 'continuous-bernoulli'
        ? new ContinuousBernoulli({ logits: output }, options)
        : new Normal({ loc: output, scale: tf.fill(output.shape, scale) }, options);
  return new Independent(base, 1, options);
}

/**
 * The distribution's mean per pixel: the reconstruction.
 *
 * ```
 * bernoulli: sigmoid(l)    gaussian: m    continuous-bernoulli: sigmoid(l) / tanh(l/2) - 1/l  (-> 1/2 + l/12 near 0)
 * ```
 * @param output - decoder output, shape [batch, pixels].
 * @returns the mean, same shape.
 * @example
 * ```ts
 * likelihoodMean('bernoulli', tf.tensor2d([[0, 100]])); // [[0.5, 1]]
 * ```
 */
export function likelihoodMean(likelihood: Likelihood, output: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (likelihood === 'gaussian') return tf.clone(output);
    if (likelihood === 'bernoulli') return tf.sigmoid(output);
    const { small, safe } = taylorMask(output);
    const exact = tf.sub(tf.div(tf.sigmoid(safe), tf.tanh(tf.mul(safe, 0.5))), tf.reciprocal(safe));
    return blend(small, tf.add(0.5, tf.div(output, 12)), exact);
  });
}

/** log C(l) of the continuous Bernoulli, C(l) = l / tanh(l/2) (= 2 atanh(1-2p) / (1-2p)); log 2 + l^2/12 near 0. */
function logNormalizer(l: tf.Tensor): tf.Tensor {
  const { small, safe } = taylorMask(l);
  // |l| / |tanh(l/2)|, written with log|tanh(l/2)| = log(1 - e^-|l|) - log(1 + e^-|l|) for large |l|
  const a = tf.abs(safe);
  const e = tf.exp(tf.neg(a));
  const exact = tf.sub(tf.log(a), tf.sub(tf.log1p(tf.neg(e)), tf.log1p(e)));
  return blend(small, tf.add(Math.LN2, tf.div(tf.square(l), 12)), exact);
}

/**
 * `small` = 1 where |l| < cut else 0, and `safe` = l with the small entries moved to the cut, so the
 * exact branch stays finite (and its gradient too). Arithmetic, not tf.less/tf.where: tfjs has no
 * gradient for comparisons, and where() would multiply a NaN gradient by 0.
 */
function taylorMask(l: tf.Tensor): { small: tf.Tensor; safe: tf.Tensor } {
  const small = tf.step(tf.sub(CB_TAYLOR_CUT, tf.abs(l)));
  return { small, safe: tf.add(tf.mul(small, CB_TAYLOR_CUT), tf.mul(tf.sub(1, small), l)) };
}

function blend(mask: tf.Tensor, ifSmall: tf.Tensor, otherwise: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(mask, ifSmall), tf.mul(tf.sub(1, mask), otherwise));
}
