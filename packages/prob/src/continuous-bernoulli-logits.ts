// The continuous Bernoulli's log normalizer, mean and inverse cdf as plain
// tensor functions of the logits, for models that compute them every training
// step (decoders of autoencoders and VAEs): the same math as ContinuousBernoulli,
// without building a distribution or checking values.
import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape, toFloat, type TensorInput } from './convert';
import { cbIcdf, cbLogNorm, cbMean } from './continuous-bernoulli-math';

/**
 * log C(l) of the continuous Bernoulli with logits l, elementwise: the term that
 * turns the Bernoulli log-likelihood of x in [0, 1] into a density.
 *
 * ```
 * C(l)  = l / tanh(l / 2)                         (= 2 at l = 0)
 * log C = log(|l| / -expm1(-|l|)) + softplus(-|l|)   (log 2 + l^2/12 - 7 l^4/1440 + ... near 0)
 * log p(x | l) = x l - softplus(l) + log C(l)
 * ```
 *
 * Exact in float32 for every finite logit (it never forms sigmoid(l), which
 * rounds to 0 or 1 from |l| ~ 17), with a finite gradient everywhere
 * (d log C / dl = 1/l - 1/sinh(l)). The values are not checked (this is meant
 * for the training hot path); `new ContinuousBernoulli({ logits })` checks them.
 *
 * @param logits - tensor of any shape.
 * @returns log C, `logits`' shape.
 * @example
 * ```ts
 * continuousBernoulliLogNormalizer(tf.tensor([0, 2, -40])).dataSync(); // [0.6931, 0.9655, 3.6889]
 * ```
 */
export function continuousBernoulliLogNormalizer(logits: TensorInput): tf.Tensor {
  return tf.tidy(() => cbLogNorm(toFloat(logits, 'logits', 'continuousBernoulliLogNormalizer')));
}

/**
 * E[X] of the continuous Bernoulli with logits l, elementwise (the decoder's
 * reconstruction of a pixel).
 *
 * ```
 * E[X] = 1 / -expm1(-l) - 1/l = sigmoid(l) / tanh(l/2) - 1/l     (1/2 + l/12 - l^3/720 + ... near 0)
 * ```
 *
 * Within a few float32 ulps of the float64 value for every finite logit.
 * The values are not checked; `new ContinuousBernoulli({ logits }).mean()` checks them.
 *
 * @param logits - tensor of any shape.
 * @returns the mean in [0, 1], `logits`' shape.
 * @example
 * ```ts
 * continuousBernoulliMean(tf.tensor([0, 2, -40])).dataSync(); // [0.5, 0.6565, 0.025]
 * ```
 */
export function continuousBernoulliMean(logits: TensorInput): tf.Tensor {
  return tf.tidy(() => cbMean(toFloat(logits, 'logits', 'continuousBernoulliMean')));
}

/**
 * The inverse cdf of the continuous Bernoulli with logits l at u in [0, 1],
 * elementwise with broadcasting: a draw when u is uniform (no gradient is
 * lost: it is differentiable in l, the reparameterization of `rsample`).
 *
 * ```
 * F^-1(u) = log1p(u expm1(l)) / l      (u at l = 0; written without overflow or cancellation for any l)
 * ```
 *
 * The values are not checked (u outside [0, 1] gives a result clipped to [0, 1]);
 * `new ContinuousBernoulli({ logits }).rsample()` draws with checked logits.
 *
 * @param logits - tensor broadcastable with `u`.
 * @param u - probabilities in [0, 1], broadcastable with `logits`.
 * @returns x in [0, 1], the broadcast shape.
 * @example
 * ```ts
 * continuousBernoulliIcdf(tf.tensor([0, -40]), 0.5).dataSync(); // [0.5, 0.0173]
 * continuousBernoulliIcdf(logits, tf.randomUniform(logits.shape, 0, 1, 'float32', 7)); // one draw per element
 * ```
 */
export function continuousBernoulliIcdf(logits: TensorInput, u: TensorInput): tf.Tensor {
  return tf.tidy(() => {
    const where = 'continuousBernoulliIcdf';
    const l = toFloat(logits, 'logits', where);
    const $u = toFloat(u, 'u', where);
    broadcastShape(l.shape, $u.shape, `${where}: logits and u`);
    return cbIcdf(l, $u);
  });
}
