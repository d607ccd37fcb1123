import * as tf from '@tensorflow/tfjs-core';
import { mask, toFloat, type TensorInput } from './convert';

/**
 * log(sum(exp(x))) over `axis`, stable for large magnitudes and for rows that
 * are all -Infinity (the answer is then -Infinity, not NaN).
 *
 * ```
 * logSumExp(x) = m + log(sum_i exp(x_i - m)),   m = max_i x_i
 * ```
 *
 * @param x - tensor of any shape.
 * @param axis - axis or axes to reduce; default all.
 * @param keepDims - keep reduced axes with size 1; default false.
 * @returns `x`'s shape without `axis` (or with size-1 axes when `keepDims`).
 * @example
 * ```ts
 * logSumExp([1000, 1000]).dataSync(); // [1000.6931]
 * ```
 */
export function logSumExp(x: TensorInput, axis?: number | number[], keepDims = false): tf.Tensor {
  return tf.tidy(() => {
    const $x = toFloat(x, 'x', 'logSumExp');
    const rawMax = tf.max($x, axis, true);
    // A row of -Infinity (or an Infinity) would give inf - inf = NaN: shift by 0 there.
    const m = tf.where(tf.isFinite(rawMax), rawMax, tf.zerosLike(rawMax));
    const sum = tf.sum(tf.exp(tf.sub($x, m)), axis, true);
    const result = tf.add(tf.log(sum), m);
    if (keepDims) return result;
    const axes = axis == null ? $x.shape.map((_, i) => i) : tf.util.parseAxisParam(axis, $x.shape);
    return tf.squeeze(result, axes);
  });
}

/**
 * softplus(x) = log(1 + exp(x)), stable for large |x| (softplus(1000) = 1000,
 * softplus(-1000) = 0). Its gradient is sigmoid(x).
 *
 * ```
 * softplus(x) = max(x, 0) + log1p(exp(-|x|))
 * ```
 *
 * @param x - tensor of any shape.
 * @returns tensor of `x`'s shape.
 * @example
 * ```ts
 * softplus([-1000, 0, 1000]).dataSync(); // [0, 0.6931, 1000]
 * ```
 */
export function softplus(x: TensorInput): tf.Tensor {
  return tf.tidy(() => tf.softplus(toFloat(x, 'x', 'softplus')));
}

/**
 * log(sigmoid(x)), stable for large |x| (logSigmoid(-1000) = -1000).
 *
 * ```
 * logSigmoid(x) = -softplus(-x)
 * ```
 *
 * @param x - tensor of any shape.
 * @returns tensor of `x`'s shape.
 * @example
 * ```ts
 * logSigmoid([-1000, 0]).dataSync(); // [-1000, -0.6931]
 * ```
 */
export function logSigmoid(x: TensorInput): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.softplus(tf.neg(toFloat(x, 'x', 'logSigmoid')))));
}

const LN2 = Math.log(2);

/**
 * log(1 - exp(x)) for x <= 0, accurate near 0 and for very negative x
 * (Mächler 2012): one of two formulas on each side of -log 2.
 *
 * ```
 * log1mExp(x) = log(-expm1(x))     if x > -log 2
 *             = log1p(-exp(x))     otherwise
 * ```
 *
 * @param x - tensor of any shape with values <= 0 (x > 0 gives NaN, x = 0 gives -Infinity).
 * @returns tensor of `x`'s shape.
 * @example
 * ```ts
 * log1mExp([-1e-10, -50]).dataSync(); // [-23.03, -1.9e-22]
 * ```
 */
export function log1mExp(x: TensorInput): tf.Tensor {
  return tf.tidy(() => {
    const $x = toFloat(x, 'x', 'log1mExp');
    const nearZero = mask((v) => tf.greater(v, -LN2), $x);
    // Each branch sees only inputs it is accurate for, so neither makes a NaN gradient.
    const half = tf.scalar(-LN2);
    const xNear = tf.where(nearZero, $x, half);
    const xFar = tf.where(nearZero, half, $x);
    const near = tf.log(tf.neg(tf.expm1(xNear)));
    const far = log1p(tf.neg(tf.exp(xFar)));
    return tf.where(nearZero, near, far);
  });
}

/**
 * Internal: log(1 + u), accurate for tiny |u| on every backend. (The wasm
 * backend computes `tf.log1p` as log(1 + u), which is 0 for |u| < 6e-8.)
 * Kahan's trick, with the exact gradient 1 / (1 + u).
 *
 * ```
 * log1p(u) = u                          if 1 + u == 1 (in float32)
 *          = log(1 + u) * u / ((1 + u) - 1)   otherwise
 * ```
 */
export const log1p = tf.customGrad(((u: tf.Tensor, save: tf.GradSaveFunc) => {
  const w = tf.add(u, 1);
  save([w]);
  const isOne = tf.equal(w, 1);
  const wSafe = tf.where(isOne, tf.fill(w.shape, 2), w);
  const value = tf.where(isOne, u, tf.div(tf.mul(tf.log(wSafe), u), tf.sub(wSafe, 1)));
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, saved[0]!) };
}) as never) as unknown as (u: tf.Tensor) => tf.Tensor;
