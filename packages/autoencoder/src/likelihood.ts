import * as tf from '@tensorflow/tfjs-core';

/** The decoder's distribution p(x | z) over each pixel (the decoder outputs its logits, or its mean for 'gaussian'). */
export type Likelihood = 'bernoulli' | 'gaussian' | 'continuous-bernoulli';

/** The names accepted for {@link Likelihood}. */
export const LIKELIHOODS: readonly Likelihood[] = ['bernoulli', 'gaussian', 'continuous-bernoulli'];

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
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
 * @param output - decoder output, shape [batch, pixels].
 * @param x - the data, shape [batch, pixels].
 * @returns shape [batch].
 */
export function negLogLikelihood(likelihood: Likelihood, output: tf.Tensor, x: tf.Tensor, scale = 1): tf.Tensor1D {
  return tf.tidy(() => {
    if (likelihood === 'gaussian') {
      const z = tf.div(tf.sub(x, output), scale);
      const d = output.shape[output.rank - 1]!;
      return tf.add(tf.mul(0.5, tf.sum(tf.square(z), -1)), d * (Math.log(scale) + HALF_LOG_2PI)) as tf.Tensor1D;
    }
    let perPixel = tf.sub(tf.softplus(output), tf.mul(x, output));
    if (likelihood === 'continuous-bernoulli') perPixel = tf.sub(perPixel, logNormalizer(output));
    return tf.sum(perPixel, -1) as tf.Tensor1D;
  });
}

/**
 * The distribution's mean per pixel: the reconstruction.
 *
 * ```
 * bernoulli: sigmoid(l)    gaussian: m    continuous-bernoulli: sigmoid(l) / tanh(l/2) - 1/l  (-> 1/2 + l/12 near 0)
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
