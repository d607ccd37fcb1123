// Internal: the logits-xor-probs parameterization shared by Bernoulli, Categorical, ContinuousBernoulli.
import * as tf from '@tensorflow/tfjs-core';
import { describeValue, type TensorInput } from './convert';
import { log1p } from './numerics';

/** Exactly one of `logits` or `probs`: the parameters of Bernoulli, ContinuousBernoulli and Categorical. */
export type LogitsOrProbs = { logits: TensorInput; probs?: undefined } | { probs: TensorInput; logits?: undefined };

/** Which of `logits` / `probs` was given; throws unless exactly one, showing what came. */
export function oneOf(where: string, params: { logits?: unknown; probs?: unknown }): 'logits' | 'probs' {
  if (params == null || typeof params !== 'object') {
    throw new TypeError(`${where}: expected { logits } or { probs }, got ${describeValue(params)}`);
  }
  const hasLogits = params.logits !== undefined;
  const hasProbs = params.probs !== undefined;
  if (hasLogits === hasProbs) {
    const got = hasLogits ? `both (logits: ${show(params.logits)}, probs: ${show(params.probs)})` : 'neither';
    throw new Error(`${where}: give exactly one of logits or probs, got ${got}`);
  }
  return hasLogits ? 'logits' : 'probs';
}

function show(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x) && x.length <= 6) return JSON.stringify(x);
  return describeValue(x);
}

/** log(p) - log(1 - p) with p clamped to [eps, 1 - eps], so logits stay finite. */
export function logitsFromProbs(probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = tf.backend().epsilon();
    const p = tf.clipByValue(probs, eps, 1 - eps);
    return tf.sub(tf.log(p), log1p(tf.neg(p)));
  });
}

/**
 * x log sigmoid(l) + (1 - x) log sigmoid(-l) = x l - softplus(l), elementwise
 * with broadcasting: the Bernoulli log-likelihood of x in [0, 1] at logits l
 * (minus the binary cross-entropy), with one softplus per element.
 *
 * ```
 * x l - softplus(l) = x l - relu(l) - softplus(-|l|)       d/dl = x - sigmoid(l),  d/dx = l
 * ```
 *
 * The split keeps the small -softplus(-|l|) exact where x l and softplus(l)
 * are large and equal (x = 1, l >> 0: -9.4e-14 at l = 30, which
 * x l - softplus(l) rounds to 0); the gradient is written out, one sigmoid.
 */
export function bernoulliLogLikelihood(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, logits.shape);
  const to = (t: tf.Tensor) => (tf.util.arraysEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape));
  return bernoulliLogLikelihoodOp(to(x), to(logits));
}

const bernoulliLogLikelihoodOp = tf.customGrad(((x: tf.Tensor, l: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, l]);
  const value = tf.sub(tf.sub(tf.mul(x, l), tf.relu(l)), tf.softplus(tf.neg(tf.abs(l))));
  return {
    value,
    gradFunc: (dy: tf.Tensor, [sx, sl]: tf.Tensor[]) => [tf.mul(dy, sl!), tf.mul(dy, tf.sub(sx!, tf.sigmoid(sl!)))],
  };
}) as never) as unknown as (x: tf.Tensor, l: tf.Tensor) => tf.Tensor;

/**
 * The Bernoulli log-likelihood summed over `axes`, as one op with its
 * gradient in the logits written out: the decoder's hot path (every pixel,
 * every step). The same stable form as {@link bernoulliLogLikelihood}; the
 * fused sum and a gradient only to the logits (the data x is a constant)
 * make it faster than the naive `sum(x l - softplus(l))` differentiated op
 * by op.
 *
 * ```
 * sum_axes x l - relu(l) - softplus(-|l|)        d/dl = x - sigmoid(l)
 * ```
 */
export function bernoulliEventLogLikelihood(x: tf.Tensor, logits: tf.Tensor, axes: number[]): tf.Tensor {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, logits.shape);
  const l = tf.util.arraysEqual(logits.shape, shape) ? logits : tf.broadcastTo(logits, shape);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const op = tf.customGrad(((lv: tf.Tensor, save: tf.GradSaveFunc) => {
    save([lv]);
    const perElement = tf.sub(tf.sub(tf.mul(x, lv), tf.relu(lv)), tf.softplus(tf.neg(tf.abs(lv))));
    return {
      value: tf.sum(perElement, axes),
      gradFunc: (dy: tf.Tensor, [sl]: tf.Tensor[]) => tf.mul(tf.reshape(dy, kept), tf.sub(x, tf.sigmoid(sl!))),
    };
  }) as never) as unknown as (l: tf.Tensor) => tf.Tensor;
  return op(l);
}
